"""The walking skeleton end to end: a real crawl of sample sites on loopback → store → export → index → API.

Expected results come from each sample site's hand-written labels (`expected.json`), never from kapdir's
own output.
"""

from __future__ import annotations

import json

import pytest

from kapdir.places import normalise_city
from kapdir.records import name_key
from tests.conftest import copy_data_dir, expected, export, kapdir, make_client


@pytest.fixture(scope="module")
def lotus(tmp_path_factory, lotus_crawl):
    """The worker's lotus crawl (tests/conftest.py), copied: tests here recrawl, rebuild and break it."""
    data = copy_data_dir(lotus_crawl.data, tmp_path_factory.mktemp("lotus-data") / "data")
    return {"site": lotus_crawl.sites.running["lotus"], "data": data, "run": lotus_crawl.run,
            "records": export(data), "expected": expected("lotus")}


def by_name(records):
    return {name_key(r["name"]): r for r in records}


def test_crawl_summary_and_exit_code(lotus):
    r = lotus["run"]
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip().splitlines()[-1]
    assert line.startswith("lotus: ok — ")
    assert "items" in line and "published" in line and "Traceback" not in r.stderr


def test_exactly_the_expected_practitioners_are_published(lotus):
    got = by_name(lotus["records"])
    want = {name_key(p["name"]) for p in lotus["expected"]["practitioners"]}
    assert set(got) == want
    for bad in lotus["expected"]["must_not_publish"]:
        assert name_key(bad) not in got


def test_fields_match_the_labels(lotus):
    got = by_name(lotus["records"])
    for p in lotus["expected"]["practitioners"]:
        r = got[name_key(p["name"])]
        assert r["address"]["city"] == normalise_city(p["city"], p["region"]), p["name"]
        assert r["address"]["region"] == p["region"]
        assert r["phone"] == p["phone"]
        if p.get("postal_code"):
            assert r["address"]["postal_code"] == p["postal_code"]
        if p.get("website"):
            assert r["website"] == p["website"]
        for cred in filter(None, (p.get("credentials") or "").replace(" ", "").split(",")):
            assert cred in r["credentials"], (p["name"], cred)
        assert r["location"] and -180 < r["location"]["lon"] < 0
        assert r["sources"][0]["source"] == "lotus" and r["sources"][0]["url"].endswith(p["source"])


def test_routes_and_programmes_match_the_labels(lotus):
    got = by_name(lotus["records"])
    for p in lotus["expected"]["practitioners"]:
        r = got[name_key(p["name"])]
        assert sorted([x["route"], x["setting"]] for x in r["routes"]) == sorted(p["routes"]), p["name"]
        assert r["offers_at_home"] == p["offers_at_home"], p["name"]
        assert sorted(c["program"] for c in r["certifications"]) == sorted(p["programs"]), p["name"]
        assert sorted(s["region"] for s in r["serves"]) == p["serves"], p["name"]
        for fact in r["routes"] + r["certifications"] + r["serves"]:
            assert fact["evidence"] and fact["source"] == "lotus"


def test_robots_disallowed_pages_are_never_requested(lotus):
    requested = lotus["site"].requested()
    assert "/robots.txt" in requested
    for path in lotus["expected"]["never_fetched"]:
        assert path not in requested


def test_noindex_pages_are_fetched_but_not_stored(lotus):
    requested = lotus["site"].requested()
    names = {name_key(r["name"]) for r in lotus["records"]}
    for path in lotus["expected"]["noindex"]:
        assert path in requested
    assert name_key("Nolan Price") not in names


def test_record_shape_is_the_contract(lotus):
    r = lotus["records"][0]
    assert set(r) >= {"id", "name", "credentials", "address", "location", "phone", "website", "routes",
                      "offers_at_home", "certifications", "sources", "updated_at"}
    assert set(r["address"]) == {"street", "city", "region", "postal_code", "country"}
    assert set(r["sources"][0]) == {"source", "url", "first_seen", "last_seen"}
    assert not any(k.startswith("_") for k in r)


