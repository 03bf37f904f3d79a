"""A loopback directory site for crawl benchmarks: N detail pages with JSON-LD practitioners, paginated.

    python -m bench.crawlsite generate DIR [--pages 5000] [--per-page 50]
    python -m bench.crawlsite serve DIR [--port 0]        # prints "serving http://127.0.0.1:PORT"

The people come from bench.seed's deterministic generator, so pages look like the bundled lotus sample (a
JSON-LD Person with address, phone and description, a visible services section, site chrome) but there are
thousands of them. Listing pages are `/directory/` and `/directory/page/N/`; every listing page carries the
whole pager plus `rel=next`, so detail pages sit at depth 2 whatever the size (the crawler's depth limit is 8).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path

from bench.seed import practitioners

SOURCE_TOML = """# Bench site (bench/crawlsite.py): {pages} JSON-LD detail pages on loopback.
name            = "{name}"
title           = "Bench directory"
kind            = "directory"
start_urls      = ["{base}/directory/"]
follow          = ['/directory/page/\\d+/$']
detail          = ['/provider/[^/]+/$']
download_delay  = 0.0
max_pages       = {max_pages}
max_depth       = 8
schedule        = "7d"
enabled         = true
"""

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Bench Ketamine Directory</title>
<link rel="stylesheet" href="/assets/site.css">
{extra}
</head>
<body>
<header class="site-header"><a class="brand" href="/">Bench Ketamine Directory</a>
<nav class="site-nav" aria-label="Main"><a href="/directory/">Directory</a> <a href="/about/">About</a></nav></header>
<main id="main" class="wrap">
"""
_FOOT = """</main>
<footer class="site-footer"><p>© 2026 Bench Ketamine Directory · A directory, not a medical provider.</p>
<p>Synthetic site for kapdir benchmarks. Every person, address and phone number here is fictional.</p></footer>
</body>
</html>
"""


def people(n: int, seed: int = 7) -> list[dict]:
    """n primary listings from bench.seed (second-source duplicates dropped), each with a URL slug."""
    out = []
    for source, _url, data in practitioners(n * 2, seed):
        if source != "seed-directory":
            continue
        out.append(dict(data, slug=f"p{len(out):05d}-" + "-".join(data["name"].lower().split()[:2])))
        if len(out) == n:
            break
    return out


def detail_page(p: dict) -> str:
    cred = p["credentials"][0] if p["credentials"] else ""
    display = f"{p['name']}, {cred}" if cred else p["name"]
    services = " ".join(r["evidence"] for r in p["routes"])
    training = " ".join(c["evidence"] for c in p["certifications"]) or "Training details on request."
    ld = [{"@context": "https://schema.org", "@type": "Organization", "name": "Bench Ketamine Directory",
           "url": "/"},
          {"@context": "https://schema.org", "@type": "Person", "name": display, "telephone": p["phone"],
           "url": p["website"],
           "address": {"@type": "PostalAddress", "streetAddress": p["street"], "addressLocality": p["city"],
                       "addressRegion": p["region"], "addressCountry": "US"},
           "geo": {"@type": "GeoCoordinates", "latitude": p["lat"], "longitude": p["lon"]},
           "description": services}]
    e = html.escape
    body = f"""<nav class="breadcrumb"><a href="/">Home</a> › <a href="/directory/">Directory</a> › {e(display)}</nav>
<article class="profile">
  <h1>{e(display)}</h1>
  <div class="profile-grid">
    <section class="services"><h2>Services</h2><p>{e(services)}</p><p>{e(p["text"][len(services):].strip())}</p></section>
    <aside class="contact card"><h2>Contact</h2>
      <p class="address">{e(p["street"])}<br>{e(p["city"])}, {e(p["region"])}</p>
      <p class="phone"><a href="tel:{e(p["phone"])}">{e(p["phone"])}</a></p>
      <p class="website"><a href="{e(p["website"])}" rel="nofollow noopener">{e(p["website"])}</a></p>
    </aside>
    <section class="training"><h2>Training &amp; memberships</h2><p>{e(training)}</p></section>
  </div>
</article>
"""
    extra = ('<script type="application/ld+json">\n' + json.dumps(ld, indent=1, ensure_ascii=False)
             + "\n</script>")
    return _HEAD.format(title=e(display), extra=extra) + body + _FOOT


def listing_page(page: int, pages: int, chunk: list[dict]) -> str:
    def url(n: int) -> str:
        return "/directory/" if n == 1 else f"/directory/page/{n}/"

    extra = f'<link rel="next" href="{url(page + 1)}">' if page < pages else ""
    cards = "\n".join(
        f'<li class="card"><h2><a href="/provider/{p["slug"]}/">{html.escape(p["name"])}</a></h2>'
        f'<p class="card-loc">{html.escape(p["city"])}, {p["region"]}</p>'
        f'<p class="card-snippet">{html.escape(p["routes"][0]["evidence"])}</p></li>' for p in chunk)
    pager = " ".join(f'<a href="{url(n)}">{n}</a>' for n in range(1, pages + 1))
    body = (f"<h1>Find a ketamine therapy provider</h1><p>Page {page} of {pages}.</p>\n<ul class=\"cards\">\n"
            f"{cards}\n</ul>\n<nav class=\"pager\">{pager}</nav>\n")
    return _HEAD.format(title=f"Directory page {page}", extra=extra) + body + _FOOT


def generate(root: Path, pages: int = 5000, per_page: int = 50, seed: int = 7) -> dict:
    """Write the site under root; returns {"detail": n, "listing": m, "bytes": total}."""
    root = Path(root)
    everyone = people(pages, seed)
    n_list = (len(everyone) + per_page - 1) // per_page
    total = 0

    def write(rel: str, text: str) -> None:
        nonlocal total
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)

    write("robots.txt", "User-agent: *\nAllow: /\n")
    write("index.html", _HEAD.format(title="Home", extra="") + '<p><a href="/directory/">Directory</a></p>' + _FOOT)
    for p in everyone:
        write(f"provider/{p['slug']}/index.html", detail_page(p))
    for i in range(n_list):
        rel = "directory/index.html" if i == 0 else f"directory/page/{i + 1}/index.html"
        write(rel, listing_page(i + 1, n_list, everyone[i * per_page:(i + 1) * per_page]))
    return {"detail": len(everyone), "listing": n_list, "bytes": total}


def write_source(sources_dir: Path, base: str, pages: int, name: str = "benchsite") -> Path:
    sources_dir.mkdir(parents=True, exist_ok=True)
    path = sources_dir / f"{name}.toml"
    path.write_text(SOURCE_TOML.format(name=name, base=base, pages=pages, max_pages=max(pages + 1000, 2000)))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("root", type=Path)
    g.add_argument("--pages", type=int, default=5000)
    g.add_argument("--per-page", type=int, default=50)
    s = sub.add_parser("serve")
    s.add_argument("root", type=Path)
    s.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cmd == "generate":
        print(json.dumps(generate(args.root, args.pages, args.per_page)))
        return 0
    from kapdir.samplesite import SampleSite

    site = SampleSite(args.root, port=args.port).start()
    print(f"serving {site.base}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
