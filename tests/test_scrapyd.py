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


@pytest.fixture
def scrapyd(tmp_path):
    if not (BIN / "scrapyd").exists():
        pytest.skip("scrapyd is not installed in this environment")
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\nitems_dir =\ndbs_dir = {home / 'dbs'}\n"
        "max_proc = 2\npoll_interval = 0.5\n")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            if _get(url + "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("scrapyd did not start")
    yield url, home
    proc.terminate()
    proc.wait(timeout=20)


def test_deploy_and_schedule_with_scrapyd(tmp_path, sites, scrapyd):
    url, home = scrapyd
    sites.start("riverbend")
    data = tmp_path / "data"
    env = {**os.environ, "KAPDIR_SCRAPYD_URL": url}
    build = tmp_path / "build"
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.egg-info", "build",
                                                                "__pycache__", ".pytest_cache", ".hypothesis"))
    r = subprocess.run([str(BIN / "scrapyd-deploy"), "env", "-p", "kapdir"], cwd=build, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and '"status": "ok"' in r.stdout, r.stdout + r.stderr
    assert "source" in _get(url + "listspiders.json?project=kapdir")["spiders"]
    job = _post(url + "schedule.json", {"project": "kapdir", "spider": "source", "source": "riverbend",
                                         "sources_dir": str(sites.sources_dir), "data_dir": str(data)})
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        jobs = _get(url + "listjobs.json?project=kapdir")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the Scrapyd job did not finish")
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
