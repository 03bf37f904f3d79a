"""The JSON API's description, the CSV export, the pages' content and the security headers of every page
type, over the real crawled sample sites."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from index.search import KNOWN_PARAMS
from kapdir.export import EXPORT_COLUMNS, flatten, safe_cell, write_csv
from kapdir.records import name_key

# --- OpenAPI -------------------------------------------------------------------------------------------

def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _check(doc: dict, schema: dict, value, where: str = "$") -> list[str]:
    """A small JSON Schema check (type, enum, required, properties, items, additionalProperties) — enough to
    hold real responses to the document without a validator dependency."""
    schema = _resolve(doc, schema)
    errors: list[str] = []
    types = schema.get("type")
    if types:
        pytypes = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
                   "boolean": bool, "null": type(None)}
        allowed = [types] if isinstance(types, str) else types
        if not any(isinstance(value, pytypes[t]) and not (t in ("integer", "number") and isinstance(value, bool))
                   for t in allowed):
            return [f"{where}: {type(value).__name__} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in enum")
    if isinstance(value, dict):
        errors += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k, v in value.items():
            if k in props:
                errors += _check(doc, props[k], v, f"{where}.{k}")
            elif extra is False:
                errors.append(f"{where}: unexpected {k}")
            elif isinstance(extra, dict):
                errors += _check(doc, extra, v, f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += _check(doc, schema["items"], v, f"{where}[{i}]")
    return errors


@pytest.fixture(scope="module")
def openapi(web_client):
    r = web_client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def test_openapi_describes_both_endpoints_and_every_parameter(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert {"title", "version"} <= set(openapi["info"])
    want = KNOWN_PARAMS - {"format"}
    for path in ("/api/v1/search", "/api/v1/search.csv"):
        op = openapi["paths"][path]["get"]
        names = {p["name"] for p in op["parameters"]}
        assert names == want, path
        assert all(p["in"] == "query" and "schema" in p and p["description"] for p in op["parameters"])
        assert "400" in op["responses"] and "200" in op["responses"]
    assert "/api/v1/practitioners/{id}" in openapi["paths"]
    for name in ("Record", "SearchResult", "Error", "RouteFact", "CertificationFact", "Source"):
        assert name in openapi["components"]["schemas"]


def test_openapi_enums_are_the_vocabulary(openapi):
    from kapdir.reading import PROGRAMMES

    params = {p["name"]: p["schema"] for p in openapi["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params["route"]["items"]["enum"] == ["iv", "im", "intranasal", "oral", "subcutaneous"]
    assert params["setting"]["enum"] == ["in_clinic", "at_home", "unspecified"]
    assert set(params["certification"]["items"]["enum"]) == set(PROGRAMMES)
    assert params["per_page"]["maximum"] == 100


@pytest.mark.parametrize("query", ["per_page=100", "near=90401&route=im", "city=Seatle", "q=Spravato&per_page=3"])
def test_real_responses_match_the_document(openapi, web_client, query):
    body = web_client.get(f"/api/v1/search?{query}").get_json()
    assert _check(openapi, {"$ref": "#/components/schemas/SearchResult"}, body) == []
    rid = web_client.get("/api/v1/search?per_page=1").get_json()["results"][0]["id"]
    one = web_client.get(f"/api/v1/practitioners/{rid}").get_json()
    assert _check(openapi, {"$ref": "#/components/schemas/Record"}, one) == []
    err = web_client.get("/api/v1/search?route=nope").get_json()
    assert _check(openapi, {"$ref": "#/components/schemas/Error"}, err) == []


def test_the_schema_check_can_fail(openapi):
    bad = {"total": "2", "page": 1, "per_page": 20, "results": [{"id": 1}], "facets": {}}
    assert len(_check(openapi, {"$ref": "#/components/schemas/SearchResult"}, bad)) >= 3


# --- CSV ---------------------------------------------------------------------------------------------

def _csv(client, query: str) -> list[dict]:
    r = client.get(f"/api/v1/search.csv?{query}")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == EXPORT_COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_has_every_match_not_one_page(web_data, web_client):
    rows = _csv(web_client, "per_page=5&page=2")
    assert len(rows) == len(web_data.people) > 20
    assert {name_key(r["name"]) for r in rows} == set(web_data.people)


@pytest.mark.parametrize("query", ["near=90401&route=im&setting=in_clinic", "region=CA", "q=Spravato",
                                   "certification=polaris&sort=name", "near=Denver&radius_mi=50"])
def test_csv_is_the_same_result_set_in_the_same_order(web_client, query):
    api = web_client.get(f"/api/v1/search?{query}&per_page=100").get_json()
    rows = _csv(web_client, query)
    assert [r["id"] for r in rows] == [r["id"] for r in api["results"]]
    for row, rec in zip(rows, api["results"], strict=True):
        assert row["routes"] == ";".join(f"{x['route']}:{x['setting']}" for x in rec["routes"])
        assert row["city"] == rec["address"]["city"]


def test_csv_export_is_capped(web_data, web_client):
    from index.search import export_csv, parse_params
    from webapp import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(web_data.data_dir / "index")})
    with app.app_context():
        from webapp import searcher

        out = io.StringIO()
        assert export_csv(searcher(), parse_params({}), out, cap=7) == 7
        assert len(out.getvalue().splitlines()) == 8


@pytest.mark.parametrize("query", ["", "near=90401&route=im&setting=in_clinic", "q=Spravato", "certification=polaris"
                                   "&sort=name", "near=Denver&radius_mi=50&sort=name", "city=Nowhere"])
def test_the_exports_stored_rows_are_the_records_own(web_data, query):
    """The rows the index keeps per record (kapdir.export.csv_line at indexing) give byte for byte what
    flattening the records a search returns gives."""
    from werkzeug.datastructures import MultiDict

    from index.reader import IndexReader
    from index.search import MAX_EXPORT, export_csv, parse_params, search

    s = IndexReader(web_data.data_dir / "index").searcher()
    assert s.reader().has_column("csv")  # the stored rows are read, not rebuilt from the records
    pairs = [tuple(kv.split("=")) for kv in query.split("&") if kv]
    fast, slow = io.StringIO(), io.StringIO()
    n = export_csv(s, parse_params(MultiDict(pairs)), fast)
    result = search(s, parse_params(MultiDict([*pairs, ("per_page", "100")])))
    assert result["total"] <= 100 < MAX_EXPORT and n == result["total"]
    write_csv([{k: v for k, v in r.items() if k != "distance_mi"} for r in result["results"]], slow)
    assert fast.getvalue() == slow.getvalue()


def test_results_page_links_csv_and_json_twins(web_client):
    html = web_client.get("/search?near=90401&route=im&setting=in_clinic&page=1").get_data(as_text=True)
    assert re.search(r'<a href="/api/v1/search\.csv\?near=90401&amp;radius_mi=25&amp;route=im&amp;'
                     r'setting=in_clinic" download>Download CSV</a>', html)
    twin = re.search(r'<a href="(/api/v1/search\?[^"]*)">This search as JSON</a>', html)
    assert twin and dict(parse_qsl(urlsplit(twin[1].replace("&amp;", "&")).query)) == {
        "near": "90401", "radius_mi": "25", "route": "im", "setting": "in_clinic"}


def test_csv_cells_cannot_become_formulas():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3+cmd|' /C calc'!A0") .startswith("'")
    assert safe_cell("+13105550142") == "+13105550142"
    assert safe_cell("-118.49") == "-118.49"
    assert safe_cell("Elena Marsh") == "Elena Marsh"
    rec = {"id": "x", "name": "=1+1", "credentials": ["MD"], "address": {"city": "@Denver"},
           "routes": [{"route": "iv", "setting": "in_clinic"}], "certifications": [], "sources": []}
    out = io.StringIO()
    assert write_csv([rec], out) == 1
    row = list(csv.DictReader(io.StringIO(out.getvalue())))[0]
    assert row["name"] == "'=1+1" and row["city"] == "'@Denver" and row["routes"] == "iv:in_clinic"
    assert flatten(rec)["name"] == "=1+1"


# --- pages ---------------------------------------------------------------------------------------------

def test_home_has_the_form_with_its_labels(web_client):
    html = web_client.get("/").get_data(as_text=True)
    for label in ("City", "Near"):
        m = re.search(rf'<label for="([^"]+)">{label}</label>', html)
        assert m and f'id="{m[1]}"' in html, label
    for label in ("IV", "IM", "Intranasal", "Oral", "In clinic", "At home"):
        assert re.search(rf'<label class="check"><input type="(checkbox|radio)"[^>]*> {label}</label>', html), label
    assert '<button type="submit">Search</button>' in html
    assert '<form class="search" action="/search" method="get"' in html


def test_cards_show_the_facts(web_data, web_client):
    html = web_client.get("/search?near=90401&route=im&setting=in_clinic").get_data(as_text=True)
    card = re.search(r'<article class="card".*?</article>', html, re.S)[0]
    assert "Sunstone Ketamine Clinic" in card and "Los Angeles, CA" in card and "mi away" in card
    assert '<span class="tag clinic">In clinic</span>' in card and "IM injection" in card
    assert "Training:" in card and re.search(r"Last verified \d{4}-\d\d-\d\d", card)


def test_at_home_only_providers_are_labelled(web_data, web_client):
    home_only = {k for k, p in web_data.people.items()
                 if any(s == "at_home" for _r, s in p.routes) and not any(s == "in_clinic" for _r, s in p.routes)}
    assert home_only
    html = web_client.get("/search?per_page=100").get_data(as_text=True)
    for card in re.findall(r'<article class="card".*?</article>', html, re.S):
        name = re.search(r'<h3><a href="[^"]+">([^<]+)</a>', card)[1]
        labelled = "At-home only" in card
        assert labelled == (name_key(name.replace("&amp;", "&")) in home_only), name


def test_practitioner_page_shows_every_fact_with_evidence_and_source(web_client):
    records = web_client.get("/api/v1/search?per_page=100").get_json()["results"]
    checked = 0
    for rec in records:
        html = web_client.get(f"/practitioners/{rec['id']}").get_data(as_text=True)
        from markupsafe import escape

        for fact in rec["routes"] + rec["certifications"]:
            assert f"“{escape(fact['evidence'])}”" in html, (rec["name"], fact)
            checked += 1
        for s in rec["sources"]:
            assert f'<a href="{escape(s["url"])}" rel="nofollow noopener noreferrer">{escape(s["source"])}</a>' in html
        assert f'href="/api/v1/practitioners/{rec["id"]}"' in html
    assert checked > 50


def test_about_routes_page(web_client):
    r = web_client.get("/about/routes")
    assert r.status_code == 200
    text = re.sub(r"<[^>]+>", " ", r.get_data(as_text=True))
    for phrase in ("IV", "IM", "Intranasal", "Oral", "In clinic", "At home", "training", "substance use",
                   "not medical advice", "988"):
        assert phrase.lower() in text.lower(), phrase


def test_unknown_practitioner_is_404_in_both(web_client):
    assert web_client.get("/practitioners/nope").status_code == 404
    r = web_client.get("/api/v1/practitioners/nope")
    assert r.status_code == 404 and r.get_json() == {"error": "not found"}


# --- headers ---------------------------------------------------------------------------------------------

def _page_urls(client) -> list[str]:
    rid = client.get("/api/v1/search?per_page=1").get_json()["results"][0]["id"]
    return ["/", "/search", "/search?near=90401&route=im", "/search?route=bad", f"/practitioners/{rid}",
            "/practitioners/nope", "/about/routes", "/static/style.css", "/api/v1/search",
            "/api/v1/search?route=bad", "/api/v1/search.csv", f"/api/v1/practitioners/{rid}",
            "/api/v1/practitioners/nope", "/api/v1/openapi.json", "/nowhere"]


def test_security_headers_on_every_page_type(web_client):
    for url in _page_urls(web_client):
        r = web_client.get(url)
        csp = r.headers.get("Content-Security-Policy", "")
        directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
        assert directives.get("default-src") == "'none'", url
        assert directives.get("frame-ancestors") == "'none'", url
        assert "script-src" not in directives, url  # no scripts at all: default-src 'none' covers them
        assert directives.get("style-src") == "'self'" and directives.get("base-uri") == "'none'", url
        assert r.headers.get("X-Content-Type-Options") == "nosniff", url
        assert r.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), url  # never cross-origin
        assert r.headers.get("X-Frame-Options") == "DENY", url


def test_referrer_policy_is_what_security_md_says(web_client):
    """Issue 17 (note): SECURITY.md promised no-referrer while every page sent same-origin. Public pages and
    the API send no-referrer; only pages holding a POST form (admin, report) send same-origin, which Flask-WTF's
    HTTPS Referer check needs and which still tells no other site anything."""
    from tests.conftest import ROOT

    security = (ROOT / "SECURITY.md").read_text()
    assert "`Referrer-Policy: no-referrer`" in security and "`same-origin`" in security
    for url in _page_urls(web_client):
        assert web_client.get(url).headers.get("Referrer-Policy") == "no-referrer", url
    rid = web_client.get("/api/v1/search?per_page=1").get_json()["results"][0]["id"]
    for url in ("/admin/login", f"/practitioners/{rid}/report"):
        assert web_client.get(url).headers.get("Referrer-Policy") == "same-origin", url


def test_api_errors_name_the_parameter_and_echo_at_most_40_characters(web_client):
    """Issue 17 (note): a 400 names the parameter; of the value sent it repeats at most 40 characters, and
    no control character."""
    cases = [("near", "Zq" * 45), ("region", "Zq" * 25), ("route", "Zq" * 60), ("setting", "zq" * 60),
             ("certification", "zq" * 60), ("sort", "zq" * 9), ("route", "iv," + "zq\x01" * 40), ("page", "zq" * 6),
             ("setting", "zq\x7f" * 30)]
    for param, value in cases:
        for path in ("/api/v1/search", "/api/v1/search.csv"):
            r = web_client.get(path, query_string={param: value})
            assert r.status_code == 400, (path, param)
            message = r.get_json()["error"]
            assert f"'{param}'" in message, message
            assert not re.search(r"(zq|qz){21}", message, re.I), message  # 42 characters of the value: too many
            assert not any(ord(c) < 32 or ord(c) == 127 for c in message), message


def test_openapi_lists_the_414_and_the_repeat_limit(openapi, web_client):
    """Issue 17 (7): the query-string limits answer 414 and 400; the document says so."""
    for path in ("/api/v1/search", "/api/v1/search.csv"):
        responses = openapi["paths"][path]["get"]["responses"]
        assert "414" in responses, path
        assert "8 KB" in responses["414"]["description"] or "8192" in responses["414"]["description"]
        assert "50 times" in responses["400"]["description"]
        r = web_client.get(path + "?" + "&".join(["q=ketamine"] * 1000))
        assert r.status_code == 414
        assert _check(openapi, responses["414"]["content"]["application/json"]["schema"], r.get_json()) == []


def test_pages_use_no_other_origin_and_no_script(web_client):
    for url in _page_urls(web_client):
        r = web_client.get(url)
        if r.mimetype != "text/html":
            continue
        html = r.get_data(as_text=True)
        assert "<script" not in html.lower(), url
        for attr in re.findall(r'<(?:link|img|source|iframe)[^>]*\s(?:href|src)="([^"]*)"', html):
            assert attr.startswith("/") or attr.startswith("data:"), (url, attr)
        assert "style=" not in html, url  # CSP style-src 'self' would block inline styles
