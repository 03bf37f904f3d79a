"""Shared fixtures: real sample sites on loopback, real `kapdir` subprocesses, a real Flask app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapdir.samplesite import SampleSite, materialise_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "crawler" / "samples"
# Tests ask the site far faster than a person, all from one address: their apps and servers get a rate limit
# (KAPDIR_RATE_LIMIT) no test reaches, so the limiter still runs on every request but never answers 429.
# tests/test_rate_limits.py checks the real limits.
UNREACHED_RATE_LIMIT = "1000000 per minute;1000000 per hour"


def kapdir(*args: str, data_dir: Path, sources: Path | None = None, timeout: float = 180,
           stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (Scrapy's reactor cannot restart inside the test process)."""
    cmd = [sys.executable, "-m", "kapdir", "--data-dir", str(data_dir)]
    if sources is not None:
        cmd += ["--sources", str(sources)]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout, input=stdin,
                          env=full_env, cwd=ROOT)


def expected(site: str) -> dict:
    return json.loads((SAMPLES / site / "expected.json").read_text())


class Sites:
    """Start sample sites on demand and write their source files into one sources dir."""

    def __init__(self, sources_dir: Path):
        self.sources_dir = sources_dir
        self.running: dict[str, SampleSite] = {}

    def start(self, name: str, root: Path | None = None) -> SampleSite:
        if name not in self.running:
            root = root or SAMPLES / name
            site = SampleSite(root).start()
            self.running[name] = site
            template = root / "source.toml"
            if template.exists():
                materialise_source(template, site.base, self.sources_dir)
        return self.running[name]

    def stop(self) -> None:
        for s in self.running.values():
            s.stop()


@pytest.fixture
def sites(tmp_path):
    s = Sites(tmp_path / "sources")
    s.sources_dir.mkdir()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def session_sites(tmp_path_factory):
    s = Sites(tmp_path_factory.mktemp("sources"))
    yield s
    s.stop()


def export(data_dir: Path) -> list[dict]:
    r = kapdir("export", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def store_and_index(data_dir: Path, listings: list[dict]) -> Path:
    """Listings (record data as the pipelines write it) through the real store, records and index, as one
    finished job: for tests that need particular records without crawling a site for them."""
    from index.build import update_index
    from kapdir.records import assign_records, refresh_records
    from kapdir.store import Store

    with Store(data_dir / "kapdir.sqlite3") as store:
        job = store.start_job("t")
        lids = [store.upsert_listing(source="t", url=f"https://t.example.org/{i}", key="", data=data,
                                     status="published", job_id=job)[0] for i, data in enumerate(listings)]
        refresh_records(store, assign_records(store, lids))
        store.finish_job(job, "ok", {"pages": len(lids), "items": len(lids)})
        update_index(store, data_dir / "index", rebuild=True)
    return data_dir


def make_client(data_dir: Path):
    from webapp import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "INDEX_DIR": str(data_dir / "index"),
                      "KAPDIR_RATE_LIMIT": UNREACHED_RATE_LIMIT})
    return app.test_client()