def _api(lotus, query: str) -> dict:
    client = make_client(lotus["data"])
    resp = client.get("/api/v1/search" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _names(result) -> set[str]:
    return {name_key(r["name"]) for r in result["results"]}


def _want(lotus, pred) -> set[str]:
    return {name_key(p["name"]) for p in lotus["expected"]["practitioners"] if pred(p)}


@pytest.mark.parametrize("query, pred", [
    ("?city=Santa%20Monica", lambda p: p["city"] == "Santa Monica"),
    ("?city=santa+monica", lambda p: p["city"] == "Santa Monica"),
    ("?city=Austin&region=TX", lambda p: p["city"] == "Austin"),
    ("?region=CO", lambda p: p["region"] == "CO"),
    ("?route=iv", lambda p: any(r == "iv" for r, _s in p["routes"])),
    ("?route=im&setting=in_clinic", lambda p: ["im", "in_clinic"] in p["routes"]),
    ("?route=oral&setting=at_home", lambda p: ["oral", "at_home"] in p["routes"]),
    ("?route=iv&route=im&setting=in_clinic", lambda p: ["iv", "in_clinic"] in p["routes"]
     or ["im", "in_clinic"] in p["routes"]),
    ("?setting=at_home", lambda p: any(s == "at_home" for _r, s in p["routes"])),
    ("?city=Denver&route=intranasal", lambda p: p["city"] == "Denver"
     and any(r == "intranasal" for r, _s in p["routes"])),
])
def test_api_queries_give_exact_result_sets(lotus, query, pred):
    result = _api(lotus, query + "&per_page=100")
    want = _want(lotus, pred)
    assert want, "the query should match something in the sample"
    assert _names(result) == want
    assert result["total"] == len(want)


def test_facets_count_the_whole_result_set(lotus):
    result = _api(lotus, "?per_page=1")
    assert result["total"] == len(lotus["expected"]["practitioners"])
    assert len(result["results"]) == 1
    iv = len(_want(lotus, lambda p: any(r == "iv" for r, _s in p["routes"])))
    assert result["facets"]["route"]["iv"] == iv
    sm = len(_want(lotus, lambda p: p["city"] == "Santa Monica"))
    assert result["facets"]["city"]["Santa Monica"] == sm
    assert set(result["facets"]) == {"route", "setting", "city", "certification", "serves"}


def test_pagination_is_stable_and_complete(lotus):
    seen = []
    for page in (1, 2, 3, 4):
        seen += [r["id"] for r in _api(lotus, f"?per_page=5&page={page}")["results"]]
    assert len(seen) == len(set(seen)) == len(lotus["expected"]["practitioners"])


def test_practitioner_endpoint_and_page(lotus):
    rec = lotus["records"][0]
    client = make_client(lotus["data"])
    r = client.get(f"/api/v1/practitioners/{rec['id']}")
    assert r.status_code == 200 and r.get_json()["id"] == rec["id"]
    page = client.get(f"/practitioners/{rec['id']}")
    assert page.status_code == 200
    assert rec["routes"][0]["evidence"].split()[0] in page.get_data(as_text=True)
    assert client.get("/api/v1/practitioners/nope").status_code == 404
    assert client.get("/api/v1/practitioners/nope").get_json() == {"error": "not found"}


@pytest.mark.parametrize("query", ["?route=teleport", "?setting=outside", "?page=0", "?per_page=101",
                                   "?per_page=x", "?radius_mi=-1&near=90401", "?near=Atlantis%20Qqq",
                                   "?certification=hogwarts", "?region=Narnia", "?sort=distance"])
def test_invalid_parameters_are_400_with_error(lotus, query):
    client = make_client(lotus["data"])
    r = client.get("/api/v1/search" + query)
    assert r.status_code == 400
    assert set(r.get_json()) == {"error"}
    assert client.get("/search" + query).status_code == 400


def test_html_search_page_shows_cards(lotus):
    client = make_client(lotus["data"])
    r = client.get("/search?city=Santa+Monica&route=iv&setting=in_clinic")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    want = _want(lotus, lambda p: p["city"] == "Santa Monica" and ["iv", "in_clinic"] in p["routes"])
    for rec in lotus["records"]:
        assert (rec["name"] in html) == (name_key(rec["name"]) in want)
    assert 'href="/api/v1/search?city=Santa+Monica&amp;route=iv&amp;setting=in_clinic"' in html
    assert "Content-Security-Policy" in r.headers


def test_recrawl_is_idempotent(lotus, lotus_crawl):
    before = {r["id"]: r for r in lotus["records"]}
    r = kapdir("crawl", "lotus", data_dir=lotus["data"], sources=lotus_crawl.sources)
    assert r.returncode == 0
    after = {r["id"]: r for r in export(lotus["data"])}
    assert set(after) == set(before)
    for rid, rec in after.items():
        assert rec["updated_at"] == before[rid]["updated_at"]  # nothing changed on the site
        assert rec["sources"][0]["first_seen"] == before[rid]["sources"][0]["first_seen"]


def test_index_rebuild_matches_incremental(lotus):
    client = make_client(lotus["data"])
    before = client.get("/api/v1/search?per_page=100").get_json()
    r = kapdir("index", "--rebuild", data_dir=lotus["data"])
    assert r.returncode == 0 and "rebuilt" in r.stdout
    after = make_client(lotus["data"]).get("/api/v1/search?per_page=100").get_json()
    assert [x["id"] for x in after["results"]] == [x["id"] for x in before["results"]]
    assert after["facets"] == before["facets"]


def test_export_csv(lotus):
    r = kapdir("export", "--format", "csv", data_dir=lotus["data"])
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("id,name,credentials")
    assert len(lines) == 1 + len(lotus["expected"]["practitioners"])


def test_unseen_jsonld_site_from_a_source_file_alone(tmp_path, sites):
    """harbor is never crawled by the demo and nothing was tuned on it."""
    sites.start("harbor")
    data = tmp_path / "data"
    r = kapdir("crawl", "harbor", data_dir=data, sources=sites.sources_dir)
    assert r.returncode == 0, r.stderr
    got = by_name(export(data))
    exp = expected("harbor")
    assert set(got) == {name_key(p["name"]) for p in exp["practitioners"]}
    for p in exp["practitioners"]:
        rec = got[name_key(p["name"])]
        assert rec["address"]["city"] == normalise_city(p["city"], p["region"])
        assert rec["phone"] == p["phone"]
        assert sorted([x["route"], x["setting"]] for x in rec["routes"]) == sorted(p["routes"]), p["name"]


def test_unreachable_site_fails_cleanly_and_keeps_data(lotus, tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "lotus.toml").write_text(
        'name = "lotus"\nstart_urls = ["http://127.0.0.1:9/directory/"]\ndetail = ["/provider/"]\n'
        "download_delay = 0\n")
    before = export(lotus["data"])
    r = kapdir("crawl", "lotus", data_dir=lotus["data"], sources=sources)
    assert r.returncode == 1
    assert r.stdout.strip().startswith("lotus: failed")
    assert "Traceback" not in r.stderr
    assert json.dumps(export(lotus["data"]), sort_keys=True) == json.dumps(before, sort_keys=True)


def test_etag_revalidation_follows_the_index_generation(lotus):
    client = make_client(lotus["data"])
    first = client.get("/api/v1/search?city=Austin")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = client.get("/api/v1/search?city=Austin", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/api/v1/search?city=Denver", headers={"If-None-Match": etag})
    assert other.status_code == 200  # the ETag is per URL
    assert kapdir("index", "--rebuild", data_dir=lotus["data"]).returncode == 0
    fresh = client.get("/api/v1/search?city=Austin", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag  # a new index, a new answer
