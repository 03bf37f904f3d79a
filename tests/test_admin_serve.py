"""Issue 17: the admin login and sessions against a real `kapdir serve` process (waitress, several threads,
behind a pretend proxy with KAPDIR_PROXY_FIX=1 so each request can come from its own address), hit by
real HTTP clients in parallel threads."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT, kapdir
from tests.test_demo import free_port

USER, PASSWORD = "alice", "correct horse battery"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: its own cookie jar, no redirects followed, every request from `ip` (X-Forwarded-For)."""

    def __init__(self, base: str, ip: str = "127.0.0.1"):
        self.base, self.ip = base, ip
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"X-Forwarded-For": self.ip})
        try:
            with self.opener.open(req, timeout=20) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def token(self, path: str = "/admin/login") -> str:
        status, html, _ = self.request(path)
        assert status == 200, status
        m = TOKEN.search(html)
        assert m, "no CSRF token"
        return m.group(1) or m.group(2)

    def login(self, password: str = PASSWORD, token: str | None = None) -> int:
        return self.request("/admin/login", {"csrf_token": token or self.token(), "username": USER,
                                             "password": password})[0]

    def session_cookie(self) -> str:
        return next(c.value for c in self.jar if c.name == "session")


@pytest.fixture
def server(tmp_path):
    data = tmp_path / "d"
    r = kapdir("admin", "create-user", USER, data_dir=data, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(data), "serve", "--port", str(port),
                             "--threads", "8"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "KAPDIR_PROXY_FIX": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/admin/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("server did not start: " + proc.stderr.read1().decode())
        yield base, data
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
        assert "Traceback" not in err.decode(), err.decode()


def test_parallel_wrong_logins_get_five_answers_then_429_and_the_owner_still_gets_in(server):
    """Issue 17 (1, 3): 16 parallel wrong logins from one address got 8 answers 401 before 429 (limit 5),
    and five failures from elsewhere locked the owner out of every address."""
    base, _data = server
    browsers = [Browser(base, "203.0.113.7") for _ in range(16)]
    tokens = [b.token() for b in browsers]  # fetched first, so the 16 posts start together
    start = threading.Barrier(16)
    codes: list[int] = []

    def attempt(i: int) -> None:
        start.wait()
        codes.append(browsers[i].login("a wrong guess", tokens[i]))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (codes.count(401), codes.count(429)) == (5, 11), codes
    assert Browser(base, "203.0.113.7").login() == 429  # that name from that address is locked
    owner = Browser(base, "198.51.100.8")
    assert owner.login() == 303  # the owner, elsewhere, is not
    assert owner.request("/admin/")[0] == 200


def test_a_cookie_saved_before_logout_or_a_password_change_opens_nothing(server):
    """Issue 17 (2): a session cookie copied before POST /admin/logout still opened /admin/ afterwards."""
    base, data = server
    alice = Browser(base)
    assert alice.login() == 303
    saved = alice.session_cookie()
    status, html, _ = alice.request("/admin/")
    assert status == 200
    assert alice.request("/admin/logout", {"csrf_token": TOKEN.search(html).group(1)})[0] == 303

    def replay(cookie: str) -> int:
        req = urllib.request.Request(base + "/admin/", headers={"Cookie": f"session={cookie}"})
        try:
            with urllib.request.build_opener(_NoRedirect).open(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert replay(saved) == 302
    assert alice.login() == 303  # logging in again works, with a new cookie
    saved = alice.session_cookie()
    assert replay(saved) == 200
    r = kapdir("admin", "create-user", USER, data_dir=data, stdin="another long password\n")
    assert r.returncode == 0 and "updated" in r.stdout
    assert replay(saved) == 302


def test_a_bad_idle_timeout_is_a_one_line_error(tmp_path):
    r = kapdir("serve", "--port", str(free_port()), data_dir=tmp_path / "d", timeout=20,
               env={"KAPDIR_ADMIN_IDLE_MINUTES": "soon"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("kapdir: error: KAPDIR_ADMIN_IDLE_MINUTES must be a number of minutes above 0 "
                                "and at most 720; got 'soon'")
