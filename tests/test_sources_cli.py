"""The maintainer's tools: `sources add` (probe a site), `sources check` (dry run), `sources list`."""

from __future__ import annotations

import json

import pytest

from kapdir.samplesite import SampleSite
from kapdir.sources import parse_source
from tests.conftest import SAMPLES, kapdir


def _no_delay(path) -> None:
    """The proposed file's politeness delay (2 s) matters on the web, not on our loopback sites."""
    text = path.read_text()
    assert "download_delay  = 2.0" in text
    path.write_text(text.replace("download_delay  = 2.0", "download_delay  = 0.0"))


@pytest.mark.parametrize("site, path, want", [
    ("lotus", "/directory/", {"detail": r"/provider/[^/]+/$", "follow": r"/directory/page/\d+/$"}),
    ("meadow", "/", {"detail": r"/p/[^/]+\.html$", "sitemap": True}),
    ("beacon", "/api/locations/1.json", {"api_items": "locations", "api_next": "next"}),
    ("harbor", "/team/", {"detail": r"/team/[^/]+/$"}),
    ("rainfall", "/roster/", {"kind": "roster", "certification": "polaris"}),
])
def test_sources_add_writes_a_working_source_file(tmp_path, site, path, want):
    with SampleSite(SAMPLES / site) as s:
        src = tmp_path / "src"
        r = kapdir("sources", "add", "newsite", s.base + path, data_dir=tmp_path / "d", sources=src)
        assert r.returncode == 0, r.stderr
        written = parse_source(src / "newsite.toml")
        assert written.enabled is False  # a maintainer reviews it first
        if "kind" in want:
            assert written.kind == want["kind"] and not written.selectors
            assert written.certification == want["certification"]  # the programme the roster page names
        if "detail" in want:
            assert written.detail == [want["detail"]]
        if "follow" in want:
            assert written.follow == [want["follow"]]
        if want.get("sitemap"):
            assert written.sitemap_urls == ["robots"]
        if "api_items" in want:
            assert written.api["items"] == want["api_items"] and written.api["next"] == want["api_next"]
            assert written.api["fields"]["city"] == "address.city"
        # and the dry run on it yields practitioners (at no politeness delay: the site is ours, on loopback)
        _no_delay(src / "newsite.toml")
        chk = kapdir("sources", "check", "newsite", "--pages", "3", data_dir=tmp_path / "d", sources=src)
        assert chk.returncode == 0, chk.stdout + chk.stderr
        items = [json.loads(line) for line in chk.stdout.splitlines() if line.startswith("{")]
        assert items and any(i["status"] == "published" and i.get("city") for i in items)
        # the dry run stores nothing
        assert not (tmp_path / "d" / "kapdir.sqlite3").exists() or "published" not in kapdir(
            "export", data_dir=tmp_path / "d").stdout
        # an existing file is not overwritten
        again = kapdir("sources", "add", "newsite", s.base + path, data_dir=tmp_path / "d", sources=src)
        assert again.returncode != 0 and "already exists" in again.stderr


def test_sources_add_refuses_what_robots_forbids(tmp_path):
    with SampleSite(SAMPLES / "lotus") as s:
        r = kapdir("sources", "add", "x", s.base + "/private/secret-provider/", data_dir=tmp_path,
                   sources=tmp_path / "src")
    assert r.returncode != 0 and "robots.txt" in r.stderr and "Traceback" not in r.stderr


def test_sources_add_unreachable(tmp_path):
    r = kapdir("sources", "add", "x", "http://127.0.0.1:9/", data_dir=tmp_path, sources=tmp_path / "src")
    assert r.returncode != 0 and r.stderr.startswith("kapdir: error: cannot reach")


def test_sources_check_reports_a_broken_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad.toml").write_text('name = "bad"\nstart_urls = ["http://127.0.0.1:9/"]\ndetail = ["(("]\n')
    r = kapdir("sources", "check", "bad", data_dir=tmp_path / "d", sources=src)
    assert r.returncode == 2
    assert r.stderr.strip().endswith("key 'detail': bad regex '((': missing ), unterminated subpattern at position 1")


def test_sources_list_shows_last_crawl(tmp_path, sites):
    sites.start("oakline")
    (sites.sources_dir / "broken.toml").write_text("name = 'broken'\n")
    data = tmp_path / "d"
    before = kapdir("sources", "list", data_dir=data, sources=sites.sources_dir)
    assert before.returncode == 0
    assert "never crawled" in before.stdout and "INVALID" in before.stdout
    kapdir("crawl", "oakline", data_dir=data, sources=sites.sources_dir)
    after = kapdir("sources", "list", "--json", data_dir=data, sources=sites.sources_dir)
    rows = {r["name"]: r for r in json.loads(after.stdout)}
    assert rows["oakline"]["last_crawl"].startswith("ok ") and "items=7" in rows["oakline"]["last_crawl"]
    assert rows["broken"]["state"].startswith("INVALID")


