"""The post-crawl index update (crawler/extensions.py: IndexUpdate), on real crawls of a tiny loopback site.

The extension runs after the store pipeline has recorded the job (crawler/signals.py: job_finished), so
what a crawl stores is searchable when the crawl ends; KAPDIR_UPDATE_INDEX=false leaves the index alone;
an update that fails leaves the job as the store pipeline judged it and tells the operator what to run.
Each test fails without the extension in EXTENSIONS.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from index.build import INDEX_NAME, update_index
from kapdir.store import Store
from tests.conftest import ROOT, export, kapdir
from tests.test_lifecycle import Directory

BIN = Path(sys.executable).parent
PEOPLE = {"Ada One", "Bo Two"}


def indexed_names(data: Path) -> set[str] | None:
    """The names of the records in the data dir's index; None when there is no index."""
    if not whoosh_index.exists_in(str(data / "index"), indexname=INDEX_NAME):
        return None
    ix = whoosh_index.open_dir(str(data / "index"), indexname=INDEX_NAME, readonly=True)
    with ix.searcher() as s:
        names = {json.loads(fields["record"])["name"] for fields in s.all_stored_fields()}
    ix.close()
    return names


def scrapy_crawl(data: Path, sources: Path, *settings: str) -> subprocess.CompletedProcess:
    """A crawl as Scrapyd or `scrapy crawl` runs it, with `-s` settings."""
    cmd = [str(BIN / "scrapy"), "crawl", "source", "-a", "name=dyn", "-a", f"sources_dir={sources}",
           "-a", f"data_dir={data}", "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        cmd += ["-s", setting]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def last_job(data: Path) -> dict:
    with Store(data / "kapdir.sqlite3") as store:
        return store.last_job("dyn")


@pytest.fixture
def site(tmp_path):
    d = Directory()
    d.add("ada", "Ada One", "(512) 555-0100")
    d.add("bo", "Bo Two", "(512) 555-0101", city="Dallas")
    yield d.source(tmp_path)
    d.site.stop()


def test_what_a_crawl_stores_is_searchable_when_it_ends(tmp_path, site):
    data = tmp_path / "data"
    r = kapdir("crawl", "dyn", data_dir=data, sources=site)
    assert r.returncode == 0 and r.stdout.startswith("dyn: ok"), r.stdout + r.stderr
    assert {rec["name"] for rec in export(data)} == PEOPLE
    assert indexed_names(data) == PEOPLE


def test_kapdir_update_index_off_leaves_the_index_to_kapdir_index(tmp_path, site):
    data = tmp_path / "data"
    r = scrapy_crawl(data, site, "KAPDIR_UPDATE_INDEX=false")
    assert r.returncode == 0, r.stderr[-3000:]
    assert last_job(data)["status"] == "ok" and {rec["name"] for rec in export(data)} == PEOPLE
    assert indexed_names(data) is None
    r = scrapy_crawl(data, site)  # on by default
    assert r.returncode == 0, r.stderr[-3000:]
    assert indexed_names(data) == PEOPLE


def test_a_failed_index_update_keeps_the_job_and_says_to_run_kapdir_index(tmp_path, site):
    """The index's write lock cannot be taken (a directory stands where its lock file goes, which no
    permission, root's included, gets past): the crawl still ends ok with its records stored."""
    data = tmp_path / "data"
    blocker = data / ".index.write-lock"
    blocker.mkdir(parents=True)
    r = kapdir("crawl", "dyn", data_dir=data, sources=site)
    assert r.returncode == 0 and r.stdout.startswith("dyn: ok"), r.stdout + r.stderr
    assert last_job(data)["status"] == "ok" and {rec["name"] for rec in export(data)} == PEOPLE
    (log,) = (data / "logs").glob("crawl-*.log")
    assert "ERROR: index update after crawl of dyn failed; run `kapdir index`" in log.read_text()
    assert indexed_names(data) is None
    blocker.rmdir()
    with Store(data / "kapdir.sqlite3") as store:  # what `kapdir index` does
        update_index(store, data / "index")
    assert indexed_names(data) == PEOPLE
