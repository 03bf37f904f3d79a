"""Scraped markup is shown as text: a small hostile site of our own, crawled for real, then rendered.

Its JSON-LD puts `<script>` tags, attribute break-outs and `javascript:` URLs into every field a page
shows. The pages must carry the escaped text, never a live tag, and never a link with a non-http(s) href.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from tests.conftest import copy_data_dir, export, kapdir, make_client, shared_dir
from tests.sitekit import DynamicSite, html

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SERVICE = ("We offer IV ketamine infusions in our clinic, given with a nurse present the whole time. "
           "We also offer IM ketamine injections in the office during ketamine-assisted psychotherapy sessions.")

PEOPLE = [
    {"slug": "eve", "name": f"Dr. Eve {SCRIPT} Mallory, MD", "url": "javascript:alert(1)",
     "street": f"100 Main St {IMG}", "desc": f"{SERVICE} {SCRIPT} Completed the Polaris Insight Center KAP "
                                           "training."},
    {"slug": "trent", "name": f"Trent {IMG} Oscar, DO", "url": " JaVaScRiPt:alert(document.cookie)",
     "street": f"200 Main St {SCRIPT}", "desc": f"{SERVICE} {IMG}"},
    {"slug": "walt", "name": "Walter Plain, MD", "url": "java\tscript:alert(1)", "street": "300 Main St",
     "desc": f"{SERVICE} <a href='javascript:alert(1)'>book</a>"},
    {"slug": "vera", "name": "Vera Data, MD", "url": "data:text/html,<script>alert(1)</script>",
     "street": "400 Main St", "desc": SERVICE},
]


def _page(person: dict) -> bytes:
    data = {"@context": "https://schema.org", "@type": "Physician", "name": person["name"], "url": person["url"],
            "telephone": f"(512) 555-01{10 + PEOPLE.index(person)}", "description": person["desc"],
            "address": {"@type": "PostalAddress", "streetAddress": person["street"], "addressLocality": "Austin",
                        "addressRegion": "TX", "postalCode": "78701"}}
    # A JSON-LD block must not close its own <script>; "</" is written "<\/" as JSON allows.
    blob = json.dumps(data).replace("</", "<\\/")
    return html(f"<h1>{person['slug']}</h1><p>{SERVICE}</p>",
                head=f'<script type="application/ld+json">{blob}</script>')


def route(path: str, _headers: dict):
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path == "/list/":
        links = "".join(f'<li><a href="/p/{p["slug"]}/">{p["slug"]}</a></li>' for p in PEOPLE)
        return 200, {}, html(f"<ul>{links}</ul>")
    for p in PEOPLE:
        if path == f"/p/{p['slug']}/":
            return 200, {}, _page(p)
    return 404, {}, html("not found")


def _crawl_hostile(root: Path) -> None:
    sources, data = root / "sources", root / "data"
    sources.mkdir()
    with DynamicSite(route) as site:
        (sources / "hostile.toml").write_text(
            f'name = "hostile"\ntitle = "Hostile"\nkind = "directory"\nstart_urls = ["{site.base}/list/"]\n'
            "detail = ['/p/[^/]+/$']\ndownload_delay = 0.0\n")
        r = kapdir("crawl", "hostile", data_dir=data, sources=sources)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Crawled once per run, not per xdist worker (`shared_dir`); the tests only read their copy."""
    crawl = shared_dir(tmp_path_factory, "hostile-crawl", _crawl_hostile)
    data = copy_data_dir(crawl / "data", tmp_path_factory.mktemp("hostile") / "data")
    records = export(data)
    assert len(records) == len(PEOPLE), [x["name"] for x in records]
    return {"data": data, "records": records, "client": make_client(data)}


def _pages(hostile) -> dict[str, str]:
    c = hostile["client"]
    out = {"/search?region=TX": c.get("/search?region=TX").get_data(as_text=True),
           "/search?q=ketamine&city=Austin": c.get("/search?q=ketamine&city=Austin").get_data(as_text=True)}
    for rec in hostile["records"]:
        url = f"/practitioners/{rec['id']}"
        out[url] = c.get(url).get_data(as_text=True)
    return out


def test_the_payloads_reached_the_records(hostile):
    """Otherwise the page checks below would prove nothing."""
    text = json.dumps(hostile["records"])
    assert "<script>" in text or "alert(1)" in text
    assert any("onerror" in json.dumps(r) for r in hostile["records"])


def test_scraped_markup_is_escaped_text(hostile):
    for url, page in _pages(hostile).items():
        body = page.split("<main", 1)[1]
        assert "<script" not in body.lower(), url
        # The one image the site itself puts in <main>: the map's state outlines (webapp/templates/_map.html).
        own = '<img class="map-base" src="/static/us-states.svg" alt="" width="975" height="610">'
        assert body.count(own) <= 1 and "<img" not in body.replace(own, "").lower(), url
        assert not re.search(r"<[^>]*\son\w+\s*=", body, re.I), url  # no event-handler attribute anywhere
    shown = 0
    for rec in hostile["records"]:
        page = hostile["client"].get(f"/practitioners/{rec['id']}").get_data(as_text=True)
        for value in (rec["name"], rec["address"]["street"]):
            assert str(escape(value)) in page, value  # the text itself, visible to the reader
            shown += "&lt;" in str(escape(value))
    assert shown >= 3


def _is_safe_href(href: str) -> bool:
    h = re.sub(r"[\s\x00-\x1f]", "", href).lower()
    if h.startswith(("/", "?", "#", "tel:")) or h == "data:,":
        return True
    if not h.startswith(("http://", "https://")):
        return False
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 - raises on "https://javascript:alert(1)"
    except ValueError:
        return False
    return bool(parts.hostname)


def test_links_are_never_javascript(hostile):
    for url, page in _pages(hostile).items():
        hrefs = re.findall(r"\shref\s*=\s*[\"']?([^\"'\s>]*)", page, re.I)
        assert hrefs, url
        for href in hrefs:
            assert _is_safe_href(href), (url, href)


def test_hostile_websites_are_shown_as_text_without_a_link(hostile):
    c = hostile["client"]
    for rec in hostile["records"]:
        page = c.get(f"/practitioners/{rec['id']}").get_data(as_text=True)
        if "javascript" in rec["website"].lower() or not rec["website"].startswith(("http://", "https://")):
            assert not re.search(r"<dt>Website</dt><dd><a ", page), rec["website"]
        if rec["website"]:
            assert "<dt>Website</dt>" in page  # still shown, as text


def test_the_filter_refuses_what_escaping_would_let_through():
    from webapp.pages import http_url

    for bad in ("javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "JAVASCRIPT:x",
                "data:text/html,<script>", "vbscript:x", "https://javascript:alert(1)", "//evil.example/",
                "https://ok.example/\"><script>", "https://ok.example/ x", "", None, 42):
        assert http_url(bad) == "", bad
    for good in ("https://marsh-ketamine.example.com/", "http://127.0.0.1:8000/p/x.html?a=1&b=2#c"):
        assert http_url(good) == good


def test_api_returns_the_text_as_json_not_html(hostile):
    r = hostile["client"].get("/api/v1/search?region=TX&per_page=100")
    assert r.mimetype == "application/json" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.get_json()["total"] == len(PEOPLE)