@pytest.mark.parametrize("fixture, path, want_detail, published", [
    # bio pages with no structured data: a detail pattern, no selectors
    ("bios", "/", [r"/team/[^/]+\.html$"], ["Jane Doe", "Lena K. Ortiz", "Omar Haddad"]),
    # a locator whose data sits in a <script>: no detail pattern, no selectors, no [api]
    ("chain", "/locations/", [], ["Summit Ridge Ketamine Center Boulder", "Summit Ridge Ketamine Center Denver",
                                  "Summit Ridge Ketamine Center Salt Lake City"]),
])
def test_sources_add_on_sites_without_structured_data_works_unedited(tmp_path, fixture, path, want_detail, published):
    from tests.conftest import ROOT

    with SampleSite(ROOT / "tests" / "fixtures" / "sites" / fixture) as s:
        src = tmp_path / "src"
        r = kapdir("sources", "add", "new", s.base + path, data_dir=tmp_path / "d", sources=src)
        assert r.returncode == 0, r.stderr
        written = parse_source(src / "new.toml")
        assert written.detail == want_detail and not written.selectors and not written.api
        _no_delay(src / "new.toml")
        chk = kapdir("sources", "check", "new", "--pages", "5", data_dir=tmp_path / "d", sources=src)
        assert chk.returncode == 0, chk.stdout + chk.stderr
        items = [json.loads(line) for line in chk.stdout.splitlines() if line.startswith("{")]
        assert sorted(i["name"] for i in items if i["status"] == "published") == published


_ADD_CASES = [
    # the page lists nobody until a "?state=CO" filter is chosen; profiles end in no slash
    ("zoo/cmsfilter", "/find-a-provider", {"detail": [r"/provider/[^/]+$"], "follow": [r"/find-a-provider\?.+"]}),
    # profiles end in a numeric id; nav and footer links are not detail pages
    ("zoo/bigdir", "/us/therapists/co/denver", {"detail": [r"/us/therapists/[^/]+/\d+$"]}),
    # the roster is a CSV the page links, and the programme is named on the page
    ("zoo/textroster", "/certification/roster/", {"detail": [], "kind": "roster", "certification": "ktc"}),
    # h-cards are read as they are, not as a roster list
    ("sites/hcards", "/directory/", {"detail": [], "kind": "directory"}),
    # listings four segments deep, found by the links that title the cards, not the category links
    ("zoo-blind/geodir", "/providers/", {"detail": [r"/providers/united-states/texas/[^/]+/[^/]+/[^/]+/$"]}),
    # Webflow's pager links the list's own path ("/providers?9c4e21d7_page=2")
    ("zoo-blind2/webflow-cms", "/providers", {"detail": [r"/providers/[^/]+$"],
                                              "follow": [r"/providers\?\d+c\d+e\d+d\d+_page=\d+$"]}),
    # a network's roster with no registry programme is still a roster (no training claim)
    ("zoo-blind/csvroster", "/member-roster/", {"detail": [], "kind": "roster", "certification": ""}),
    # a therapist's own Wix site: one listing from its home, about, services and contact pages, not one per
    # page of its sitemap, and no selectors to fill in
    ("zoo-blind3/wix-solo", "/", {"detail": [], "kind": "clinic", "sitemap_urls": []}),
    # a team page of bios (names as headings): the page is the listing, not each page of the sitemap
    ("zoo-blind4/weebly-team", "/our-team.html", {"detail": [], "kind": "clinic", "sitemap_urls": []}),
    # a practice's staff table with its front desk and billing: not a roster of certified people
    ("zoo-blind4/drupal-staff", "/about-us/staff-directory", {"detail": [], "kind": "clinic"}),
    # an association's member list naming no programme above its entries (one member's "Polaris trained" is
    # that member's own claim): a directory of cards whose services are read, not a Polaris roster
    ("zoo-blind5/member-archive", "/find-a-member/", {"detail": [], "kind": "directory", "certification": "",
                                                      "follow": [r"/find-a-member/page/\d+/$"]}),
    # a state page of microdata cards linking other states' pages: those are other listings, not details
    ("zoo-blind6/microdata-state-directory", "/states/oregon/", {"detail": [], "kind": "directory",
                                                                 "follow": [r"/states/oregon/\?page=\d+$"]}),
    # cards titled by two kinds of profile link, doctors' and everyone else's (a single sponsored card's
    # "/facility/…" link is no kind)
    ("zoo-blind7/finder-profiles", "/ketamine-therapy-directory/tn-tennessee/nashville",
     {"detail": [r"/physician/[^/]+$", r"/providers/[^/]+$"], "kind": "directory"}),
    # a team page under the site's own Yoast Organization; a clinic's one-page site named by its title
    ("zoo-blind7/divi-wellness", "/about-us/", {"detail": [], "kind": "clinic", "sitemap_urls": []}),
    ("zoo-blind7/godaddy-clinic", "/", {"detail": [], "kind": "clinic", "sitemap_urls": []}),
    # physicians in a definition list: the sidebar's links and the print link (rel="nofollow") are no
    # detail pages or filters, and Joomla's rel="next" to the next article is no pager
    ("zoo-blind8/joomla-physicians-dl", "/about-us/our-physicians.html", {"detail": [], "kind": "clinic",
                                                                         "follow": []}),
    # an app shell whose providers are in the JSON file it preloads, not a roster of the <noscript> names
    ("zoo-blind8/vue-spa-json", "/providers/", {"detail": [], "kind": "directory"}),
    # people's pages (Ghost author pages) with no contact of their own on a site that has one: the practice's
    # own site, kind clinic, so its footer's phone and address are theirs
    ("zoo-blind9/ghost-author-pages", "/our-team/", {"detail": [r"/author/[^/]+/$"], "kind": "clinic"}),
    # a clinic's ketamine page whose sub-pages (/ketamine-therapy/spravato/) name no one: no detail pages; the
    # team is named in its FAQ
    ("zoo-blind9/kadence-faq-team", "/ketamine-therapy/", {"detail": [], "kind": "clinic"}),
]


