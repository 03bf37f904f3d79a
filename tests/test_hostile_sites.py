"""A flaky, hostile site: the crawl ends within its caps, keeps the good listings (Latin-1 names right),
counts every fault by kind, and publishes nothing from the broken pages."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

from tests.conftest import export, kapdir
from tests.sitekit import DynamicSite, html


def person(name: str, phone: str, city: str = "Denver", region: str = "CO") -> str:
    data = {"@context": "https://schema.org", "@type": "Physician", "name": name, "telephone": phone,
            "address": {"@type": "PostalAddress", "addressLocality": city, "addressRegion": region},
            "description": "IV ketamine infusions are given in our clinic under nurse monitoring."}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


GOOD = {
    "/p/good-1/": ("Ada Lindqvist", "(303) 555-0101"),
    "/p/good-2/": ("Ben Okoro", "(303) 555-0102"),
}
PAGES = ["/p/good-1/", "/p/good-2/", "/p/latin1-header/", "/p/latin1-meta/", "/p/latin1-lying/", "/p/error/",
         "/p/huge/", "/p/loop/", "/p/badjson/", "/p/empty/", "/p/binary/", "/p/hang/", "/trap/0/"]


def route(path, _headers, hang: threading.Event):
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path == "/list/":
        return 200, {}, html("".join(f'<a href="{p}">x</a>' for p in PAGES))
    if path in GOOD:
        name, phone = GOOD[path]
        return 200, {}, html(f"<h1>{name}</h1>", person(name, phone))
    if path == "/p/latin1-header/":
        body = html("<h1>José Muñoz</h1>", person("José Muñoz", "(303) 555-0103")).decode().encode("latin-1")
        return 200, {"Content-Type": "text/html; charset=iso-8859-1"}, body
    if path == "/p/latin1-meta/":
        doc = ("<!doctype html><html><head><meta charset='iso-8859-1'>" + person("Zoë Brontë", "(303) 555-0104")
               + "</head><body><h1>Zoë</h1></body></html>")
        return 200, {"Content-Type": "text/html"}, doc.encode("latin-1")
    if path == "/p/latin1-lying/":  # says UTF-8, is Latin-1
        body = html("<h1>Renée Côté</h1>", person("Renée Côté", "(303) 555-0105")).decode().encode("latin-1")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body
    if path == "/p/error/":
        return 500, {}, html("<h1>Internal error</h1>")
    if path == "/p/huge/":
        return 200, {}, html(person("Huge Page", "(303) 555-0106") + "x" * (50 * 1024 * 1024))
    if path.startswith("/p/loop/"):  # an endless chain of redirects, a new URL each time
        n = int(path.strip("/").split("/")[-1]) if path.strip("/").split("/")[-1].isdigit() else 0
        return 302, {"Location": f"/p/loop/{n + 1}/"}, b""
    if path == "/p/badjson/":
        return 200, {}, html("<h1>Broken Json</h1><p>IV ketamine infusions in our clinic.</p>",
                             '<script type="application/ld+json">{"@type": "Physician", "name": "Broken Jso</script>')
    if path == "/p/empty/":
        return 200, {}, b""
    if path == "/p/binary/":
        return 200, {"Content-Type": "application/octet-stream"}, bytes(range(256)) * 400
    if path == "/p/hang/":
        hang.wait(30)
        return 200, {}, html("too late")
    if path.startswith("/trap/"):
        n = int(path.strip("/").split("/")[-1])
        return 200, {}, html(f'<a href="/trap/{n + 1}/">next</a><a href="/trap/{n + 1000}/">jump</a>')
    return 404, {}, html("not found")


def test_flaky_site(tmp_path):
    hang = threading.Event()
    with DynamicSite(lambda p, h: route(p, h, hang)) as site:
        src = tmp_path / "src"
        src.mkdir()
        (src / "flaky.toml").write_text(
            f'name = "flaky"\nstart_urls = ["{site.base}/list/"]\nfollow = ["/trap/\\\\d+/$"]\n'
            'detail = ["/p/[^/]+/$"]\ndownload_delay = 0\ndownload_timeout = 2\nmax_pages = 60\n')
        t0 = time.monotonic()
        r = kapdir("crawl", "flaky", data_dir=tmp_path / "d", sources=src, timeout=240)
        elapsed = time.monotonic() - t0
        hang.set()
    assert r.returncode == 0, r.stderr  # finished (partial), not crashed
    assert r.stdout.startswith("flaky: partial"), r.stdout
    assert elapsed < 120
    names = {x["name"] for x in export(tmp_path / "d")}
    assert names == {"Ada Lindqvist", "Ben Okoro", "José Muñoz", "Zoë Brontë", "Renée Côté"}
    stats = json.loads(sqlite3.connect(tmp_path / "d" / "kapdir.sqlite3").execute(
        "SELECT stats FROM jobs").fetchone()[0])
    errors = stats["errors"]
    for kind in ("http_5xx", "redirect_loop", "malformed_structured_data", "empty_body", "binary_content",
                 "timeout"):
        assert errors.get(kind, 0) >= 1, (kind, errors)
    assert errors.get("too_large") == 1, errors  # the 50 MB page, cut at the size cap
    assert stats["pages"] <= 70  # the trap hit the page cap
    assert "Traceback" not in r.stderr
