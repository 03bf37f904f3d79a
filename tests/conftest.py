"""Shared fixtures: real sample sites on loopback, real `kapdir` subprocesses, a real Flask app."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
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


def shared_dir(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory `build` fills once per test run, however many xdist workers ask for it.

    A session fixture runs once per worker, so a crawl or a seed behind one ran once per worker. The first
    worker to ask builds it in the run's common temp root under a file lock (pytest-xdist's own recipe);
    the others wait for it and get the same directory. It must not be changed: tests that change data take
    a copy (`copy_data_dir`). A build that raised leaves no mark, so the next worker tries again and fails
    the same way.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target, built = root / f"shared-{name}", root / f"shared-{name}.built"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            built.touch()
    return target


def copy_data_dir(src: Path, dst: Path) -> Path:
    """A test's own copy of a crawled or seeded data dir: a copy is far cheaper than the crawl. Links are
    copied as links, so the copy keeps the index layout (`index` -> `index-<generation>`) the product made."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


@dataclass
class Crawled:
    """A finished `kapdir crawl` of sample sites: its data dir (never changed: copy it), the sources dir it
    used and the sites still serving, and the completed process (exit code and summary)."""

    data: Path
    sources: Path
    sites: Sites
    run: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def real_dev_traced(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """The rules' reading (trace, verdict) of every page of the real development split, done once per test run
    (`shared_dir`) and loaded by every worker that asks: the learned layer's tests train on it and the corpus
    tests score it (1,759 pages, about 5 s of reading)."""
    import pickle

    from kapdir.reading.corpus import REAL_DIR, load
    from kapdir.reading.train import traced

    def build(target: Path) -> None:
        rows = load(REAL_DIR / "dev.jsonl")
        (target / "traced.pickle").write_bytes(pickle.dumps({r["text"]: traced(r) for r in rows}))

    return pickle.loads((shared_dir(tmp_path_factory, "real-dev-traced", build) / "traced.pickle").read_bytes())


@pytest.fixture(scope="session")
def lotus_crawl(tmp_path_factory, session_sites) -> Crawled:
    """One crawl of the lotus sample site per worker, for every test that starts from a crawled lotus.

    Per worker, not per run: the site stays up in this worker (`session_sites`), so a test can crawl it
    again, compare another crawl of the same pages (same port, same URLs) or ask what it was sent."""
    session_sites.start("lotus")
    data = tmp_path_factory.mktemp("lotus-crawl") / "data"
    run = kapdir("crawl", "lotus", data_dir=data, sources=session_sites.sources_dir)
    return Crawled(data, session_sites.sources_dir, session_sites, run)


@pytest.fixture(scope="session")
def web_data(tmp_path_factory):
    """The crawl of every sample site the web tests query: once per run (see tests/web_fixtures.py)."""
    from tests.web_fixtures import shared_web_data

    return shared_web_data(tmp_path_factory)


@pytest.fixture(scope="session")
def web_client(web_data):
    return web_data.client()


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
