"""Unattended operation: a real Scrapyd on loopback runs a deployed kapdir crawl, and `scrapy crawl` works
in the project folder; both leave the store and index up to date exactly like `kapdir crawl`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kapdir.records import name_key
from tests.conftest import ROOT, expected, export, make_client
from tests.test_demo import free_port

BIN = Path(sys.executable).parent


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _post(url: str, data: dict) -> dict:
    body = urllib.parse.urlencode(data).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as r:
        return json.loads(r.read())


def _start_scrapyd(home: Path, *, items: bool = False) -> tuple[subprocess.Popen, str]:
    """A real Scrapyd on loopback; with ``items``, it keeps each job's feed and serves it under /items/."""
    port = free_port()
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items' if items else ''}\ndbs_dir = {home / 'dbs'}\n"
        "max_proc = 2\npoll_interval = 0.5\n")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, f"http://127.0.0.1:{port}/"


def _wait_started(proc: subprocess.Popen, url: str) -> None:
    for _ in range(150):
        try:
            if _get(url + "daemonstatus.json")["status"] == "ok":
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("scrapyd did not start")


def _deploy(tmp_path: Path, url: str) -> None:
    """scrapyd-deploy from a copy of the project (it builds an egg in the folder it runs in)."""
    build = tmp_path / "build"
    if not build.exists():
        shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.egg-info", "build",
                                                                    "__pycache__", ".pytest_cache", ".hypothesis"))
    r = subprocess.run([str(BIN / "scrapyd-deploy"), "env", "-p", "kapdir"], cwd=build,
                       env={**os.environ, "KAPDIR_SCRAPYD_URL": url}, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and '"status": "ok"' in r.stdout, r.stdout + r.stderr


def _wait_finished(url: str, jobid: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if any(j["id"] == jobid for j in _get(url + "listjobs.json?project=kapdir")["finished"]):
            return
        time.sleep(0.5)
    pytest.fail("the Scrapyd job did not finish")


@pytest.fixture
def scrapyd(tmp_path):
    if not (BIN / "scrapyd").exists():
        pytest.skip("scrapyd is not installed in this environment")
    home = tmp_path / "scrapyd"
    proc, url = _start_scrapyd(home)
    _wait_started(proc, url)
    yield url, home
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def two_nodes(tmp_path):
    """Two Scrapyd instances standing for two crawl machines; neither holds the record store."""
    if not (BIN / "scrapyd").exists():
        pytest.skip("scrapyd is not installed in this environment")
    nodes = [_start_scrapyd(tmp_path / f"node-{n}", items=True) for n in "ab"]
    try:
        for proc, url in nodes:
            _wait_started(proc, url)
        yield [url for _, url in nodes]
    finally:
        for proc, _ in nodes:
            proc.terminate()
        for proc, _ in nodes:
            proc.wait(timeout=20)


def test_deploy_and_schedule_with_scrapyd(tmp_path, sites, scrapyd):
    url, home = scrapyd
    sites.start("riverbend")
    data = tmp_path / "data"
    _deploy(tmp_path, url)
    assert "source" in _get(url + "listspiders.json?project=kapdir")["spiders"]
    job = _post(url + "schedule.json", {"project": "kapdir", "spider": "source", "source": "riverbend",
                                         "sources_dir": str(sites.sources_dir), "data_dir": str(data)})
    assert job["status"] == "ok", job
    _wait_finished(url, job["jobid"])
    want = {name_key(p["name"]) for p in expected("riverbend")["practitioners"]}
    assert {name_key(r["name"]) for r in export(data)} == want
    result = make_client(data).get("/api/v1/search?per_page=100").get_json()  # the index was updated too
    assert {name_key(r["name"]) for r in result["results"]} == want
    jobs = json.loads(subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(data), "jobs", "--json"],
                                     capture_output=True, text=True, cwd=ROOT).stdout)
    assert jobs[0]["source"] == "riverbend" and jobs[0]["status"] == "ok"


def test_scrapy_crawl_in_the_project_folder(tmp_path, sites):
    sites.start("oakline")
    data = tmp_path / "data"
    r = subprocess.run([str(BIN / "scrapy"), "crawl", "source", "-a", "name=oakline",
                        "-a", f"sources_dir={sites.sources_dir}", "-a", f"data_dir={data}", "-s", "LOG_LEVEL=WARNING"],
                       cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    want = {name_key(p["name"]) for p in expected("oakline")["practitioners"]}
    assert {name_key(x["name"]) for x in export(data)} == want
    assert make_client(data).get("/api/v1/search").get_json()["total"] == len(want)


def test_crawls_on_two_machines_reach_one_store_through_their_feeds(tmp_path, sites, two_nodes):
    """The multi-machine path: each Scrapyd node crawls with KAPDIR_OUTPUT=feed and holds no store; the
    store's machine applies each node's feed from its HTTP items URL with `kapdir ingest`. The result is
    exactly what crawling both sites here gives, with one job per feed in the history."""
    store = tmp_path / "store"
    plan = {"riverbend": two_nodes[0], "oakline": two_nodes[1]}
    feeds = []
    for site, url in plan.items():
        sites.start(site)
        _deploy(tmp_path, url)
        job = _post(url + "schedule.json", {"project": "kapdir", "spider": "source", "source": site,
                                             "sources_dir": str(sites.sources_dir),
                                             "data_dir": str(tmp_path / f"scratch-{site}"),
                                             "setting": "KAPDIR_OUTPUT=feed"})
        assert job["status"] == "ok", job
        feeds.append((url, job["jobid"]))
    for url, jobid in feeds:
        _wait_finished(url, jobid)
    for site in plan:
        assert not list((tmp_path / f"scratch-{site}").rglob("*.sqlite3")), "a crawl node wrote a store"
    items_urls = [f"{url}items/kapdir/source/{jobid}.jl" for url, jobid in feeds]
    r = subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(store), "--sources", str(sites.sources_dir),
                        "ingest", *items_urls], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [line.split(":")[0] for line in r.stdout.splitlines()] == ["riverbend", "oakline"]
    want = {name_key(p["name"]) for site in plan for p in expected(site)["practitioners"]}
    assert {name_key(x["name"]) for x in export(store)} == want
    assert make_client(store).get("/api/v1/search?per_page=100").get_json()["total"] == len(want)
    jobs = json.loads(subprocess.run([sys.executable, "-m", "kapdir", "--data-dir", str(store), "jobs", "--json"],
                                     capture_output=True, text=True, cwd=ROOT).stdout)
    assert sorted((j["source"], j["status"], j["stats"]["feed"]) for j in jobs) == sorted(
        (site, "ok", u) for site, u in zip(plan, items_urls, strict=True))
