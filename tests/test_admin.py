"""The admin area and the public report form, against a real store crawled from a loopback site.

One real `kapdir crawl` fills a template data dir per test run (with a user made by the real
`kapdir admin create-user`, password on stdin); each test works on its own copy, through a real Flask test
client with CSRF protection on, and checks the outcome where the public sees it: the JSON API.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import kapdir, shared_dir
from tests.test_lifecycle import Directory

USER, PASSWORD = "alice", "correct horse battery"
TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="[\w-]*csrf_token"')


def _crawl_template(tmp: Path) -> None:
    site = Directory()
    try:
        site.add("ada", "Ada One", "(512) 555-0100")
        site.add("bo", "Bo Two", "(512) 555-0101")
        site.add("cy", "Cy Three", "(512) 555-0102")
        site.add("jl1", "Jordan Lee", "(512) 555-0110")
        site.add("jl2", "Jordan Lee", "(512) 555-0120", text="IM ketamine injections in our office.")
        data = tmp / "data"
        r = kapdir("crawl", "dyn", data_dir=data, sources=site.source(tmp))
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        site.site.stop()
    r = kapdir("admin", "create-user", USER, data_dir=data, stdin=PASSWORD + "\n")
    assert r.returncode == 0 and "created" in r.stdout, r.stderr


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Built once per run, not per xdist worker (`shared_dir`): every test works on a copy of it."""
    return shared_dir(tmp_path_factory, "admin-template", _crawl_template) / "data"


@pytest.fixture
def data(template, tmp_path):
    d = tmp_path / "data"
    shutil.copytree(template, d)
    return d


def make_app(data, **config):
    from webapp import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(data), "INDEX_DIR": str(data / "index"), **config})


@pytest.fixture
def app(data):
    return make_app(data)


@pytest.fixture
def client(app):
    return app.test_client()


def token(html: str) -> str:
    m = TOKEN.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1) or m.group(2)


def login(client, username=USER, password=PASSWORD, **kw):
    page = client.get("/admin/login", **kw)
    return client.post("/admin/login", data={"csrf_token": token(page.text), "username": username,
                                             "password": password}, **kw)


@pytest.fixture
def admin(client):
    assert login(client).status_code == 303
    return client


def ids(client) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in client.get("/api/v1/search?per_page=100").get_json()["results"]:
        out.setdefault(r["name"], []).append(r["id"])
    return out


def act(client, rid, action, prefix=None, **fields):
    """Post one record-page form the way a browser would: its token comes from the page."""
    page = client.get(f"/admin/records/{rid}")
    prefix = prefix or action
    data = {f"{prefix}-csrf_token": token(page.text), **{f"{prefix}-{k}": v for k, v in fields.items()}}
    return client.post(f"/admin/records/{rid}/{action}", data=data)