def _proposed_and_crawled(tmp_path_factory) -> dict:
    """Every case's proposed file, and the records one crawl of all of them found, once per test run: one
    Python and Scrapy start for every case instead of one each (the suite's time). Each case keeps its own
    sample site and its own source (`new<i>`); a record belongs to the cases its sources name, so a merge
    across cases could only add names to a case, never hide one."""
    from kapdir.probe import add_source
    from tests.conftest import ROOT, export, shared_dir

    def build(target):
        src = target / "src"
        sites = [SampleSite(ROOT / "tests" / "fixtures" / folder).start() for folder, _, _ in _ADD_CASES]
        try:
            written = {}
            for i, ((_, path, _), site) in enumerate(zip(_ADD_CASES, sites, strict=True)):
                add_source(src, f"new{i}", site.base + path)
                w = parse_source(src / f"new{i}.toml")
                written[i] = {"detail": w.detail, "selectors": bool(w.selectors), "api": bool(w.api),
                              "follow": w.follow, "kind": w.kind, "certification": w.certification,
                              "sitemap_urls": w.sitemap_urls}
                _no_delay(src / f"new{i}.toml")
            run = kapdir("crawl", *(f"new{i}" for i in range(len(_ADD_CASES))), data_dir=target / "d",
                         sources=src, timeout=600)
        finally:
            for site in sites:
                site.stop()
        records = export(target / "d") if run.returncode == 0 else []
        (target / "out.json").write_text(json.dumps({"rc": run.returncode, "stderr": run.stderr[-3000:],
                                                     "written": written, "records": records}))

    return json.loads((shared_dir(tmp_path_factory, "sources-add-cases", build) / "out.json").read_text())


@pytest.mark.parametrize("case", range(len(_ADD_CASES)), ids=[f"{f}-{p}" for f, p, _ in _ADD_CASES])
def test_sources_add_finds_filters_ids_roster_files_and_h_cards(tmp_path_factory, case):
    """The proposed file, unedited, crawls the whole site to exactly the labelled people. (`sources add` runs
    in this process, as the CLI calls it, to spare a Python start per case; the CLI itself is run above.)"""
    from kapdir.records import name_key
    from tests.conftest import ROOT

    folder, _, want = _ADD_CASES[case]
    out = _proposed_and_crawled(tmp_path_factory)
    written = out["written"][str(case)]
    assert written["detail"] == want["detail"] and not written["selectors"] and not written["api"]
    for key in ("follow", "kind", "certification", "sitemap_urls"):
        if key in want:
            assert written[key] == want[key], key
    assert out["rc"] == 0, out["stderr"]
    got = {name_key(r["name"]) for r in out["records"] if any(s["source"] == f"new{case}" for s in r["sources"])}
    exp = json.loads((ROOT / "tests" / "fixtures" / folder / "expected.json").read_text())
    assert got == {name_key(p["name"]) for p in exp["practitioners"]}


