"""Crashes: `kill -9` mid-crawl or mid-rebuild leaves a store and an index that open; the next run repairs;
a corrupt index is rebuilt from the store; a backup taken while things run is consistent."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from bench.seed import seed
from tests.conftest import ROOT, copy_data_dir, export, kapdir, make_client, shared_dir
from tests.sitekit import DynamicSite, html

PAGES = 24  # the slow site's people: its crawl lasts 4 s or more, killed 1 s after its job starts


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """3,000 seeded records, made once per run (`shared_dir`) and copied here: the tests below interrupt
    rebuilds and take backups in this copy."""
    master = shared_dir(tmp_path_factory, "seed-3000-7", lambda d: seed(d / "data", 3000, 7, quiet=True))
    return copy_data_dir(master / "data", tmp_path_factory.mktemp("seeded") / "data")


def _popen(*args, data):
    return subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(data), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_during_index_rebuild(seeded):
    published = sqlite3.connect(seeded / "kapdir.sqlite3").execute(
        "SELECT count(*) FROM records WHERE published=1").fetchone()[0]
    live = (seeded / "index").resolve()
    p = _popen("index", "--rebuild", data=seeded)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once the new generation is being written beside the live one
        if any(d.is_dir() and d.resolve() != live for d in seeded.glob("index-*")):
            break
        time.sleep(0.005)
    time.sleep(0.2)
    assert p.poll() is None, "rebuild finished too fast to interrupt"
    p.send_signal(signal.SIGKILL)
    p.wait()
    # the index still opens and answers (the old generation), the store is intact
    assert make_client(seeded).get("/api/v1/search").get_json()["total"] == published
    assert sqlite3.connect(seeded / "kapdir.sqlite3").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    r = kapdir("index", data_dir=seeded)
    assert r.returncode == 0, r.stderr
    r = kapdir("index", "--rebuild", data_dir=seeded)
    assert r.returncode == 0, r.stderr
    assert make_client(seeded).get("/api/v1/search").get_json()["total"] == published


def test_corrupt_index_is_rebuilt_from_the_store(seeded, tmp_path):
    import shutil

    data = tmp_path / "d"
    shutil.copytree(seeded, data)
    for f in (data / "index").iterdir():
        if f.suffix in (".toc", ".seg") or f.name.endswith(".trm"):
            f.write_bytes(b"\x00garbage" * 10)
    r = kapdir("index", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "unreadable" in r.stderr and "rebuilding from the store" in r.stderr
    published = sqlite3.connect(data / "kapdir.sqlite3").execute(
        "SELECT count(*) FROM records WHERE published=1").fetchone()[0]
    assert make_client(data).get("/api/v1/search").get_json()["total"] == published


def test_backup_while_running(seeded, tmp_path):
    p = _popen("index", "--rebuild", data=seeded)
    try:
        r = kapdir("backup", str(tmp_path / "bk"), data_dir=seeded)
    finally:
        p.wait(timeout=300)
    assert r.returncode == 0, r.stderr
    assert "integrity ok" in r.stdout
    conn = sqlite3.connect(tmp_path / "bk" / "kapdir.sqlite3")
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] >= 3000
    # the backup is a working data dir
    assert kapdir("index", "--rebuild", data_dir=tmp_path / "bk").returncode == 0
    assert make_client(tmp_path / "bk").get("/api/v1/search").get_json()["total"] >= 3000
    again = kapdir("backup", str(tmp_path / "bk"), data_dir=seeded)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_kill_during_crawl_then_recover(tmp_path):
    def route(path, _h):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/list/":
            return 200, {}, html("".join(f'<a href="/p/{i}/">x</a>' for i in range(PAGES)))
        i = int(path.strip("/").split("/")[-1])
        time.sleep(0.15)
        data = {"@type": "Physician", "name": f"Person Number{i}", "telephone": f"(720) 555-01{i:02d}",
                "address": {"@type": "PostalAddress", "addressLocality": "Denver", "addressRegion": "CO"},
                "description": "IM ketamine injections are given in our office."}
        return 200, {}, html("", f'<script type="application/ld+json">{json.dumps(data)}</script>')

    with DynamicSite(route) as site:
        src = tmp_path / "src"
        src.mkdir()
        (src / "slow.toml").write_text(f'name = "slow"\nstart_urls = ["{site.base}/list/"]\n'
                                       'detail = ["/p/\\\\d+/$"]\ndownload_delay = 0.1\n')
        data = tmp_path / "d"
        first = kapdir("crawl", "slow", data_dir=data, sources=src)  # a good crawl exists
        assert first.returncode == 0
        p = subprocess.Popen([sys.executable, "-m", "kapdir", "--data-dir", str(data), "--sources", str(src),
                              "crawl", "slow"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it mid-crawl: after its job started, before it ends
            row = sqlite3.connect(data / "kapdir.sqlite3").execute(
                "SELECT count(*) FROM jobs WHERE status='running'").fetchone()
            if row[0]:
                break
            time.sleep(0.05)
        time.sleep(1.0)
        assert p.poll() is None, "the crawl ended before it could be killed"
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        conn = sqlite3.connect(data / "kapdir.sqlite3")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(export(data)) == PAGES  # nothing lost
        assert make_client(data).get("/api/v1/search").get_json()["total"] == PAGES
        again = kapdir("crawl", "slow", data_dir=data, sources=src)
        assert again.returncode == 0, again.stderr
        assert "cleared a stale lock" in again.stdout
    jobs = json.loads(kapdir("jobs", "--json", data_dir=data).stdout)
    assert [j["status"] for j in jobs] == ["ok", "failed", "ok"]
    assert jobs[1]["stats"].get("interrupted") is True
    assert len(export(data)) == PAGES
