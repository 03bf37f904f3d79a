"""Records over time: freshness, suspect runs, locks, schedules, and maintainers' decisions surviving recrawls.

A programmable site on loopback changes between crawls (people leave, the site goes down, the listing
collapses) while real `kapdir crawl` subprocesses run against it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from kapdir.locks import SourceLock
from tests.conftest import ROOT, export, kapdir
from tests.sitekit import DynamicSite, html

TEXT = "IV ketamine infusions are given in our clinic with a nurse present."


class Directory:
    """A tiny directory site whose contents a test can change between crawls."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.down = False
        self.site = DynamicSite(self.route)

    def add(self, slug, name, phone, city="Austin", region="TX", text=TEXT):
        self.people[slug] = {"name": name, "phone": phone, "city": city, "region": region, "text": text}

    def route(self, path, _headers):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if self.down:
            return 503, {}, b"down for maintenance"
        if path == "/list/":
            return 200, {}, html("".join(f'<a href="/p/{s}/">{p["name"]}</a>' for s, p in self.people.items()))
        slug = path.strip("/").split("/")[-1]
        p = self.people.get(slug)
        if not p:
            return 404, {}, html("gone")
        data = {"@context": "https://schema.org", "@type": "Physician", "name": p["name"], "telephone": p["phone"],
                "address": {"@type": "PostalAddress", "addressLocality": p["city"], "addressRegion": p["region"]},
                "description": p["text"]}
        return 200, {}, html(f"<h1>{p['name']}</h1>", f'<script type="application/ld+json">{json.dumps(data)}</script>')

    def source(self, tmp_path, name="dyn", extra=""):
        d = tmp_path / "src"
        d.mkdir(exist_ok=True)
        (d / f"{name}.toml").write_text(
            f'name = "{name}"\nstart_urls = ["{self.site.base}/list/"]\ndetail = ["/p/[^/]+/$"]\n'
            "download_delay = 0\n" + ("" if "schedule" in extra else 'schedule = "1h"\n') + extra)
        return d


@pytest.fixture
def directory():
    d = Directory()
    yield d
    d.site.stop()


def names(data):
    return {r["name"] for r in export(data)}


def crawl(data, src, *names_):
    return kapdir("crawl", *(names_ or ("dyn",)), data_dir=data, sources=src)


def test_missing_listings_retire_after_n_good_crawls_and_come_back(tmp_path, directory):
    for i, n in enumerate(["Ada One", "Bo Two", "Cy Three", "Di Four"]):
        directory.add(n.split()[0].lower(), n, f"(512) 555-01{i:02d}")
    src, data = directory.source(tmp_path), tmp_path / "d"
    assert crawl(data, src).returncode == 0
    ids = {r["name"]: r["id"] for r in export(data)}
    del directory.people["cy"]
    assert crawl(data, src).returncode == 0
    assert "Cy Three" in names(data)  # one miss is not enough (retire_after = 2)
    assert crawl(data, src).returncode == 0
    assert "Cy Three" not in names(data)  # unpublished…
    row = sqlite3.connect(data / "kapdir.sqlite3").execute(
        "SELECT status, reason FROM listings WHERE data LIKE '%Cy Three%'").fetchone()
    assert row[0] == "retired" and "missing from 2" in row[1]  # …but not deleted
    jobs = json.loads(kapdir("jobs", "--json", data_dir=data).stdout)
    assert jobs[0]["stats"]["retired"] == 1
    directory.add("cy", "Cy Three", "(512) 555-0102")
    assert crawl(data, src).returncode == 0
    back = {r["name"]: r["id"] for r in export(data)}
    assert back["Cy Three"] == ids["Cy Three"]  # same record, same id