def test_sources_add_reads_a_grid_of_cards_without_selectors(tmp_path):
    """oakline's provider cards (a heading, an address line, a phone) need no [selectors] any more: the
    proposed file walks the numbered pages and publishes the same six people as the hand-written one."""
    from kapdir.records import name_key
    from tests.conftest import expected, export

    with SampleSite(SAMPLES / "oakline") as s:
        src = tmp_path / "src"
        assert kapdir("sources", "add", "new", s.base + "/find-a-provider/", data_dir=tmp_path / "d",
                      sources=src).returncode == 0
        written = parse_source(src / "new.toml")
        assert not written.selectors and written.follow == [r"/find-a-provider/\d+/$"]
        _no_delay(src / "new.toml")
        assert kapdir("crawl", "new", data_dir=tmp_path / "d", sources=src).returncode == 0
    got = {name_key(x["name"]): x for x in export(tmp_path / "d")}
    exp = expected("oakline")
    assert set(got) == {name_key(p["name"]) for p in exp["practitioners"]}
    for p in exp["practitioners"]:
        assert got[name_key(p["name"])]["phone"] == p["phone"]
        assert {(r["route"], r["setting"]) for r in got[name_key(p["name"])]["routes"]} == {tuple(x) for x in p["routes"]}
    assert "Evergreen Glow Med Spa" not in {x["name"] for x in got.values()}


def _probe_site(root) -> None:
    """A group practice's site written for the probe test: a team page carrying only the site's Yoast-like
    graph (page, site, publisher, an article and its author), and three profiles, in RDFa, microdata and
    JSON-LD."""
    pages = {
        "robots.txt": "User-agent: *\nAllow: /\n",
        "team/index.html": """<html><head><title>Our team</title><script type="application/ld+json">
          {"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "@id": "/team/", "name": "Our team", "isPartOf": {"@id": "/#site"}},
            {"@type": "WebSite", "@id": "/#site", "name": "Cedar", "publisher": {"@id": "/#org"}},
            {"@type": "Organization", "@id": "/#org", "name": "Cedar Ketamine Group", "telephone": "303-555-0100"},
            {"@type": "Article", "name": "Our approach", "author": {"@type": "Person", "name": "Web Writer"}}]}
          </script></head><body><main><h1>Our team</h1>
          <h3><a href="/team/ann-berg/">Ann Berg, MD</a></h3><h3><a href="/team/tomas-ruiz/">Tomas Ruiz</a></h3>
          <h3><a href="/team/maya-cole/">Maya Cole</a></h3></main></body></html>""",
        "team/ann-berg/index.html": """<html><head><title>Ann Berg</title></head><body vocab="https://schema.org/">
          <div typeof="Physician" resource="#ann"><h1 property="name">Ann Berg</h1>
            <link property="worksFor" href="#clinic"></div>
          <div typeof="MedicalClinic" resource="#clinic"><span property="name">Cedar Ketamine Group</span>
            <div property="address" typeof="PostalAddress"><span property="addressLocality">Denver</span></div>
            <link property="employee" href="#ann"></div></body></html>""",
        "team/tomas-ruiz/index.html": """<html><head><title>Tomas Ruiz</title></head><body>
          <div itemscope itemtype="https://schema.org/Person"><h1 itemprop="name">Tomas Ruiz</h1>
            <span itemprop="telephone">303-555-0101</span></div></body></html>""",
        "team/maya-cole/index.html": """<html><head><title>Maya Cole</title></head><body><h1>Maya Cole</h1>
          </body></html>""",
    }
    for path, text in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_sources_add_reports_structured_types_and_candidates_per_page(tmp_path):
    """One short line per probed page: the schema.org types it uses, per syntax, and how many practitioner
    candidates they hold, so a maintainer sees whether structured data will carry the site. The team page's
    only entities are the site's own graph and an article: no candidate (its author is none)."""
    _probe_site(tmp_path / "site")
    with SampleSite(tmp_path / "site") as s:
        r = kapdir("sources", "add", "cedar", s.base + "/team/", data_dir=tmp_path / "d", sources=tmp_path / "src")
    assert r.returncode == 0, r.stderr
    notes = [line for line in r.stdout.splitlines() if line.startswith("# probe: structured data on")]
    assert notes == [
        "# probe: structured data on /team/: JSON-LD WebPage, WebSite, Organization, Article, Person -> "
        "0 practitioner candidates, plus the site's publisher 'Cedar Ketamine Group'",
        "# probe: structured data on /team/ann-berg/: RDFa Physician, MedicalClinic, PostalAddress -> "
        "2 practitioner candidates (1 person, 1 organisation)",
        "# probe: structured data on /team/tomas-ruiz/: microdata Person -> 1 practitioner candidate (1 person)",
    ]
    assert parse_source(tmp_path / "src" / "cedar.toml").detail == [r"/team/[^/]+/$"]
