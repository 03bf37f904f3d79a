"""Crawls run on another machine reach the store as feeds: `scrapy crawl … -s KAPDIR_OUTPUT=feed -o F.jl`
(what a Scrapyd node with items_dir does) and `kapdir ingest F.jl` on the store's machine.

Every crawl is real (a sample site or a programmable site on loopback, Scrapy in a subprocess), and every
ingest is the real CLI. The two-Scrapyd case is in test_scrapyd.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kapdir.locks import SourceLock
from tests.conftest import ROOT, copy_data_dir, export, kapdir
from tests.test_index_extension import indexed_names
from tests.test_lifecycle import Directory

BIN = Path(sys.executable).parent


def feed_crawl(name: str, sources: Path, out: Path, scratch: Path) -> list[dict]:
    """A crawl node's run: no store, raw items and a trailer to ``out``."""
    r = subprocess.run([str(BIN / "scrapy"), "crawl", "source", "-a", f"name={name}", "-a", f"sources_dir={sources}",
                        "-a", f"data_dir={scratch}", "-s", "KAPDIR_OUTPUT=feed", "-O", f"{out}:jsonlines",
                        "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not list(scratch.rglob("*.sqlite3")), "a feed crawl wrote a record store"
    return [json.loads(line) for line in out.read_text().splitlines()]


def ingest(data: Path, sources: Path, *feeds) -> subprocess.CompletedProcess:
    return kapdir("ingest", *map(str, feeds), data_dir=data, sources=sources)


def _timeless(value):
    """A record without the times it was seen (the two crawls ran seconds apart)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if not k.endswith(("_seen", "_at"))}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _comparable(records: list[dict]) -> list[dict]:
    return sorted((_timeless(r) for r in records), key=lambda r: r["name"])


def jobs(data: Path) -> list[dict]:
    return json.loads(kapdir("jobs", "--json", data_dir=data).stdout)


def test_a_feed_gives_exactly_what_a_local_crawl_gives(tmp_path, lotus_crawl):
    """Same loader, pipelines and rules: lotus (structured data, a noindex page, a robots-disallowed page,
    an IV drip bar to reject) crawled here and crawled as a feed and ingested give identical records.

    The local crawl is the worker's lotus crawl (copied); the feed crawl asks the same running site."""
    assert lotus_crawl.run.returncode == 0
    local, remote = copy_data_dir(lotus_crawl.data, tmp_path / "local"), tmp_path / "remote"
    lines = feed_crawl("lotus", lotus_crawl.sources, tmp_path / "lotus.jl", tmp_path / "node")
    trailer = lines[-1]
    assert trailer["kapdir_feed"] == 1 and trailer["source"] == "lotus"
    assert trailer["items"] == len(lines) - 1 and trailer["stats"]["finish_reason"] == "finished"
    assert trailer["stats"]["noindex"] >= 1 and trailer["stats"]["robots_disallowed"] >= 1
    assert all("listing" not in line and "status" not in line for line in lines[:-1])  # raw, unclassified
    r = ingest(remote, lotus_crawl.sources, tmp_path / "lotus.jl")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("lotus: ok — ")
    assert _comparable(export(remote)) == _comparable(export(local))
    assert indexed_names(remote) == indexed_names(local) == {x["name"] for x in export(local)}  # both searchable
    (job,) = jobs(remote)
    (here,) = jobs(local)
    for k in ("pages", "items", "published", "rejected", "noindex", "robots_disallowed"):
        assert job["stats"][k] == here["stats"][k], k
    assert job["stats"]["feed"] == str(tmp_path / "lotus.jl") and len(job["stats"]["feed_sha256"]) == 64


def test_ingested_crawls_retire_the_departed_only_after_good_runs(tmp_path):
    """Two feeds after a person left retire them (retire_after = 2), exactly as two local crawls would; a
    feed cut short (no trailer: killed, or stopped at a cap) is judged not ok and retires nothing."""
    d = Directory()
    try:
        d.add("ada", "Ada One", "(512) 555-0100")
        d.add("bo", "Bo Two", "(512) 555-0101")
        d.add("cy", "Cy Three", "(512) 555-0102")
        d.add("di", "Di Four", "(512) 555-0103")
        src, data = d.source(tmp_path), tmp_path / "store"
        feed = [tmp_path / f"f{n}.jl" for n in range(4)]
        feed_crawl("dyn", src, feed[0], tmp_path / "node")
        assert ingest(data, src, feed[0]).returncode == 0
        del d.people["di"]
        for f in feed[1:3]:
            feed_crawl("dyn", src, f, tmp_path / "node")
        cut = tmp_path / "cut.jl"
        cut.write_text("".join(feed[1].read_text().splitlines(keepends=True)[:-1]))  # trailer lost
        r = ingest(data, src, cut)
        assert r.returncode == 0 and r.stdout.startswith("dyn: partial"), r.stdout + r.stderr
        assert "stopped: feed_without_trailer" in r.stdout
        assert jobs(data)[0]["stats"]["finish_reason"] == "feed_without_trailer"
        assert {x["name"] for x in export(data)} == {"Ada One", "Bo Two", "Cy Three", "Di Four"}
        assert ingest(data, src, feed[2]).returncode == 0   # one good run without Di: a miss, not yet retired
        assert "Di Four" in {x["name"] for x in export(data)}
        feed_crawl("dyn", src, feed[3], tmp_path / "node")
        assert ingest(data, src, feed[3]).returncode == 0   # two in a row: retired
        assert {x["name"] for x in export(data)} == {"Ada One", "Bo Two", "Cy Three"}
    finally:
        d.site.stop()


def test_a_feed_is_applied_once_and_never_rolls_a_source_back(tmp_path):
    d = Directory()
    try:
        d.add("ada", "Ada One", "(512) 555-0100")
        src, data = d.source(tmp_path), tmp_path / "store"
        old, new = tmp_path / "old.jl", tmp_path / "new.jl"
        feed_crawl("dyn", src, old, tmp_path / "node")
        d.people["ada"]["phone"] = "(512) 555-0199"
        feed_crawl("dyn", src, new, tmp_path / "node")
        assert ingest(data, src, new).returncode == 0
        again = ingest(data, src, new)
        assert again.returncode == 2 and "already applied as job 1" in again.stderr
        stale = ingest(data, src, old)
        assert stale.returncode == 2 and "would roll the source back" in stale.stderr
        assert [x["phone"] for x in export(data)] == ["+15125550199"]
        assert len(jobs(data)) == 1
    finally:
        d.site.stop()


def test_removal_requests_and_locks_hold_for_ingest_too(tmp_path):
    d = Directory()
    try:
        d.add("ada", "Ada One", "(512) 555-0100")
        d.add("bo", "Bo Two", "(512) 555-0101")
        src, data = d.source(tmp_path), tmp_path / "store"
        feed = tmp_path / "f.jl"
        feed_crawl("dyn", src, feed, tmp_path / "node")
        assert kapdir("suppress", "add", "Bo Two", "--reason", "asked by email", data_dir=data, sources=src).returncode == 0
        (data / "locks").mkdir(parents=True, exist_ok=True)
        with SourceLock(data / "locks", "dyn"):
            locked = ingest(data, src, feed)
            assert locked.returncode == 75 and "already being crawled" in locked.stderr
        r = ingest(data, src, feed)
        assert r.returncode == 0, r.stderr
        assert {x["name"] for x in export(data)} == {"Ada One"}
        assert jobs(data)[0]["stats"]["suppressed"] == 1
    finally:
        d.site.stop()


GOOD = {"source": "dyn", "url": "https://a.example/p/ada/", "key": "", "name": "Ada One",
        "text": "IV ketamine infusions in our clinic."}
TRAILER = {"kapdir_feed": 1, "source": "dyn", "items": 1, "started_at": "2026-01-01T00:00:00Z",
           "finished_at": "2026-01-01T00:01:00Z", "stats": {"pages": 1, "errors": {}, "finish_reason": "finished"},
           "fetched_lastmod": {}}


BROKEN = [
    (["{not json", TRAILER], "line 1: not JSON"),
    ([GOOD, {**GOOD, "listing": {}}, TRAILER], "line 2: unknown key 'listing'"),
    ([GOOD, {**GOOD, "name": ["Ada"]}, TRAILER], "line 2: key 'name' must be a string or a number"),
    ([{**GOOD, "url": "javascript:alert(1)"}, TRAILER], "line 1: key 'url' must be an http(s) URL"),
    ([{k: v for k, v in GOOD.items() if k != "url"}], "line 1: key 'url' is missing"),
    ([GOOD, {**GOOD, "source": "other"}], "line 2: key 'source' is 'other', but the feed began with 'dyn'"),
    ([GOOD, TRAILER, GOOD], "line 3: data after the feed's trailer"),
    ([GOOD, {**TRAILER, "kapdir_feed": 9}], "line 2: key 'kapdir_feed' is 9"),
    ([GOOD, {**TRAILER, "stats": {"pages": -1}}], "line 2: trailer key 'stats.pages' must be a count"),
    ([GOOD, {**TRAILER, "started_at": "yesterday"}], "line 2: trailer key 'started_at' must be an ISO time"),
    ([{**GOOD, "source": "nosuch"}], "unknown source 'nosuch'"),
    ([], "the feed is empty"),
]


def test_a_broken_feed_names_its_line_and_key_and_changes_nothing(tmp_path, capsys):
    """Checked whole before anything is written: the store keeps its record and its one job."""
    from kapdir.cli import main

    src = tmp_path / "src"
    src.mkdir()
    (src / "dyn.toml").write_text('name = "dyn"\nstart_urls = ["https://a.example/list/"]\n')
    data = tmp_path / "store"
    first = tmp_path / "first.jl"
    first.write_text(json.dumps({**GOOD, "name": "Bea Keep"}) + "\n" + json.dumps(TRAILER) + "\n")
    assert main(["--data-dir", str(data), "--sources", str(src), "ingest", str(first)]) == 0
    before = export(data)
    assert [r["name"] for r in before] == ["Bea Keep"]
    for n, (lines, message) in enumerate(BROKEN):
        feed = tmp_path / f"broken{n}.jl"
        feed.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
        capsys.readouterr()
        code = main(["--data-dir", str(data), "--sources", str(src), "ingest", str(feed)])
        err = capsys.readouterr().err
        assert code == 2, message
        assert message in err and len(err.strip().splitlines()) == 1, err
    assert export(data) == before and len(jobs(data)) == 1


def test_feeds_come_from_files_urls_or_stdin_and_unreachable_ones_fail_cleanly(tmp_path, sites):
    src = tmp_path / "src"
    src.mkdir()
    (src / "dyn.toml").write_text('name = "dyn"\nstart_urls = ["https://a.example/list/"]\n')
    body = json.dumps(GOOD) + "\n" + json.dumps(TRAILER) + "\n"
    r = kapdir("ingest", "-", data_dir=tmp_path / "a", sources=src, stdin=body)
    assert r.returncode == 0 and r.stdout.startswith("dyn: ok — 1 pages, 1 items (1 published"), r.stdout + r.stderr
    missing = ingest(tmp_path / "b", src, tmp_path / "nope.jl")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    down = ingest(tmp_path / "b", src, "http://127.0.0.1:9/items/x.jl")
    assert down.returncode == 2 and "cannot fetch feed http://127.0.0.1:9/items/x.jl" in down.stderr
    secret = ingest(tmp_path / "b", src, "http://ops:hunter2@127.0.0.1:9/items/x.jl")
    assert "hunter2" not in secret.stderr and "ops:***@127.0.0.1:9" in secret.stderr