def audit(data) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(data / "kapdir.sqlite3")
    try:
        return conn.execute("SELECT actor, action, target FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()


def search_total(client, q) -> int:
    return client.get("/api/v1/search", query_string={"q": q}).get_json()["total"]


# -- logging in ---------------------------------------------------------------------------------------
def test_login_works_and_a_wrong_password_fails(client):
    assert client.get("/admin/").status_code == 302
    bad = login(client, password="wrong password!")
    assert bad.status_code == 401 and "Wrong username or password" in bad.text
    assert client.get("/admin/").headers["Location"].startswith("/admin/login")
    assert login(client, username="mallory").status_code == 401
    ok = login(client)
    assert ok.status_code == 303 and ok.headers["Location"] == "/admin/"
    dash = client.get("/admin/")
    assert dash.status_code == 200 and "Dashboard" in dash.text and "dyn" in dash.text
    assert "no-store" in dash.headers["Cache-Control"]
    assert re.search(r"<strong>5</strong> published records", dash.text)
    assert re.search(r"<strong>1</strong> open review items", dash.text)
    out = client.post("/admin/logout", data={"csrf_token": token(dash.text)})
    assert out.status_code == 303
    assert client.get("/admin/").status_code == 302


def test_login_redirects_back_but_never_off_site(client):
    page = client.get("/admin/jobs?source=dyn")
    assert page.status_code == 302 and "next=" in page.headers["Location"]
    login_page = client.get(page.headers["Location"])
    r = client.post(page.headers["Location"], data={"csrf_token": token(login_page.text), "username": USER,
                                                    "password": PASSWORD})
    assert r.headers["Location"] == "/admin/jobs?source=dyn"
    client.post("/admin/logout", data={"csrf_token": token(client.get("/admin/").text)})
    for evil in ("//evil.example/", "https://evil.example/", "/admin/..//evil.example", "/admin/%0D%0AX:%201",
                 "/admin/\x7f"):
        lp = client.get("/admin/login", query_string={"next": evil})
        r = client.post("/admin/login?" + f"next={evil}", data={"csrf_token": token(lp.text), "username": USER,
                                                                "password": PASSWORD})
        assert r.headers["Location"] == "/admin/", evil
        client.post("/admin/logout", data={"csrf_token": token(client.get("/admin/").text)})


def _age_failures(data, seconds: float) -> None:
    """What the clock does: every recorded attempt becomes `seconds` older."""
    conn = sqlite3.connect(data / "kapdir.sqlite3")
    conn.execute("UPDATE admin_login_failures SET at = at - ?", (seconds,))
    conn.commit()
    conn.close()


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def test_repeated_failures_lock_that_username_from_that_address(client, data):
    for _ in range(5):
        assert login(client, password="not the password").status_code == 401
    r = login(client)  # even the right password is refused now, from this address
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 60
    assert "Too many failed attempts" in r.text
    assert login(client, username="bob").status_code == 401  # another name from this address: only wrong
    # fifteen minutes later the failures have aged out
    _age_failures(data, 16 * 60)
    assert login(client).status_code == 303


def test_failures_from_other_addresses_do_not_lock_the_owner_out(app, data):
    """Issue 17 (1): five wrong passwords for a name, sent from other addresses, made the right password from
    a fresh address answer 429 for 15 minutes; repeated, the owner was kept out for good."""
    attacker = app.test_client()
    for _ in range(5):
        assert login(attacker, password="guess guess guess", **_from("203.0.113.9")).status_code == 401
    for _ in range(4):
        assert login(attacker, password="guess guess guess", **_from("203.0.113.10")).status_code == 401
    assert login(attacker, **_from("203.0.113.9")).status_code == 429  # that address is locked for that name
    owner = app.test_client()
    assert login(owner, **_from("198.51.100.20")).status_code == 303
    assert owner.get("/admin/").status_code == 200


def test_many_failures_for_one_name_only_slow_new_browsers_down(app, data):
    """Failures for one name from many addresses slow its logins to one every few seconds from browsers
    that never logged in as it; a browser that did is never held up, and nobody waits long."""
    owner = app.test_client()
    assert login(owner).status_code == 303  # this browser is now known for alice
    owner.post("/admin/logout", data={"csrf_token": token(owner.get("/admin/").text)})
    bots = app.test_client()
    for n in range(10):
        assert login(bots, password="guess guess guess", **_from(f"203.0.113.{n}")).status_code == 401
    fresh = app.test_client()
    r = login(fresh, **_from("198.51.100.30"))
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 5
    assert "a few seconds" in r.text
    assert login(owner, **_from("198.51.100.31")).status_code == 303  # a known browser: straight in
    _age_failures(data, 6)
    assert login(fresh, **_from("198.51.100.30")).status_code == 303  # a few seconds later, in


def test_one_address_cannot_spray_many_names(client):
    for name in ("bob", "carol", "dave", "erin"):
        for _ in range(5):
            assert login(client, username=name, password="guess guess guess").status_code == 401
    assert login(client, username="frank", password="guess guess guess").status_code == 429
    assert login(client, **_from("198.51.100.40")).status_code == 303


def test_behind_a_proxy_the_forwarded_address_is_the_client(data):
    """With KAPDIR_PROXY_FIX every client arrives from the proxy's address; the lock follows the address the
    proxy forwards. Without it, a forged X-Forwarded-For changes nothing."""
    proxied = make_app(data, KAPDIR_PROXY_FIX="1").test_client()
    via = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    for _ in range(5):
        r = login(proxied, password="guess guess guess", headers={"X-Forwarded-For": "203.0.113.50"}, **via)
        assert r.status_code == 401
    assert login(proxied, headers={"X-Forwarded-For": "203.0.113.50"}, **via).status_code == 429
    assert login(proxied, headers={"X-Forwarded-For": "198.51.100.50"}, **via).status_code == 303
    direct = make_app(data).test_client()
    for n in range(5):
        login(direct, password="guess guess guess", headers={"X-Forwarded-For": f"192.0.2.{n}"}, **_from("10.1.1.1"))
    assert login(direct, headers={"X-Forwarded-For": "192.0.2.99"}, **_from("10.1.1.1")).status_code == 429


def test_a_password_reset_ends_existing_sessions(admin, data):
    assert admin.get("/admin/").status_code == 200
    r = kapdir("admin", "create-user", USER, data_dir=data, stdin="another long password\n")
    assert r.returncode == 0 and "updated" in r.stdout
    assert admin.get("/admin/").status_code == 302


def _replay(app, cookie: str) -> int:
    """A browser that only has a copy of a session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/admin/").status_code


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app, data):
    """Issue 17 (2): a copy of the session cookie taken before POST /admin/logout still opened /admin/ for up
    to 12 hours. Logging out ends every session of that user; logging in again starts a new one."""
    alice, other_tab = app.test_client(), app.test_client()
    assert login(alice).status_code == 303 and login(other_tab).status_code == 303
    saved = alice.get_cookie("session").value
    assert _replay(app, saved) == 200
    dash = alice.get("/admin/")
    assert alice.post("/admin/logout", data={"csrf_token": token(dash.text)}).status_code == 303
    assert _replay(app, saved) == 302
    assert other_tab.get("/admin/").status_code == 302
    assert (f"web:{USER}", "logout", USER) in audit(data)
    assert login(alice).status_code == 303 and alice.get("/admin/").status_code == 200
    assert _replay(app, saved) == 302  # the old copy stays dead


def test_an_idle_session_ends(data):
    """A session unused for ADMIN_IDLE_TIMEOUT seconds (KAPDIR_ADMIN_IDLE_MINUTES, 30 by default) ends;
    using it keeps it alive."""
    import time

    app = make_app(data, ADMIN_IDLE_TIMEOUT=1.0)
    alice = app.test_client()
    assert login(alice).status_code == 303
    for _ in range(3):  # 1.2 s in all, never 1 s idle
        time.sleep(0.4)
        assert alice.get("/admin/").status_code == 200
    time.sleep(1.2)
    r = alice.get("/admin/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login")
    assert login(alice).status_code == 303


# -- nothing without logging in -----------------------------------------------------------------------
def _admin_urls(app, rid: str, item_id: int):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint == "admin.login":
            continue
        values = {"rid": rid, "item_id": item_id, "sid": 1}
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        yield rule, url


def test_anonymous_visitors_reach_no_admin_page_and_no_action(app, client, data):
    rid = ids(client)["Ada One"][0]
    item_id = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT id FROM review").fetchone()[0]
    before = audit(data)
    good_token = token(client.get("/admin/login").text)
    form = {"reason": "x", "hide-reason": "x", "set-field": "phone", "set-value": "5125550199", "merge-others": rid,
            "target": "Ada One", f"c{item_id}-resolution": "done", "resolution": "done"}
    seen = 0
    for rule, url in _admin_urls(app, rid, item_id):
        if "GET" in rule.methods:
            r = client.get(url)
            assert r.status_code == 302 and r.headers["Location"].startswith("/admin/login"), url
            assert "Ada" not in r.text
        if "POST" in rule.methods:
            with_token = {**form, **{k: good_token for k in ("csrf_token", "hide-csrf_token", "set-csrf_token")}}
            r = client.post(url, data=with_token)
            assert r.status_code == 403, url
            assert "Ada" not in r.text
            assert client.post(url, data=form).status_code == 400, url  # and without a token, CSRF says no
        seen += 1
    assert seen >= 14
    assert audit(data) == before
    assert search_total(client, "Ada") == 1


def test_a_post_without_a_valid_csrf_token_is_refused(admin, data):
    rid = ids(admin)["Ada One"][0]
    r = admin.post(f"/admin/records/{rid}/hide", data={"hide-reason": "no token"})
    assert r.status_code == 400 and "CSRF" in r.text
    r = admin.post(f"/admin/records/{rid}/hide", data={"hide-reason": "forged", "hide-csrf_token": "abc.def"})
    assert r.status_code == 400
    assert search_total(admin, "Ada") == 1
    assert act(admin, rid, "hide", reason="now with a token").status_code == 303


# -- actions ------------------------------------------------------------------------------------------
def test_hide_via_the_web_removes_the_record_and_is_audited(admin, data):
    rid = ids(admin)["Ada One"][0]
    r = act(admin, rid, "hide", reason="")
    assert r.status_code == 400 and "Give a reason" in r.text
    r = act(admin, rid, "hide", reason="retired from practice")
    assert r.status_code == 303 and r.headers["Location"] == f"/admin/records/{rid}"
    assert search_total(admin, "Ada") == 0
    assert admin.get(f"/practitioners/{rid}").status_code == 404
    assert (f"web:{USER}", "hide", rid) in audit(data)
    page = admin.get(f"/admin/records/{rid}")
    assert "retired from practice" in page.text and "Unhide" in page.text
    log = admin.get("/admin/audit")
    assert f"web:{USER}" in log.text and "retired from practice" in log.text
    assert act(admin, rid, "unhide", prefix="x").status_code == 303
    assert search_total(admin, "Ada") == 1


def test_set_and_unset_a_phone_via_the_web(admin, data):
    rid = ids(admin)["Bo Two"][0]
    r = act(admin, rid, "set", field="phone", value="not a phone", reason="")
    assert r.status_code == 400 and "is not a phone number" in r.text
    r = act(admin, rid, "set", field="colour", value="blue")
    assert r.status_code == 400
    r = act(admin, rid, "set", field="phone", value="512-555-0199", reason="called the office")
    assert r.status_code == 303
    rec = admin.get(f"/api/v1/practitioners/{rid}").get_json()
    assert rec["phone"] == "+15125550199" and rec["curated_fields"] == ["phone"]
    assert (f"web:{USER}", "set", rid) in audit(data)
    assert act(admin, rid, "unset", field="phone").status_code == 303
    assert admin.get(f"/api/v1/practitioners/{rid}").get_json()["phone"] == "+15125550101"


def test_suppress_via_the_web(admin, data):
    page = admin.get("/admin/suppressions")
    r = admin.post("/admin/suppressions", data={"csrf_token": token(page.text), "target": "Cy Three", "reason": ""})
    assert r.status_code == 400
    r = admin.post("/admin/suppressions", data={"csrf_token": token(page.text), "target": "Cy Three",
                                                "reason": "removal request by email"})
    assert r.status_code == 303
    assert search_total(admin, "Three") == 0
    listed = admin.get("/admin/suppressions")
    assert "Cy Three" in listed.text and "removal request by email" in listed.text
    assert "1 listing(s) removed" in listed.text
    dump = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT group_concat(data) FROM listings").fetchone()[0]
    assert "Cy Three" not in dump
    assert (f"web:{USER}", "suppress", "name:cy three") in audit(data)


def _suppress(admin, target, reason="removal request by email"):
    page = admin.get("/admin/suppressions")
    return admin.post("/admin/suppressions", data={"csrf_token": token(page.text), "target": target, "reason": reason})


def test_a_suppression_is_lifted_from_the_admin_with_a_reason_and_stays_in_the_history(admin, data):
    """Issue 17 (5): a suppression made by mistake could not be removed; now each row in force has a Lift
    form (CSRF token, a reason), and a lifted one moves to the history with who, when and why."""
    assert _suppress(admin, "Cy Three").status_code == 303
    assert _suppress(admin, "https://wrong.example.org/p/").status_code == 303
    page = admin.get("/admin/suppressions")
    markup = _Markup()
    markup.feed(page.text)
    assert not markup.problems and set(markup.controls) <= markup.labels
    row = next(tr for tr in page.text.split("<tr") if "Cy Three" in tr)
    sid = int(re.search(r'action="/admin/suppressions/(\d+)/lift"', row).group(1))
    form = {f"l{sid}-csrf_token": token(page.text), f"l{sid}-reason": "wrong person"}
    assert admin.post(f"/admin/suppressions/{sid}/lift", data={f"l{sid}-reason": "no token"}).status_code == 400
    r = admin.post(f"/admin/suppressions/{sid}/lift", data={**form, f"l{sid}-reason": ""})
    assert r.status_code == 400 and "Give a reason" in r.text
    r = admin.post(f"/admin/suppressions/{sid}/lift", data=form)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/suppressions"
    after = admin.get("/admin/suppressions")
    assert "In force (1)" in after.text and "Lifted (1)" in after.text
    assert f'action="/admin/suppressions/{sid}/lift"' not in after.text
    lifted = after.text[after.text.index("Lifted (1)"):]
    assert "Cy Three" in lifted and "wrong person" in lifted and f"web:{USER}" in lifted
    assert "removal request by email" in lifted  # what it was, kept
    again = admin.post(f"/admin/suppressions/{sid}/lift", data=form, follow_redirects=True)
    assert "was already lifted" in again.text
    assert admin.post("/admin/suppressions/9999/lift", data=form).status_code == 404
    conn = sqlite3.connect(data / "kapdir.sqlite3")
    row = conn.execute("SELECT value, lifted_by, lift_reason, lifted_at IS NOT NULL FROM suppressions WHERE id=?",
                       (sid,)).fetchone()
    conn.close()
    assert row == ("Cy Three", f"web:{USER}", "wrong person", 1)
    assert [a for a in audit(data) if a[1].startswith("suppress")] == [
        (f"web:{USER}", "suppress", "name:cy three"), (f"web:{USER}", "suppress", "https://wrong.example.org/p/"),
        (f"web:{USER}", "suppress-lift", "name:cy three")]
    assert "suppress-lift" in admin.get("/admin/audit").text


def test_merge_from_the_review_queue_then_split(admin, data):
    jordans = ids(admin)["Jordan Lee"]
    assert len(jordans) == 2
    queue = admin.get("/admin/review")
    for rid in jordans:
        assert f'href="/admin/records/{rid}"' in queue.text
    item_id = int(re.search(r'action="/admin/review/(\d+)/merge"', queue.text).group(1))
    r = admin.post(f"/admin/review/{item_id}/merge", data={"csrf_token": token(queue.text)})
    assert r.status_code == 303
    merged = ids(admin)["Jordan Lee"]
    assert len(merged) == 1
    assert len(admin.get(f"/api/v1/practitioners/{merged[0]}").get_json()["sources"]) == 2
    assert "Nothing to review" in admin.get("/admin/review").text
    assert (f"web:{USER}", "merge", merged[0]) in audit(data)
    # and back again
    r = act(admin, merged[0], "split", reason="two different people after all")
    assert r.status_code == 303
    assert len(ids(admin)["Jordan Lee"]) == 2


def test_merge_by_id_and_close_a_review_item(admin, data):
    a, b = ids(admin)["Jordan Lee"]
    assert act(admin, a, "merge", others="no-such-record").status_code == 400
    assert act(admin, a, "merge", others=f"{b}, {a}", reason="same phone on their site").status_code == 303
    assert ids(admin)["Jordan Lee"] == [a]
    rid = ids(admin)["Bo Two"][0]
    report_page = admin.get(f"/practitioners/{rid}/report")
    admin.post(f"/practitioners/{rid}/report", data={"csrf_token": token(report_page.text),
                                                     "message": "Moved to Dallas"})
    queue = admin.get("/admin/review")
    assert "Moved to Dallas" in queue.text
    item_id = int(re.search(r'id="item-(\d+)"', queue.text).group(1))
    r = admin.post(f"/admin/review/{item_id}/close",
                   data={f"c{item_id}-csrf_token": token(queue.text), f"c{item_id}-resolution": "address fixed"})
    assert r.status_code == 303
    after = admin.get("/admin/review")
    assert "Nothing to review" in after.text and "address fixed" in after.text
    assert (f"web:{USER}", "review-close", str(item_id)) in audit(data)


def test_lookup_jobs_and_audit_pages(admin):
    rid = ids(admin)["Ada One"][0]
    found = admin.get("/admin/records?q=ada")
    assert found.status_code == 200 and f'href="/admin/records/{rid}"' in found.text
    assert admin.get(f"/admin/records?q={rid}").headers["Location"] == f"/admin/records/{rid}"
    assert "No record matches" in admin.get("/admin/records?q=zzzz").text
    page = admin.get(f"/admin/records/{rid}")
    assert page.status_code == 200 and "/p/ada/" in page.text and "dyn" in page.text
    assert admin.get("/admin/records/nope").status_code == 404
    jobs = admin.get("/admin/jobs")
    assert jobs.status_code == 200 and "status-ok" in jobs.text and "Errors by kind" in jobs.text
    assert "login" in admin.get("/admin/audit").text


# -- the public report form ---------------------------------------------------------------------------
def test_report_a_problem_goes_to_the_review_queue_and_is_rate_limited(client, data):
    rid = ids(client)["Ada One"][0]
    public = client.get(f"/practitioners/{rid}")
    assert f'href="/practitioners/{rid}/report"' in public.text and "Report a problem with this listing" in public.text
    assert client.get("/practitioners/nobody-here/report").status_code == 404
    page = client.get(f"/practitioners/{rid}/report")
    assert page.status_code == 200 and '<label for="message">' in page.text and '<label for="contact">' in page.text
    t = token(page.text)
    assert client.post(f"/practitioners/{rid}/report", data={"message": "no token"}).status_code == 400
    assert client.post(f"/practitioners/{rid}/report", data={"csrf_token": t, "message": "  "}).status_code == 400
    assert client.post(f"/practitioners/{rid}/report", data={"csrf_token": t, "message": "x" * 2001}).status_code == 400
    r = client.post(f"/practitioners/{rid}/report", data={
        "csrf_token": t, "message": "<script>alert(1)</script> phone is disconnected", "contact": "me@example.org"})
    assert r.status_code == 200 and "Thank you" in r.text
    items = [i for i in _review(data) if i[0] == "report"]
    assert len(items) == 1 and items[0][1].startswith(f"{rid}:") and "phone is disconnected" in items[0][2]
    # five posts an hour from one address, whatever became of them (three refused, one stored so far)
    assert client.post(f"/practitioners/{rid}/report", data={"csrf_token": t, "message": "more"}).status_code == 200
    r = client.post(f"/practitioners/{rid}/report", data={"csrf_token": t, "message": "and more"})
    assert r.status_code == 429 and "too many requests" in r.text
    assert "Retry-After" in r.headers
    assert client.get(f"/practitioners/{rid}/report").status_code == 200  # reading the form is not limited
    assert len([i for i in _review(data) if i[0] == "report"]) == 2
    # the limit is per client address; another visitor can still report
    other = client.post(f"/practitioners/{rid}/report", data={"csrf_token": t, "message": "hi"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    # and the maintainers see the visitor's text as text
    assert login(client).status_code == 303
    queue = client.get("/admin/review")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; phone is disconnected" in queue.text and "<script>" not in queue.text
    assert "me@example.org" in queue.text


def _review(data):
    conn = sqlite3.connect(data / "kapdir.sqlite3")
    try:
        return conn.execute("SELECT kind, subject, detail FROM review ORDER BY id").fetchall()
    finally:
        conn.close()


# -- cookies ------------------------------------------------------------------------------------------
def _session_cookie(resp) -> str:
    raw = [v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert raw, "no session cookie set"
    return raw[-1]


def test_session_cookie_flags(client):
    cookie = _session_cookie(login(client))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("config", [{"KAPDIR_HTTPS": "1"}, {"PREFERRED_URL_SCHEME": "https"}])
def test_session_cookie_is_secure_behind_https(data, config):
    client = make_app(data, **config).test_client()
    https = {"base_url": "https://localhost"}
    page = client.get("/admin/login", **https)
    assert page.headers["Referrer-Policy"] == "same-origin"  # so browsers send what Flask-WTF checks below
    form = {"csrf_token": token(page.text), "username": USER, "password": PASSWORD}
    assert client.post("/admin/login", data=form, **https).status_code == 400  # HTTPS: no Referer, no POST
    r = client.post("/admin/login", data=form, headers={"Referer": "https://localhost/admin/login"}, **https)
    assert r.status_code == 303
    cookie = _session_cookie(r)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- issue 17 notes: HSTS, 403, file modes -------------------------------------------------------------
def test_hsts_is_sent_with_kapdir_https_only(data):
    https = make_app(data, KAPDIR_HTTPS="1").test_client()
    for url in ("/", "/admin/login", "/api/v1/search", "/nowhere"):
        assert https.get(url, base_url="https://localhost").headers.get(
            "Strict-Transport-Security") == "max-age=31536000", url
    assert "Strict-Transport-Security" not in make_app(data).test_client().get("/").headers


def test_a_refused_admin_post_is_a_styled_403(client):
    """Issue 17 (note): 403 was Werkzeug's bare page; it now uses the site's error page like 404 and 429."""
    r = client.post("/admin/logout", data={"csrf_token": token(client.get("/admin/login").text)})
    assert r.status_code == 403
    assert "<h1>403: forbidden" in r.text and 'href="/static/style.css"' in r.text
    assert "You don't have the permission" not in r.text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    api = client.post("/api/v1/search")
    assert api.status_code == 405 and api.get_json() == {"error": "method not allowed"}


def test_the_store_and_its_backups_are_created_private(tmp_path):
    """Issue 17 (note): the store holds password hashes but was created 0644 (the secret key was 0600)."""
    import os
    import stat

    old = os.umask(0o022)  # what most systems run with
    try:
        data = tmp_path / "fresh"
        r = kapdir("admin", "create-user", USER, data_dir=data, stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        r = kapdir("backup", str(tmp_path / "bk"), data_dir=data)
        assert r.returncode == 0, r.stderr
    finally:
        os.umask(old)
    files = [p for p in data.iterdir() if p.name.startswith("kapdir.sqlite3")]
    files += [p for p in (tmp_path / "bk").iterdir() if p.name.startswith("kapdir.sqlite3")]
    assert (data / "kapdir.sqlite3") in files and (tmp_path / "bk" / "kapdir.sqlite3") in files
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, (f, oct(f.stat().st_mode))


# -- markup -------------------------------------------------------------------------------------------
class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" or "style" in a or any(k.startswith("on") for k in a):
            self.problems.append(f"<{tag} {a}>")  # the CSP would block it anyway
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")


def test_every_admin_and_report_page_labels_its_fields_and_has_no_inline_code(admin, app, data):
    rid = ids(admin)["Jordan Lee"][0]
    act(admin, rid, "set", field="phone", value="512-555-0199")
    item_id = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT id FROM review").fetchone()[0]
    urls = [url for rule, url in _admin_urls(app, rid, item_id) if "GET" in rule.methods]
    urls += [f"/practitioners/{rid}/report", "/admin/records?q=lee"]
    for url in urls:
        r = admin.get(url)
        assert r.status_code == 200, url
        assert 'name="viewport"' in r.text
        page = _Markup()
        page.feed(r.text)
        assert not page.problems, (url, page.problems)
        assert set(page.controls) <= page.labels, (url, set(page.controls) - page.labels)
    anon = app.test_client()
    page = _Markup()
    page.feed(anon.get("/admin/login").text)
    assert set(page.controls) == {"username", "password"} <= page.labels


def test_a_reopened_duplicate_pair_can_be_closed_again(admin, data):
    queue = admin.get("/admin/review")
    item_id = int(re.search(r'id="item-(\d+)"', queue.text).group(1))
    form = {f"c{item_id}-csrf_token": token(queue.text), f"c{item_id}-resolution": "different people"}
    assert admin.post(f"/admin/review/{item_id}/close", data=form).status_code == 303
    conn = sqlite3.connect(data / "kapdir.sqlite3")  # what a later crawl does when one listing changes
    conn.execute("INSERT INTO review(kind, subject, detail, status, created_at) SELECT kind, subject, detail,"
                 " 'open', created_at FROM review WHERE id=?", (item_id,))
    conn.commit()
    again = conn.execute("SELECT max(id) FROM review").fetchone()[0]
    conn.close()
    queue = admin.get("/admin/review")
    form = {f"c{again}-csrf_token": token(queue.text), f"c{again}-resolution": "still different"}
    r = admin.post(f"/admin/review/{again}/close", data=form, follow_redirects=True)
    assert r.status_code == 200 and "UNIQUE constraint failed" not in r.text
    closed = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT status FROM review WHERE id=?",
                                                              (again,)).fetchone()[0]
    assert closed == "closed"  # closed items are history; only one open item per pair
    assert len(ids(admin)["Jordan Lee"]) == 2


@pytest.mark.parametrize("target", ["https://[::1", "http://a:b:c", "https://", "http://exa mple.org/x"])
def test_a_malformed_url_suppression_is_a_400_with_a_message(admin, target):
    """Issue 17 (5): these used to answer 500 or be accepted as URLs."""
    page = admin.get("/admin/suppressions")
    r = admin.post("/admin/suppressions", data={"csrf_token": token(page.text), "target": target,
                                                "reason": "asked by email"})
    assert r.status_code == 400 and "is not a URL" in r.text


def test_trusted_hosts_refuse_a_forged_host(data):
    """Issue 17 (6): with KAPDIR_HOSTS set, a forged Host gets 400 and never reaches a redirect."""
    app = make_app(data, KAPDIR_HOSTS="kapdir.example.org, localhost")
    client = app.test_client()
    forged = client.get("/admin", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.headers.get("Location", "")
    ok = client.get("/admin", headers={"Host": "kapdir.example.org"})
    assert ok.status_code in (301, 302, 308) and "evil" not in ok.headers["Location"]
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    open_app = make_app(data).test_client()   # unset: any Host is answered, as before
    assert open_app.get("/", headers={"Host": "evil.example"}).status_code == 200


def test_query_strings_are_bounded(client):
    """Issue 17 (7): a huge or absurdly repeated query is refused at once (414 / 400), not searched; an
    ordinary one with several values is answered."""
    import time

    t = time.monotonic()
    huge = client.get("/api/v1/search?" + "&".join(["route=iv"] * 28000))
    assert huge.status_code == 414 and time.monotonic() - t < 2
    assert client.get("/search?" + "&".join(["route=iv"] * 28000)).status_code == 414
    repeated = client.get("/api/v1/search?" + "&".join(["route=iv"] * 51))
    assert repeated.status_code == 400 and "repeated more than 50 times" in repeated.get_json()["error"]
    assert client.get("/api/v1/search?" + "&".join(["route=iv"] * 50)).status_code == 200
    assert client.get("/api/v1/search?route=iv&route=im&setting=in_clinic&region=CO").status_code == 200