def test_failed_crawl_retires_nothing_and_exits_1(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "d"
    crawl(data, src)
    before = export(data)
    directory.down = True
    for _ in range(3):
        r = crawl(data, src)
        assert r.returncode == 1
        assert r.stdout.startswith("dyn: failed") and "http_5xx" in r.stdout
    assert export(data) == before


def test_collapsing_listing_is_suspect_and_retires_nothing(tmp_path, directory):
    for i in range(8):
        directory.add(f"p{i}", f"Person Number{i}", f"(512) 555-01{i:02d}")
    src, data = directory.source(tmp_path), tmp_path / "d"
    assert crawl(data, src).returncode == 0
    for i in range(2, 8):
        del directory.people[f"p{i}"]
    for _ in range(3):
        r = crawl(data, src)
        assert r.returncode == 1
        assert r.stdout.startswith("dyn: suspect")
        assert "suspect" in r.stderr and "2 listings against 8" in r.stderr
    assert len(export(data)) == 8


def test_curation_survives_recrawls_including_a_failed_one(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    directory.add("bo", "Bo Two", "(512) 555-0101")
    directory.add("cy", "Cy Three", "(512) 555-0102")
    src, data = directory.source(tmp_path), tmp_path / "d"
    crawl(data, src)
    ids = {r["name"]: r["id"] for r in export(data)}
    assert kapdir("curate", "hide", ids["Ada One"], "--reason", "retired from practice", data_dir=data).returncode == 0
    assert kapdir("curate", "set", ids["Bo Two"], "phone", "512-555-0199", data_dir=data).returncode == 0
    r = kapdir("suppress", "add", "Cy Three", "--reason", "removal request by email", data_dir=data)
    assert r.returncode == 0 and "1 listing(s) removed" in r.stdout

    def check():
        recs = {r["name"]: r for r in export(data)}
        assert "Ada One" not in recs and "Cy Three" not in recs
        assert recs["Bo Two"]["phone"] == "+15125550199"
        assert recs["Bo Two"]["curated_fields"] == ["phone"]
        dump = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT group_concat(data) FROM listings").fetchone()
        assert "Cy Three" not in (dump[0] or "")  # out of the store, not only off the site

    check()
    crawl(data, src)
    check()
    directory.down = True
    crawl(data, src)
    check()
    directory.down = False
    crawl(data, src)
    check()
    audit = sqlite3.connect(data / "kapdir.sqlite3").execute("SELECT action FROM audit ORDER BY id").fetchall()
    assert [a[0] for a in audit] == ["hide", "set", "suppress"]
    # and the site agrees
    from tests.conftest import make_client

    client = make_client(data)
    assert client.get(f"/practitioners/{ids['Ada One']}").status_code == 404
    assert client.get("/api/v1/search?q=Three").get_json()["total"] == 0


def test_a_suppression_can_be_listed_and_lifted_and_the_person_comes_back(tmp_path, directory):
    """Issue 17 (5): a suppression made by mistake could not be removed. `suppress lift` ends it, audited;
    the next crawl stores the person again; suppressing again works as the first time."""
    directory.add("ada", "Ada One", "(512) 555-0100")
    directory.add("cy", "Cy Three", "(512) 555-0102")
    src, data = directory.source(tmp_path), tmp_path / "d"
    assert crawl(data, src).returncode == 0
    r = kapdir("suppress", "add", "Cy Three", "--reason", "removal request by email", data_dir=data)
    assert r.returncode == 0 and "1 listing(s) removed" in r.stdout
    sid = json.loads(kapdir("suppress", "list", "--json", data_dir=data).stdout)[0]["id"]
    assert names(data) == {"Ada One"}
    r = kapdir("suppress", "lift", str(sid), data_dir=data)
    assert r.returncode == 2 and "--reason" in r.stderr  # a reason is required
    r = kapdir("suppress", "--actor", "cli:maria", "lift", str(sid), "--reason",
               "wrong person: the request was about another Cy", data_dir=data)
    assert r.returncode == 0 and r.stdout.strip() == (
        f"lifted suppression {sid} ('Cy Three'): the next crawl may store it again")
    r = kapdir("suppress", "lift", str(sid), "--reason", "again", data_dir=data)
    assert r.returncode == 2 and r.stderr.startswith(f"kapdir: error: suppression {sid} was already lifted by cli:maria")
    assert "Traceback" not in r.stderr
    r = kapdir("suppress", "lift", "999", "--reason", "x", data_dir=data)
    assert r.returncode == 2 and r.stderr.strip() == "kapdir: error: no suppression 999"
    assert kapdir("suppress", "list", data_dir=data).stdout.strip() == "no suppression in force"
    everything = json.loads(kapdir("suppress", "list", "--all", "--json", data_dir=data).stdout)
    assert [(s["id"], s["lifted_by"], s["lift_reason"]) for s in everything] == [
        (sid, "cli:maria", "wrong person: the request was about another Cy")]
    assert everything[0]["lifted_at"] and everything[0]["reason"] == "removal request by email"
    text = kapdir("suppress", "list", "--all", data_dir=data).stdout
    assert "lifted" in text and "cli:maria" in text and "wrong person" in text
    assert crawl(data, src).returncode == 0 and names(data) == {"Ada One", "Cy Three"}
    actions = [tuple(a) for a in sqlite3.connect(data / "kapdir.sqlite3").execute(
        "SELECT action, target FROM audit ORDER BY id")]
    assert actions == [("suppress", "name:cy three"), ("suppress-lift", "name:cy three")]
    # the same request made again is in force again at once, for crawls too
    r = kapdir("suppress", "add", "Cy Three", "--reason", "asked again, in writing", data_dir=data)
    assert r.returncode == 0 and "1 listing(s) removed" in r.stdout
    assert names(data) == {"Ada One"}
    again = json.loads(kapdir("suppress", "list", "--json", data_dir=data).stdout)
    assert [(s["id"], s["reason"], s["lifted_at"]) for s in again] == [(sid, "asked again, in writing", None)]


def test_same_name_same_city_different_phones_stay_two_and_go_to_review(tmp_path, directory):
    directory.add("a", "Jordan Lee", "(512) 555-0110")
    directory.add("b", "Jordan Lee", "(512) 555-0120", text="IM ketamine injections in our office.")
    src, data = directory.source(tmp_path), tmp_path / "d"
    crawl(data, src)
    recs = [r for r in export(data) if r["name"] == "Jordan Lee"]
    assert len(recs) == 2
    review = json.loads(kapdir("review", "--json", data_dir=data).stdout)
    assert len(review) == 1 and review[0]["kind"] == "possible_duplicate"
    # a maintainer decides they are one person after all; the decision holds through recrawls
    r = kapdir("curate", "merge", recs[0]["id"], recs[1]["id"], data_dir=data)
    assert r.returncode == 0
    crawl(data, src)
    merged = [r for r in export(data) if r["name"] == "Jordan Lee"]
    assert len(merged) == 1 and len(merged[0]["sources"]) == 2
    assert json.loads(kapdir("review", "--json", data_dir=data).stdout) == []
    # and split again: two records, never re-merged by later crawls
    assert kapdir("curate", "split", merged[0]["id"], data_dir=data).returncode == 0
    crawl(data, src)
    assert len([r for r in export(data) if r["name"] == "Jordan Lee"]) == 2


def test_curation_errors_are_one_line(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "d"
    crawl(data, src)
    rid = export(data)[0]["id"]
    for args, words in [(("curate", "hide", "nope", "--reason", "x"), "no record with id 'nope'"),
                        (("curate", "set", rid, "colour", "x"), "field 'colour' cannot be set"),
                        (("curate", "set", rid, "routes", "iv:sometimes"), "must be route:setting"),
                        (("curate", "set", rid, "certifications", "hogwarts"), "unknown programme"),
                        (("curate", "split", rid), "nothing to split")]:
        r = kapdir(*args, data_dir=data)
        assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_running_crawl_holds_the_lock(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "d"
    (data / "locks").mkdir(parents=True)
    with SourceLock(data / "locks", "dyn"):
        r = crawl(data, src)
        assert r.returncode == 75
        assert r.stderr.strip().startswith("kapdir: error: source 'dyn' is already being crawled (pid")
        assert len(r.stderr.strip().splitlines()) == 1
        due = kapdir("crawl", "--due", data_dir=data, sources=src)  # cron: skip it, don't fail
        assert due.returncode == 0 and "dyn: skipped" in due.stdout
    assert crawl(data, src).returncode == 0


def test_a_stale_lock_from_a_killed_process_is_cleared(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "d"
    (data / "locks").mkdir(parents=True)
    # a process takes the lock and is killed -9 while holding it
    code = ("import sys, os, time; from pathlib import Path; from kapdir.locks import SourceLock; "
            "SourceLock(Path(sys.argv[1]), 'dyn').acquire(); print('locked', flush=True); time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code, str(data / "locks")], stdout=subprocess.PIPE, text=True,
                         cwd=ROOT)
    assert p.stdout.readline().strip() == "locked"
    p.kill()
    p.wait()
    r = crawl(data, src)
    assert r.returncode == 0, r.stderr
    assert f"cleared a stale lock left by pid {p.pid}" in r.stdout


def test_due_runs_only_what_is_due(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src = directory.source(tmp_path)
    directory.source(tmp_path, "weekly", 'schedule = "0 3 * * 1"\n')
    directory.source(tmp_path, "off", "enabled = false\n")
    data = tmp_path / "d"
    first = kapdir("crawl", "--due", data_dir=data, sources=src)
    assert first.returncode == 0
    assert sorted(line.split(":")[0] for line in first.stdout.splitlines()) == ["dyn", "weekly"]
    again = kapdir("crawl", "--due", data_dir=data, sources=src)
    assert again.returncode == 0 and again.stdout.strip() == "nothing to crawl (no source is due)"
    # two hours later the hourly source is due again; the weekly one only after next Monday 03:00
    conn = sqlite3.connect(data / "kapdir.sqlite3")
    conn.execute("UPDATE jobs SET started_at='2026-01-01T00:00:00Z' WHERE source='dyn'")
    conn.commit()
    later = kapdir("crawl", "--due", data_dir=data, sources=src)
    assert [line.split(":")[0] for line in later.stdout.splitlines()] == ["dyn"]


def test_failed_crawl_is_not_a_success_for_due(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    directory.down = True
    src, data = directory.source(tmp_path), tmp_path / "d"
    assert kapdir("crawl", "--due", data_dir=data, sources=src).returncode == 1
    directory.down = False
    r = kapdir("crawl", "--due", data_dir=data, sources=src)
    assert r.stdout.startswith("dyn: ok")  # still due: the last crawl did not succeed


def test_jobs_command(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "d"
    crawl(data, src)
    r = kapdir("jobs", data_dir=data)
    assert r.returncode == 0 and "dyn: ok" in r.stdout
    jobs = json.loads(kapdir("jobs", "--json", "--source", "dyn", data_dir=data).stdout)
    assert jobs[0]["status"] == "ok"
    assert {"pages", "items", "new", "changed", "retired", "errors"} <= set(jobs[0]["stats"])
    assert jobs[0]["stats"]["new"] == 1


def test_environment_variables_select_dirs(tmp_path, directory):
    directory.add("ada", "Ada One", "(512) 555-0100")
    src, data = directory.source(tmp_path), tmp_path / "envdata"
    env = {**os.environ, "KAPDIR_DATA_DIR": str(data), "KAPDIR_SOURCES": str(src)}
    r = subprocess.run([sys.executable, "-m", "kapdir", "crawl", "dyn"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (data / "kapdir.sqlite3").exists()
