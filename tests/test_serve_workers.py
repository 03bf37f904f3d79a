"""`kapdir serve --workers N`: gunicorn processes that all answer, all follow index changes, and stop
cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.seed import seed
from index.build import update_index
from kapdir.store import Store
from tests.conftest import ROOT, UNREACHED_RATE_LIMIT, kapdir
from tests.test_demo import free_port


def children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(x) for x in (task / "children").read_text().split()}
    return out


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def test_workers_answer_follow_the_index_and_stop(tmp_path):
    data = tmp_path / "d"
    seed(data, 300, 2, quiet=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(data), "serve", "--port", str(port),
                               "--workers", "2", "--threads", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", "KAPDIR_RATE_LIMIT": UNREACHED_RATE_LIMIT})
    url = f"http://127.0.0.1:{port}/api/v1/search?per_page=1"
    try:
        for _ in range(150):
            try:
                first = get(url)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start: " + server.stderr.read1().decode())
        assert first["total"] == 300
        for _ in range(100):  # each worker binds its own socket: the second may still be booting
            if len(children(server.pid)) == 2:
                break
            time.sleep(0.1)
        assert len(children(server.pid)) == 2
        # A maintainer hides a record: every worker must see it without a restart.
        with Store(data / "kapdir.sqlite3") as store:
            rid = next(iter(store.records(published_only=True)))["id"]
        assert kapdir("curate", "hide", rid, "--reason", "test", data_dir=data).returncode == 0
        deadline = time.time() + 20
        seen = []
        while time.time() < deadline:
            seen = [get(url)["total"] for _ in range(12)]
            if set(seen) == {299}:
                break
            time.sleep(0.2)
        assert set(seen) == {299}, seen
        update_index(Store(data / "kapdir.sqlite3"), data / "index", rebuild=True)
        assert {get(url)["total"] for _ in range(12)} == {299}
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()


def test_bad_worker_count_is_refused(tmp_path):
    r = kapdir("serve", "--workers", "0", data_dir=tmp_path / "d")
    assert r.returncode == 2 and "--workers must be between 1 and 64" in r.stderr
