"""Issue 14: sites nobody wrote a selector for, crawled from the smallest source file a maintainer writes.

Each crawl is real: a sample site on loopback, the `kapdir crawl` CLI in a subprocess, the record store
exported. Expectations are the sites' hand-written labels (crawler/samples/*/expected.json).
"""

from __future__ import annotations

import pytest

from crawler.rosters import roster_rows
from kapdir.places import normalise_city
from kapdir.records import name_key
from tests.conftest import ROOT, expected, export, kapdir, shared_dir


def _write(sources_dir, name: str, body: str) -> None:
    (sources_dir / f"{name}.toml").write_text(f'name = "{name}"\ntitle = "{name}"\n' + body, encoding="utf-8")


def _published(data) -> dict[str, dict]:
    return {name_key(r["name"]): r for r in export(data)}


def _assert_exactly(site: str, got: dict[str, dict]) -> None:
    exp = expected(site)
    assert set(got) == {name_key(p["name"]) for p in exp["practitioners"]}
    for p in exp["practitioners"]:
        rec = got[name_key(p["name"])]
        assert rec["address"]["city"] == normalise_city(p["city"], p["region"]), p["name"]
        assert rec["address"]["region"] == p["region"], p["name"]
        assert rec["phone"] == p["phone"], p["name"]
    for bad in exp.get("must_not_publish", []):
        assert name_key(bad) not in got


def test_a_sitemap_given_as_its_robots_txt_url(sites, tmp_path):
    """How Scrapy's SitemapSpider takes it: a robots.txt URL in sitemap_urls stands for its sitemaps."""
    meadow = sites.start("meadow")
    _write(sites.sources_dir, "meadow-robots", f'kind = "directory"\nsitemap_urls = ["{meadow.base}/robots.txt"]\n'
           "detail = ['/p/[^/]+\\.html$']\ndownload_delay = 0.0\n")
    data = tmp_path / "data"
    run = kapdir("crawl", "meadow-robots", data_dir=data, sources=sites.sources_dir)
    assert "bad_sitemap" not in run.stdout + run.stderr
    _assert_exactly("meadow", _published(data))
    assert not set(expected("meadow")["never_fetched"]) & set(meadow.requested())


def test_a_roster_table_without_selectors(sites, tmp_path):
    """kind = "roster" and a start URL: the table's columns are read from its header, and the table of
    trainees below it (a cohort 'not yet certified') is never published."""
    rainfall = sites.start("rainfall")
    _write(sites.sources_dir, "rainfall-bare", f'kind = "roster"\nstart_urls = ["{rainfall.base}/roster/"]\n'
           'certification = "polaris"\ndownload_delay = 0.0\n')
    data = tmp_path / "data"
    run = kapdir("crawl", "rainfall-bare", data_dir=data, sources=sites.sources_dir)
    assert run.returncode == 0, run.stderr
    got = _published(data)
    _assert_exactly("rainfall", got)
    assert all("polaris" in {c["program"] for c in r["certifications"]} for r in got.values())


def test_roster_columns_come_from_header_words():
    page = """<html><body><h2>Certified providers</h2>
    <table><tr><th>Provider</th><th>Location</th><th>Telephone</th><th>Web site</th><th>Year</th></tr>
      <tr><td>Jane Q. Doe, LMFT</td><td>Denver, CO</td><td>(303) 555-0100</td>
          <td><a href="https://doe.example/">doe.example</a></td><td>2023</td></tr>
      <tr><th colspan="5">Utah</th></tr>
      <tr><td>Sam Roe</td><td>Provo, UT</td><td>801-555-0110</td><td>—</td><td>2024</td></tr>
    </table>
    <h2>Trainees (in training, not yet certified)</h2>
    <table><thead><tr><th>Name</th><th>City</th></tr></thead><tbody><tr><td>Kim Poe</td><td>Austin</td></tr></tbody></table>
    <table><thead><tr><th>Course</th><th>Date</th></tr></thead><tbody><tr><td>KAP 101</td><td>May</td></tr></tbody></table>
    </body></html>"""
    assert roster_rows(page, "https://roster.example/") == [
        {"name": "Jane Q. Doe, LMFT", "city": "Denver", "region": "CO", "phone": "(303) 555-0100",
         "website": "https://doe.example/"},
        {"name": "Sam Roe", "city": "Provo", "region": "UT", "phone": "801-555-0110"},
    ]


FIXTURE_SITES = ROOT / "tests" / "fixtures" / "sites"
ZOO = ROOT / "tests" / "fixtures" / "zoo"


def _crawl_fixture(sites, tmp_path, site: str, folder=FIXTURE_SITES) -> tuple[dict, list[dict]]:
    """Crawl one fixture site (tests/fixtures/sites/<site>, or the zoo's) from its own source file; its
    labels and the exported records."""
    import json

    root = folder / site
    sites.start(site, root=root)
    data = tmp_path / "data"
    run = kapdir("crawl", site, data_dir=data, sources=sites.sources_dir)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "expected.json").read_text()), export(data)


def _zoo_group(tmp_path_factory, folder, shapes: list[str]) -> dict[str, tuple[dict, list[dict]]]:
    """Per shape of a set-aside zoo group: its labels and the records its own source file found.

    Every set-aside group is crawled by one `kapdir crawl` process, once per test run: one Python and Scrapy
    start and one concurrent crawl instead of one per group (the suite's time). Each shape keeps its own
    sample site and source file, and a record belongs to the shapes its sources name; shape names are unique
    across the groups (checked), and no person is listed by two groups with one phone, so nothing merges across
    them (`test_the_set_aside_groups_share_no_one`)."""
    import json

    assert shapes == _SET_ASIDE[folder]
    records = _set_aside_records(tmp_path_factory)
    return {shape: (json.loads((folder / shape / "expected.json").read_text()),
                    [r for r in records if any(s["source"] == shape for s in r["sources"])]) for shape in shapes}


def _set_aside_records(tmp_path_factory) -> list[dict]:
    import json

    from kapdir.samplesite import SampleSite, materialise_source

    every = [(folder, shape) for folder, shapes in _SET_ASIDE.items() for shape in shapes]
    assert len({shape for _, shape in every}) == len(every), "shape names must be unique across the groups"

    def build(target):
        src = target / "src"
        src.mkdir()
        sites = [SampleSite(folder / shape).start() for folder, shape in every]
        try:
            for (folder, shape), site in zip(every, sites, strict=True):
                materialise_source(folder / shape / "source.toml", site.base, src)
            run = kapdir("crawl", *(shape for _, shape in every), data_dir=target / "data", sources=src,
                         timeout=600)
        finally:
            for site in sites:
                site.stop()
        (target / "crawl.json").write_text(json.dumps({"rc": run.returncode, "stderr": run.stderr[-3000:]}))
        (target / "records.json").write_text(json.dumps(export(target / "data")))

    done = shared_dir(tmp_path_factory, "zoo-set-aside-groups", build)
    run = json.loads((done / "crawl.json").read_text())
    assert run["rc"] == 0, run["stderr"]
    return json.loads((done / "records.json").read_text())


# Where the reader, not the crawler, is known to be wrong on a zoo page: the person must still be
# published, but their routes are the reader's business (issue 13), not this shape's.
# None at present: "I offer at-home ketamine-assisted psychotherapy … lozenges mailed to your home" (Hannah
# Kowalczyk, scored 0.48 for oral/at_home) is read since the at-home bar moved from 0.5 to 0.35.
READER_MISSES: dict[str, str] = {
    # zoo-blind11: "he facilitates our integration group for infusion and Spravato patients" is read as his IV and
    # Spravato; "for patients who have done well with in-office treatment, she also prescribes oral ketamine
    # troches taken at home" adds oral in the clinic.
    "theo marchetti": "beaver-uabb-providers",
    "ines calder": "tebra-microdata-providers",
    # zoo-blind12: "clients whose first sessions go well may be prescribed sublingual ketamine lozenges for home
    # sessions between office visits" reads as an explanation ("may be prescribed"), so oral at home is missed.
    "elias brandt": "jekyll-providers",
}


def _assert_people(exp: dict, records: list[dict], *, routes: bool = True, credentials: bool = False) -> dict:
    """Exactly the labelled people, one record each, with the labelled city, region and phone (and
    routes, except the reader's known misses; credentials when asked); nobody from must_not_publish."""
    got = {name_key(r["name"]): r for r in records}
    assert len(records) == len(got)
    assert set(got) == {name_key(p["name"]) for p in exp["practitioners"]}
    for p in exp["practitioners"]:
        rec = got[name_key(p["name"])]
        assert (rec["address"]["city"], rec["address"]["region"], rec["phone"] or None) == (
            normalise_city(p["city"], p["region"]), p["region"], p["phone"])  # "St. Paul" is "Saint Paul"
        if routes and READER_MISSES.get(name_key(p["name"])) != exp["site"]:  # (another shape's namesake is checked)
            assert {(r["route"], r["setting"]) for r in rec["routes"]} == {tuple(r) for r in p["routes"]}
        if credentials and p["credentials"]:
            assert {c.strip() for c in p["credentials"].split(",")} <= set(rec["credentials"])
    for bad in exp.get("must_not_publish", []):
        assert name_key(bad) not in got
    return got


def test_bio_pages_without_structured_data_or_selectors(sites, tmp_path):
    """A group practice's team page with one bio page each: names and credentials from the headings
    ("Jane Doe, LMFT", "Dr. Omar Haddad", "Lena K. Ortiz PsyD"), phones from tel: links, addresses from
    the footer's <address> or an h-card. Colleagues sharing the clinic's phone and address stay two people,
    and a services page names nobody."""
    exp, records = _crawl_fixture(sites, tmp_path, "bios")
    assert len(records) == len(exp["practitioners"])
    _assert_people(exp, records, credentials=True)


def test_person_names_in_the_forms_real_headings_use():
    from crawler.plainpage import person_name

    assert person_name("Jane Doe, LMFT") == "Jane Doe, LMFT"
    assert person_name("Dr. Jane Doe") == "Dr. Jane Doe"
    assert person_name("Jane Q. Doe PsyD") == "Jane Q. Doe PsyD"
    assert person_name("", "Jane Doe | Harbor Psychiatry") == "Jane Doe"
    assert person_name("About Jane Doe") == "Jane Doe"
    assert person_name("Ketamine Services", "Our services | Harbor") == ""
    assert person_name("Contact Us") == ""


def test_a_clinic_locator_whose_data_sits_in_a_script_blob(sites, tmp_path):
    """A chain's store finder rendered in the browser from <script id="__NEXT_DATA__">: the biggest list
    of location-like objects in the page's scripts is read, fields known by their keys; a navigation list
    and a config object beside it are not locations, and a hydration lounge in the list is not published."""
    _assert_people(*_crawl_fixture(sites, tmp_path, "chain"))


def test_a_roster_written_as_a_list(sites, tmp_path):
    """Graduates listed as "<li><b>Jane Doe, LMFT</b> — Denver, CO — (303) 555-0100</li>"; the trainees'
    list under "Currently in training" and the navigation list are not the roster."""
    got = _assert_people(*_crawl_fixture(sites, tmp_path, "listroster"), routes=False)
    assert all("fluence" in {c["program"] for c in r["certifications"]} for r in got.values())


def test_a_directory_of_h_cards(sites, tmp_path):
    """Entries marked up as h-card microformats: each card is one person with its own address, phone and
    note; a massage therapist's card is stored but not published."""
    _assert_people(*_crawl_fixture(sites, tmp_path, "hcards"))


def test_a_single_therapists_own_site(sites, tmp_path):
    """A one-page Squarespace-style site: the page is the listing, named by its heading "Maya Lindgren, LPC",
    found by its tel: link and footer address."""
    exp, records = _crawl_fixture(sites, tmp_path, "solo")
    (rec,) = records
    assert rec["name"] == exp["practitioners"][0]["name"]
    _assert_people(exp, records, credentials=True)


# The zoo (issue 14): shapes modelled on real templates studied through the search tool (provenance in
# each folder's README.md), built by a helper who did not read the crawler. `python -m bench.zoo` reports
# them all; these pin each one.

def test_a_drupal_views_directory_filtered_by_query_string(sites, tmp_path):
    """The unfiltered page lists nobody ("Input required"); "?state=CO" links and a 0-based pager
    ("?state=CO&page=1") lead to profile nodes whose address is Drupal's address field (address-line1,
    locality, administrative-area) and whose phone is a percent-encoded tel: link. A noindex profile, a
    trainee and the robots-disallowed CSV export are not published or fetched."""
    exp, records = _crawl_fixture(sites, tmp_path, "cmsfilter", ZOO)
    _assert_people(exp, records, routes=False)
    got = {name_key(r["name"]): r for r in records}
    # Two people are listed under two states; one record each (checked above), and their routes:
    assert {(r["route"], r["setting"]) for r in got[name_key("Miriam Castellanos")]["routes"]} >= {("im", "in_clinic")}
    assert not {"/find-a-provider/export"} & {q.split("?")[0] for q in sites.running["cmsfilter"].requested()}


def test_a_load_more_button_whose_json_has_no_next_url(sites, tmp_path):
    """Three cards on the page, the rest behind data-endpoint / data-offset / data-per-page: the endpoint
    is paged by offset until has_more is false, each item's link leads to a profile page, and the site's
    own Yoast Organization on every profile is not the person the heading names."""
    exp, records = _crawl_fixture(sites, tmp_path, "loadmore", ZOO)
    _assert_people(exp, records)
    asked = sites.running["loadmore"].requested()
    assert "/wp-json/ckc/v1/providers?offset=3&per_page=3" in asked
    assert "/wp-json/ckc/v1/providers?offset=6&per_page=3" in asked
    assert not any("offset=9" in q for q in asked)  # has_more was false: no request past the end


def test_a_big_directory_with_city_results_and_profile_pages(sites, tmp_path):
    """Psychology Today-style results ("Next" without rel) and profiles whose only JSON-LD is a
    BreadcrumbList: the profile is read from its heading, tel: link and address spans; the verified
    therapist who never mentions ketamine and the sponsored ad are not published."""
    _assert_people(*_crawl_fixture(sites, tmp_path, "bigdir", ZOO))


def test_a_roster_published_as_a_csv_file(sites, tmp_path):
    """The roster page links a spreadsheet export (BOM, CRLF, quoted "LMFT, LPCC", Last/First columns);
    its trainees' list is not the roster, and the members-only full export is disallowed by robots.txt."""
    exp, records = _crawl_fixture(sites, tmp_path, "textroster", ZOO)
    got = _assert_people(exp, records, routes=False)
    assert got[name_key("Rafael Quintero")]["credentials"] == ["LMFT", "LPCC"]
    assert all("ktc" in {c["program"] for c in r["certifications"]} for r in got.values())
    assert "/members/roster-full.csv" not in sites.running["textroster"].requested()


def test_roster_files_are_read_by_their_header():
    from crawler.rosters import roster_file_rows

    data = ("\ufeffLast Name,First Name,Credentials,City,State,Phone,Website,Public listing\r\n"
            'Doe,Jane,"LMFT, LPCC",Denver,CO,(303) 555-0100,doe.example.com,Yes\r\n'
            "Roe,Sam,MD,Provo,UT,801-555-0110,,No\r\n"
            ",,,,,,,\r\n").encode()
    assert roster_file_rows(data) == [{"credentials": "LMFT, LPCC", "city": "Denver", "region": "CO",
                                       "phone": "(303) 555-0100", "website": "https://doe.example.com",
                                       "name": "Jane Doe"}]
    tabbed = b"Name\tCity\nJane Doe\tDenver, CO\n"
    assert roster_file_rows(tabbed) == [{"name": "Jane Doe", "city": "Denver", "region": "CO"}]
    assert roster_file_rows(b"Course,Date\nKAP 101,May\n") == []   # no name column: not a roster


def test_load_more_paging_stops_where_the_answer_says():
    from crawler.loadmore import next_page

    state = {"endpoint": "https://x.example/api", "mode": "offset", "at": 3, "per": 3, "seen": 3}
    url, nxt = next_page({"items": [{}] * 3, "has_more": True}, [{}] * 3, state)
    assert url == "https://x.example/api?offset=6&per_page=3" and nxt["seen"] == 6
    assert next_page({"items": [{}] * 3, "has_more": False}, [{}] * 3, state) is None
    assert next_page({"items": [{}] * 3, "total": 6}, [{}] * 3, state) is None       # 3 + 3 = total
    assert next_page({"items": [{}] * 3, "total": 7}, [{}] * 3, state)[0].endswith("offset=6&per_page=3")
    assert next_page({"items": [{}]}, [{}], state) is None                           # a short page is the last
    assert next_page({"items": []}, [], state) is None
    paged = {"endpoint": "https://x.example/api?lang=en", "mode": "page", "at": 1, "per": None, "seen": 0}
    assert next_page({"results": [{}] * 5}, [{}] * 5, paged)[0] == "https://x.example/api?lang=en&page=2"


def test_load_more_controls_are_found_by_their_data_attributes():
    from scrapy.http import HtmlResponse

    from crawler.loadmore import endpoints

    page = (b'<button class="load-more" data-endpoint="/wp-json/x/v1/p" data-offset="6" data-per-page="6">More'
            b'</button><div data-url="/img/a.png">a lazy image is not a control</div>'
            b'<a data-api="/api/list" class="btn">Show more providers</a>')
    found = endpoints(HtmlResponse("https://x.example/find/", body=page))
    assert [u for u, _s in found] == ["https://x.example/wp-json/x/v1/p?offset=6&per_page=6",
                                      "https://x.example/api/list"]


def test_address_lines_broken_by_br_and_marked_by_class():
    from lxml import html

    from crawler.plainpage import contact

    br = html.fromstring("<html><body><main><h1>Jane Doe</h1><p>1101 Madison St, Suite 600<br>Seattle, WA 98104"
                         "</p><p>Call</p></main></body></html>")
    assert contact(br)["address"] == "1101 Madison St, Suite 600, Seattle, WA 98104"
    drupal = html.fromstring(
        '<html><body><main><p class="address"><span class="address-line1">1800 Grant St</span><br>'
        '<span class="locality">Denver</span>, <span class="administrative-area">CO</span> '
        '<span class="postal-code">80203</span></p><a href="tel:%28303%29555-0180">call</a></main>'
        '<footer><span class="locality">Boise</span> <span class="region">ID</span></footer></body></html>')
    assert contact(drupal) == {"phone": "(303)555-0180", "street": "1800 Grant St", "city": "Denver",
                               "region": "CO", "postal_code": "80203"}


def test_the_sites_own_organisation_is_not_the_person_a_heading_names():
    from crawler.structured import named_in, pick_primary

    org = {"name": "Cascadia Ketamine Collaborative"}
    assert not named_in(org, "Samuel Ashworth, MD")
    assert named_in(org, "About Cascadia Ketamine Collaborative")
    assert pick_primary([org], "Samuel Ashworth, MD") is org   # the fallback the spider then overrides


def test_repeated_cards_are_entries_and_post_lists_and_menus_are_not():
    from lxml import html

    from crawler.cards import cards

    page = html.fromstring("""<html><body>
      <nav><ul><li><a href="/a">About us</a> (303) 555-0100</li><li><a href="/b">Contact</a> (303) 555-0100</li></ul></nav>
      <main><div class="grid">
        <div class="card"><h3>Jane Doe, LMFT</h3><p>1200 Grant St, Suite 5, Denver, CO 80203</p>
          <a href="tel:+13035550101">Call</a><a href="https://doe.example.com/">Website</a>
          <p class="practice">Doe Counseling</p><p>IM ketamine in our Denver office.</p></div>
        <div class="card"><h3>Dr. Sam Roe</h3><p>(720) 555-0102</p><p>Oral ketamine at home.</p></div>
        <div class="card"><h3>Our philosophy</h3><p>We believe in care.</p></div>
      </div>
      <ul class="posts"><li><h3>What is KAP?</h3><p>Read more</p></li><li><h3>IV vs IM</h3><p>Read more</p></li></ul>
      </main></body></html>""")
    got = cards(page, "https://finder.example.org/providers/")
    assert [c["name"] for c in got] == ["Jane Doe, LMFT", "Dr. Sam Roe"]
    jane = got[0]
    assert (jane["phone"], jane["address"], jane["website"], jane["practice"]) == (
        "+13035550101", "1200 Grant St, Suite 5, Denver, CO 80203", "https://doe.example.com/", "Doe Counseling")
    assert "IM ketamine in our Denver office." in jane["text"]
    one = html.fromstring("<html><body><main><div class='card'><h3>Jane Doe</h3><p>(303) 555-0100</p></div>"
                          "</main></body></html>")
    assert cards(one) == []   # a single block is not a list


# The set-aside shapes (tests/fixtures/zoo-blind), built by a helper from a brief without reading the
# crawler, measured once before the crawler's author looked at them (0 of 5 shapes, 4 of 19 people found,
# none with the right city and phone; kapdir/reading/README.md has the per-shape table) and then read.
# They are development shapes now; these pin what was built for them.
ZOO_BLIND = ROOT / "tests" / "fixtures" / "zoo-blind"
ZOO_BLIND_SHAPES = ["csvroster", "geodir", "mapmarkers", "teampopup", "yoastchain"]


@pytest.mark.parametrize("shape", ZOO_BLIND_SHAPES)
def test_the_set_aside_shapes_from_the_maintainers_own_source_files(tmp_path_factory, shape):
    """csvroster: a ketamine network's member roster as a linked CSV (ID and status columns; provisional
    members skipped; no registry programme). geodir: GeoDirectory listings whose only JSON-LD is the
    directory's own Yoast graph, addresses in itemprop spans. mapmarkers: WP Go Maps markers keyed by id
    in an inline script, phones inside HTML descriptions. teampopup: an Elementor team grid whose bios sit
    in popups after </main>. yoastchain: Yoast Local SEO clinics whose address is an @id reference."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND, ZOO_BLIND_SHAPES)[shape]
    _assert_people(exp, records, routes=shape != "mapmarkers")


def test_json_ld_references_are_followed_and_the_publisher_is_marked():
    from lxml import html

    from crawler.structured import load_structured, practitioners

    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://d.example/#website", "publisher": {"@id": "https://d.example/#org"}},
        {"@type": "Organization", "@id": "https://d.example/#org", "name": "Texas Care Directory",
         "telephone": "(512) 555-0100", "address": {"@id": "https://d.example/#hq"}},
        {"@type": "PostalAddress", "@id": "https://d.example/#hq", "addressLocality": "Austin", "addressRegion": "TX"},
        {"@type": "MedicalClinic", "@id": "https://d.example/c/#clinic", "name": "Clearpath Columbus",
         "address": {"@id": "https://d.example/c/#addr"}},
        {"@type": "PostalAddress", "@id": "https://d.example/c/#addr", "addressLocality": "Columbus",
         "addressRegion": "OH"},
        {"@type": "Person", "name": "Ann Author", "@id": "https://d.example/#ann"},
        {"@type": "Article", "author": {"@id": "https://d.example/#ann"}}]}
    import json

    page = html.fromstring(f'<html><head><script type="application/ld+json">{json.dumps(graph)}</script></head>'
                           "<body></body></html>")
    objects, bad = load_structured(page, "https://d.example/c/")
    got = {e["name"]: e for e in practitioners(objects)}
    assert bad == 0 and "Ann Author" not in got                      # an author, not a practitioner
    assert (got["Clearpath Columbus"]["city"], got["Clearpath Columbus"]["region"]) == ("Columbus", "OH")
    assert got["Texas Care Directory"].get("site_owner") and not got["Clearpath Columbus"].get("site_owner")
    assert got["Clearpath Columbus"]["phone"] == ""                   # the publisher lends no phone


def test_team_grids_with_bios_elsewhere_and_practice_names_on_detail_pages():
    from lxml import html

    from crawler.cards import team
    from crawler.plainpage import practice_name

    page = html.fromstring("""<html><body><main>
      <div class="grid">
        <div class="m a1"><h3>Ann Berg, MD</h3><p>Psychiatrist</p></div>
        <div class="m a2"><h3>Tomás Ruiz, LICSW</h3><p>Therapist</p></div>
        <div class="m a3"><h3>Maya Cole</h3><p>Client Care Coordinator</p></div>
      </div>
      <div class="offices"><div class="o"><h4>St. Paul Office</h4><p>1043 Grand Ave, Suite 210, St. Paul, MN 55105</p></div>
        <div class="o"><h4>Minneapolis Office</h4><p>212 3rd Ave N, Suite 450, Minneapolis, MN 55401</p></div></div>
      </main>
      <div class="popup"><h2>Dr. Ann Berg, MD</h2><p>Ann gives IM ketamine in our office. Call (651) 555-0161.</p></div>
      <div class="popup"><h2>Tomás Ruiz, LICSW</h2><p>Tomás sees clients in St. Paul.</p></div>
      <footer><p>Call (612) 555-0160</p></footer></body></html>""")
    got = {r["name"]: r for r in team(page, "https://lake.example/team/")}
    assert set(got) == {"Ann Berg, MD", "Tomás Ruiz, LICSW"}           # the coordinator is staff
    assert got["Ann Berg, MD"]["phone"] == "(651) 555-0161" and "IM ketamine" in got["Ann Berg, MD"]["text"]
    assert got["Tomás Ruiz, LICSW"]["address"].endswith("St. Paul, MN 55105")   # the office his bio names
    assert got["Tomás Ruiz, LICSW"]["phone"] == "(612) 555-0160"                 # the practice's line
    assert practice_name("Bayou City Ketamine Clinic") == "Bayou City Ketamine Clinic"
    assert practice_name("IV Ketamine Therapy") == practice_name("Our Services") == ""


def test_map_markers_keyed_by_id_with_html_descriptions():
    from lxml import html

    from crawler.jsonblobs import locations_in_page, plain

    script = ('var markers = {"1": {"3": {"title": "Saguaro &#8211; Tucson", "address": "2200 E River Rd, Tucson, AZ '
              '85718", "desc": "<p>IV ketamine.</p><p>Phone: <a href=\\"tel:5205550164\\">(520) 555-0164</a></p>"},'
              ' "4": {"title": "Saguaro &#8211; Mesa", "address": "1 Main St, Mesa, AZ 85204", "desc": "<p>Drips</p>"}}};')
    items, guess = locations_in_page(html.fromstring(f"<html><body><script>{script}</script></body></html>"))
    assert [i["title"] for i in items] == ["Saguaro &#8211; Tucson", "Saguaro &#8211; Mesa"]
    assert guess["fields"]["address"] == "address" and guess["fields"]["text"] == "desc"
    assert plain(items[0]["title"]) == "Saguaro – Tucson" and "(520) 555-0164" in plain(items[0]["desc"])


# The second set-aside group (tests/fixtures/zoo-blind2), built after the first was read, measured once
# (6 of 17 people found and right, 0 of 4 shapes) and then read in turn.
ZOO_BLIND2 = ROOT / "tests" / "fixtures" / "zoo-blind2"
ZOO_BLIND2_SHAPES = ["microdata-chain", "webflow-cms", "wpbdp-directory", "state-accordion"]


@pytest.mark.parametrize("shape", ZOO_BLIND2_SHAPES)
def test_the_second_set_aside_shapes(tmp_path_factory, shape):
    """microdata-chain: clinic pages in microdata whose staff are employees (the heading names the clinic).
    webflow-cms: a Webflow collection list with '?9c4e21d7_page=2' paging and profiles whose "More
    providers" cards are not theirs. wpbdp-directory: Business Directory Plugin listings ("we do not
    prescribe ketamine for use at home" limits a setting, it denies nothing). state-accordion: providers in
    <details> sections, one or several per state, under the alliance's own Yoast Organization (and a card
    whose training line, "CIIS Certificate in Psychedelic-Assisted Therapies and Research", is a
    programme's name, not the card explaining research)."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND2, ZOO_BLIND2_SHAPES)[shape]
    _assert_people(exp, records, routes=False)


def test_a_clinic_page_names_the_clinic_not_its_staff():
    from lxml import html

    from crawler.structured import load_structured, pick_primary, practitioners

    page = html.fromstring("""<html><body><article itemscope itemtype="https://schema.org/MedicalClinic">
      <h1 itemprop="name">Sonoran Ketamine Center – Tucson</h1><span itemprop="telephone">(520) 555-0100</span>
      <ul><li itemprop="employee" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Dr. Rafael
      Trujillo, MD</span></li></ul></article></body></html>""")
    objects, _bad = load_structured(page, "https://s.example/locations/tucson/")
    assert [e["name"] for e in practitioners(objects)] == ["Dr. Rafael Trujillo, MD"]   # a listing page: people
    both = practitioners(objects, with_orgs=True)
    assert pick_primary(both, "Sonoran Ketamine Center – Tucson")["name"] == "Sonoran Ketamine Center – Tucson"


# The third set-aside group (tests/fixtures/zoo-blind3), built from real templates by a helper who never read
# the crawler, measured once before it was read (1 of 5 shapes; 13 of 18 people found, 11 with the right name,
# city and phone) and then read. The four shapes that failed are pinned here; the routes of the Wix site and the
# location pages are the reader's business (issue 13), not the crawler's.
ZOO_BLIND3 = ROOT / "tests" / "fixtures" / "zoo-blind3"
ZOO_BLIND3_SHAPES = ["wix-solo", "location-pages", "find-a-doctor", "wp-team-members"]


@pytest.mark.parametrize("shape", ZOO_BLIND3_SHAPES)
def test_the_third_set_aside_shapes(tmp_path_factory, shape):
    """wix-solo: a therapist's Wix site whose phone and address are only on /contact and services only on
    /services, linked from the home page's menu. location-pages: a chain's plain location pages whose heading
    is a service ("Ketamine Clinic in Phoenix, AZ") and whose clinic is named on the line above its street
    address. find-a-doctor: a health system's profiles in the third person ("Dr. Villalobos provides Spravato
    … alongside psychotherapy referrals": a referral coming in is no referral out). wp-team-members: two
    offices in the header and footer, and a bio naming the one the therapist works from."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND3, ZOO_BLIND3_SHAPES)[shape]
    # wix-solo's routes are read right since the tenth round's refit (the ninth blind split joined)
    _assert_people(exp, records, routes=shape in ("wix-solo", "find-a-doctor", "wp-team-members"))


def test_contact_details_written_the_ways_site_builders_lay_them_out():
    from lxml import html

    from crawler.plainpage import addressee, contact

    two_lines = html.fromstring("""<html><body><main><h2>Office</h2><p>Maren Holloway Counseling, PLLC</p>
      <p>321 E Main St, Suite 204</p><p>Bozeman, MT 59715</p><p>Tel: 406-555-0134</p></main></body></html>""")
    assert contact(two_lines)["address"] == "321 E Main St, Suite 204, Bozeman, MT 59715"
    location = html.fromstring("""<html><body><article><h1>Ketamine Clinic in Phoenix, AZ</h1>
      <div><h4>Address</h4><p>Saguaro Ketamine Clinic – Phoenix Biltmore<br>2425 E Camelback Rd, Suite 450<br>
      Phoenix, AZ 85016</p></div></article></body></html>""")
    assert addressee(location) == "Saguaro Ketamine Clinic – Phoenix Biltmore"
    assert addressee(html.fromstring("<html><body><p>Jane Doe</p><p>1 Main St, Austin, TX 78701</p></body></html>")) == ""
    offices = html.fromstring("""<html><body><header><p>Minneapolis <a href="tel:6125550176">612-555-0176</a> ·
      St. Paul <a href="tel:6515550177">651-555-0177</a></p></header>
      <article><h1>Darnell Whitaker, LICSW</h1><p>Darnell sees clients at our Lowertown office, 651-555-0177.</p>
      <p>If you are in crisis, call 800-555-0100.</p></article>
      <footer><p>212 N 2nd St, Suite 300<br>Minneapolis, MN 55401<br>612-555-0176</p>
      <p>275 E 4th St, Suite 510<br>St. Paul, MN 55101<br>651-555-0177</p></footer></body></html>""")
    got = contact(offices)
    assert (got["phone"], got["address"]) == ("651-555-0177", "275 E 4th St, Suite 510, St. Paul, MN 55101")
    one_office = html.fromstring("""<html><body><header><a href="tel:6125550176">612-555-0176</a></header>
      <article><p>In crisis? Call 800-555-0100.</p></article></body></html>""")
    assert contact(one_office)["phone"] == "6125550176"   # a number in the text is no office line of the site


# The fourth set-aside group (tests/fixtures/zoo-blind4), measured once before it was read (0 of 5 shapes; 9 of
# 20 people found, none with the right name, city and phone) and then read.
ZOO_BLIND4 = ROOT / "tests" / "fixtures" / "zoo-blind4"
ZOO_BLIND4_SHAPES = ["sqsp-solo", "weebly-team", "drupal-staff", "kap-collective", "pt-profiles"]


@pytest.mark.parametrize("shape", ZOO_BLIND4_SHAPES)
def test_the_fourth_set_aside_shapes(tmp_path_factory, shape):
    """sqsp-solo: a Squarespace site whose structured data names only the practice and whose text says "I'm
    Lena Marchetti, LICSW". weebly-team: one team page of bios in sections, a bio with its own direct line,
    an intern. drupal-staff: a Views staff table (Name, Title, Location, Phone) with front desk, billing and
    an intern, offices named by city only. kap-collective: member cards placed by "Kingston, NY" alone, a
    credential of New York's (LCSW-R). pt-profiles: profiles whose address parts are spans by class."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND4, ZOO_BLIND4_SHAPES)[shape]
    _assert_people(exp, records, routes=shape in ("weebly-team", "drupal-staff"))


def test_places_people_and_staff_written_the_ways_small_sites_write_them():
    from lxml import html

    from crawler.cards import clinician
    from crawler.plainpage import address_line, page_regions, self_introduction

    assert address_line(html.fromstring("<div><h3>Ann Lee, LMHC</h3><p><strong>Kingston, NY</strong></p></div>")) \
        == "Kingston, NY"
    assert address_line(html.fromstring("<div><h3>Dr. Julian Asante, MD</h3><p>Call us</p></div>")) == ""  # not a town
    assert address_line(html.fromstring("<div><p>Reading, PA 19601</p></div>")) == "Reading, PA 19601"
    intro = html.fromstring("<html><body><main><p>Hi, I'm Lena.</p><p>I’m Lena Marchetti, LICSW, a licensed "
                            "clinical social worker.</p></main></body></html>")
    assert self_introduction(intro) == "Lena Marchetti, LICSW"
    assert self_introduction(html.fromstring("<html><body><main><p>I'm Happy To Help You</p></main></body></html>")) == ""
    footer = html.fromstring("<html><body><footer><p>2350 Washtenaw Ave, Suite 4, Ann Arbor, MI 48104</p>"
                             "<p>9 Main St, Brighton, MI 48116</p></footer></body></html>")
    assert page_regions(footer) == {"ann arbor": "MI", "brighton": "MI"}
    assert clinician({"name": "Samuel Achterberg, MD", "credentials": "Medical Director, Psychiatrist"})
    assert not clinician({"name": "Kayla Brooks", "credentials": "Front Desk Coordinator"})
    assert not clinician({"name": "Tom Nguyen", "credentials": "MSW Intern"})
    assert clinician({"name": "Marcus Oyelaran, LLP", "credentials": "Psychotherapist"})


# The fifth set-aside group (tests/fixtures/zoo-blind5), measured once before it was read (2 of 5 shapes; 13 of
# 21 people found, 11 with the right name, city and phone, 11 with the right routes) and then read.
ZOO_BLIND5 = ROOT / "tests" / "fixtures" / "zoo-blind5"
ZOO_BLIND5_SHAPES = ["member-archive", "group-offices", "squarespace-telehealth", "jane-booking"]


@pytest.mark.parametrize("shape", ZOO_BLIND5_SHAPES)
def test_the_fifth_set_aside_shapes(tmp_path_factory, shape):
    """member-archive: an association's "Find a member" archive of <li> entries whose classes carry each
    member's level ("member_level-clinical", "member_level-student") and whose city and state sit in
    "member-city" / "member-state" spans; a student and a bodywork business "supporting integration after
    ketamine therapy" are not providers. group-offices: profiles naming their offices ("Offices: Denver |
    Boulder") above a footer listing all three. squarespace-telehealth: a team page whose structured data is
    the practice's LocalBusiness, and bios that say "lozenge" without "ketamine". jane-booking: "clients who
    have completed three in-office sessions" may dose at home; that is no in-clinic oral dose."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND5, ZOO_BLIND5_SHAPES)[shape]
    _assert_people(exp, records, routes=True)


def test_list_entries_marked_with_their_taxonomy_terms_are_one_card_list():
    from lxml import html

    from crawler.cards import cards

    page = html.fromstring("""<html><body><main><div class="wrap"><ul class="dir">
      <li class="member post-1 hentry member_level-clinical"><h2>Ana Ruiz, LMHC</h2>
        <p><span class="member-city">Seattle</span>, <span class="member-state">WA</span></p></li>
      <li class="member post-2 hentry member_level-student"><h2>Jo Pell, MA</h2>
        <p><span class="member-city">Tacoma</span>, <span class="member-state">WA</span></p></li>
      <li class="member post-3 hentry member_level-clinical"><h2>Bo Lind, LMT</h2>
        <p><span class="member-city">Olympia</span>, <span class="member-state">WA</span></p></li>
    </ul></div><div class="wrap"><p>About the directory</p></div></main></body></html>""")
    rows = cards(page)
    assert [(r["name"], r["city"], r["region"]) for r in rows] == [
        ("Ana Ruiz, LMHC", "Seattle", "WA"), ("Jo Pell, MA", "Tacoma", "WA"), ("Bo Lind, LMT", "Olympia", "WA")]


def test_a_profile_names_its_office_among_the_practices_addresses():
    from lxml import html

    from crawler.plainpage import contact

    def page(label: str) -> str:
        return f"""<html><body><main><h1>Marcus Feld, LPC</h1><div>{label}</div></main>
          <aside><h3>Our offices</h3><p>1942 Broadway, Suite 305<br>Boulder, CO 80302</p>
          <p>700 E 17th Ave<br>Denver, CO 80203</p></aside></body></html>"""

    assert contact(html.fromstring(page("Offices: Denver | Boulder")))["address"].endswith("Denver, CO 80203")
    assert contact(html.fromstring(page("Location: Denver")))["address"].endswith("Denver, CO 80203")
    assert contact(html.fromstring(page("Specialties: grief")))["address"].endswith("Boulder, CO 80302")


def test_a_team_card_is_read_in_the_context_of_a_ketamine_practices_title():
    from crawler.cards import in_context

    title = "Our Team — Northstar Ketamine Therapy"
    rows = [{"name": "T. W.", "text": "You take your lozenge at home with Thomas on screen."},
            {"name": "L. B.", "text": "Massage and bodywork for integration."},
            {"name": "C. A.", "text": "Caleb prescribes ketamine tablets."}]
    got = in_context(rows, title)
    assert got[0]["text"].startswith(title)
    assert got[1:] == rows[1:]  # no route named, or ketamine already named: left alone
    assert in_context(rows, "Our Team — Northstar Therapy") == rows


# The sixth set-aside group (tests/fixtures/zoo-blind6), measured once before it was read (2 of 5 shapes; 10 of
# 23 people found, all 10 right; sources add unedited 1 of 5) and then read.
ZOO_BLIND6 = ROOT / "tests" / "fixtures" / "zoo-blind6"
ZOO_BLIND6_SHAPES = ["hubdb-locations", "elementor-location-tabs", "react-dataprops-hospital"]


@pytest.mark.parametrize("shape", ZOO_BLIND6_SHAPES)
def test_the_sixth_set_aside_shapes(tmp_path_factory, shape):
    """hubdb-locations: a HubSpot chain's location pages (every block a "widget" by class; the clinic named
    "… Clinic of Phoenix"; its own number under its address, the call centre's in the header; "IV infusions are
    not available at this location yet"). elementor-location-tabs: one tab per office, people as headings with a
    direct line under the office's heading and address, a practice manager among them. react-dataprops-hospital:
    providers as JSON in a React mount point's data-props (displayName, locations[0].city, bio; a nurse
    navigator beside them)."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND6, ZOO_BLIND6_SHAPES)[shape]
    _assert_people(exp, records, routes=True)


def test_practice_names_a_chain_gives_its_clinics():
    from crawler.plainpage import practice_name

    assert practice_name("Saguaro Ketamine Clinic of Phoenix") == "Saguaro Ketamine Clinic of Phoenix"
    assert practice_name("Treatment of Depression") == ""
    assert practice_name("IV Ketamine Therapy") == ""


def test_a_location_pages_own_number_before_the_headers():
    from lxml import html

    from crawler.plainpage import contact

    page = html.fromstring("""<html><body><header><p>Call <a href="tel:+16025550199">(602) 555-0199</a></p></header>
      <main><h1>Saguaro Ketamine Clinic of Tucson</h1><p>6500 E Broadway Blvd<br>Tucson, AZ 85710</p>
      <p><a href="tel:+15205550158">(520) 555-0158</a></p></main></body></html>""")
    assert contact(page)["phone"] == "+15205550158"


def test_people_written_as_headings_under_their_offices():
    from lxml import html

    from crawler.cards import sections

    page = html.fromstring("""<html><body><main><h1>Our Providers</h1>
      <div role="tabpanel"><h3>Overland Park Office</h3><p>4601 College Blvd, Suite 220<br>Overland Park, KS 66211
      <br>Main office: (913) 555-0162</p><hr><h4>Adaeze Whitcombe, MD</h4><p>Psychiatrist<br>Direct line:
      (913) 555-0127</p><p>She gives IV ketamine infusions.</p><hr><h4>Brenda Koehler</h4><p>Practice Manager</p>
      <p>Scheduling and billing.</p></div>
      <div role="tabpanel" hidden="hidden"><h3>Lawrence Office</h3><p>1000 Massachusetts St<br>Lawrence, KS 66044
      <br>Main office: (785) 555-0119</p><h4>Jolene Fairbanks, APRN</h4><p>She offers Spravato.</p></div>
      </main></body></html>""")
    rows = sections(page)
    assert [(r["name"], r["phone"], r["address"].split(", ")[-2]) for r in rows] == [
        ("Adaeze Whitcombe, MD", "(913) 555-0127", "Overland Park"),
        ("Jolene Fairbanks, APRN", "(785) 555-0119", "Lawrence")]
    twice = html.fromstring("""<html><body><main><div><h3>Ana Ruiz, MD</h3><p>Bio below.</p></div>
      <div><h3>Bo Lind, LCSW</h3><p>Bio below.</p></div><div class="modal"><h3>Ana Ruiz, MD</h3><p>Long bio.</p>
      </div></main></body></html>""")
    assert sections(twice) == []  # cards with their bios elsewhere: a team page's reading


def test_providers_hydrated_from_a_data_props_attribute():
    import json

    from lxml import html

    from crawler.cards import non_treating_role
    from crawler.jsonblobs import locations_in_page

    people = [{"id": "p1", "displayName": "Rebecca Thorsby, MD", "title": "Medical Director, Ketamine Service",
               "phone": "(608) 555-0121", "locations": [{"address1": "2410 University Ave", "city": "Madison",
                                                         "state": "WI", "zip": "53726"}], "bio": "<p>IV ketamine.</p>"},
              {"id": "p2", "displayName": "Tamsin Brightwater, RN", "title": "Nurse Navigator",
               "phone": "(608) 555-0195", "locations": [{"city": "Madison", "state": "WI"}], "bio": "<p>Intake.</p>"}]
    page = html.fromstring(f"""<html><body><div data-component="ProviderList"
      data-props='{json.dumps(people)}'></div></body></html>""")
    items, guess = locations_in_page(page)
    assert len(items) == 2
    assert {k: guess["fields"][k] for k in ("name", "city", "region", "phone", "text", "role")} == {
        "name": "displayName", "city": "locations.0.city", "region": "locations.0.state", "phone": "phone",
        "text": "bio", "role": "title"}
    assert non_treating_role("Nurse Navigator") and not non_treating_role("Medical Director, Ketamine Service")


# The seventh set-aside group (tests/fixtures/zoo-blind7), measured once before it was read (1 of 5 shapes; 9 of
# 17 people found and right; sources add unedited 0 of 5) and then read. Two of the faculty directory's four
# profiles stay unread: the learned layer takes their academic pages for no provider's (issue 13).
ZOO_BLIND7 = ROOT / "tests" / "fixtures" / "zoo-blind7"
ZOO_BLIND7_SHAPES = ["godaddy-clinic", "divi-wellness", "squarespace-summary", "finder-profiles"]


@pytest.mark.parametrize("shape", ZOO_BLIND7_SHAPES)
def test_the_seventh_set_aside_shapes(tmp_path_factory, shape):
    """godaddy-clinic: a clinic's one-page GoDaddy site (every section class="widget", a header marked
    role="main", a tagline for its heading, "Albuquerque, New Mexico 87109"). divi-wellness: Divi team members
    under "About Desert Bloom" on Desert Bloom Wellness & Infusion's site. squarespace-summary: bio posts, one
    of them the practice coordinator's ("Jess Albright, Practice Coordinator") under the practice's
    LocalBusiness; "clients who have finished an in-office series" may dose at home. finder-profiles: doctors'
    and other clinicians' profiles under two paths."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND7, ZOO_BLIND7_SHAPES)[shape]
    _assert_people(exp, records, routes=True)


def test_a_site_builders_page_is_read_whole():
    from lxml import html

    from crawler.pagetext import page_text

    page = html.fromstring("""<html><body><div role="main"><a>Call us</a></div>
      <div class="widget widget-about"><section><h2>About Us</h2><p>A physician-led clinic that treats depression
      with ketamine in Albuquerque, with a nurse at your side for every infusion.</p></section></div>
      <div class="widget widget-content"><section><h2>Our Treatments</h2><p>We offer IV ketamine infusions in our
      Albuquerque office, and Spravato in our treatment rooms.</p></section></div>
      <aside><div class="widget widget_recent_entries"><p>Recent posts</p></div></aside></body></html>""")
    text = page_text(page)
    assert "We offer IV ketamine infusions" in text and "## About Us" in text and "Recent posts" not in text


def test_addresses_with_the_state_spelled_out_and_names_that_are_the_site():
    from lxml import html

    from crawler.plainpage import ZIP_LINE, name_and_role, names_the_site, site_practice_name

    line = "5901 Jefferson Street Northeast, Suite 120, Albuquerque, New Mexico 87109, United States"
    assert ZIP_LINE.search(line).group().endswith("New Mexico 87109")
    page = html.fromstring("<html><head><title>About Us - Desert Bloom Wellness &amp; Infusion</title></head>"
                           "<body><h1>About Desert Bloom</h1></body></html>")
    assert names_the_site("Desert Bloom", page) and not names_the_site("Adrian Solis", page)
    bio = html.fromstring("<html><head><title>Benjamin Adeyemi, MD | Lakeshore University</title></head></html>")
    assert not names_the_site("Benjamin Adeyemi", bio)  # the page's own part of the title is the person
    solo = html.fromstring("<html><head><title>KAP in Bozeman | Maren Holloway, LCPC</title></head></html>")
    assert not names_the_site("Maren Holloway, LCPC", solo)  # a solo site named for its practitioner
    clinic = html.fromstring("<html><head><title>Sandia Ketamine Clinic | IV Ketamine Infusions in Albuquerque"
                             "</title></head></html>")
    assert site_practice_name(clinic) == "Sandia Ketamine Clinic"
    assert name_and_role("Jess Albright, Practice Coordinator") == ("Jess Albright", "Practice Coordinator")
    assert name_and_role("Marcus Feld, MD") == ("", "")



# The eighth set-aside group (tests/fixtures/zoo-blind8), measured once before it was read (1 of 5 shapes; 4 of
# 23 people found and right; sources add unedited 1 of 5, 4 of 23 right) and then read.
ZOO_BLIND8 = ROOT / "tests" / "fixtures" / "zoo-blind8"
ZOO_BLIND8_SHAPES = ["joomla-physicians-dl", "vue-spa-json", "word-referral-roster", "wp-multisite-chain", "sp-clinician-profiles"]


@pytest.mark.parametrize("shape", ZOO_BLIND8_SHAPES)
def test_the_eighth_set_aside_shapes(tmp_path_factory, shape):
    """joomla-physicians-dl: physicians in a <dl> (name in <dt>, bio in <dd> ending "Sees patients at: Oro
    Valley"), the offices as bold names over addresses in a sidebar, a practice manager among them.
    vue-spa-json: an empty Vue shell whose providers (firstName/lastName, locations[].address) come from the
    JSON file it preloads; a coordinator ("role": "staff") and a massage therapist beside them. word-referral-
    roster: a Word "Save as Web Page" table (bold <td> header, state rows across the table, a city cell spanning
    two people, "Name, CRED<br>Practice", a Contact column), trainees in a second table. wp-multisite-chain: one
    WordPress subsite per location whose Contact page is headed "Contact" and names the location above its street
    address. sp-clinician-profiles: SimplePractice-style profiles, an associate not yet providing KAP."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND8, ZOO_BLIND8_SHAPES)[shape]
    _assert_people(exp, records, routes=True)


def test_word_tables_spanning_rows_and_state_rows():
    """A Word export's roster: the header is a row of bold cells, a state row spans the table, a city cell spans
    two people's rows, and each provider cell holds the name then the practice."""
    import re

    from crawler.rosters import roster_rows

    page = """<html><body><table class=MsoTableGrid>
      <tr><td><b>City</b></td><td><b>Provider</b></td><td><b>Contact</b></td><td><b>KAP services</b></td></tr>
      <tr><td colspan=4><b>WESTERN WISCONSIN</b></td></tr>
      <tr><td rowspan=2>Eau Claire</td><td><b>Ada Lund</b>, LMFT<br><i>Lund Therapy</i></td>
          <td>715-555-0181 ada@lund.example.com</td><td>Lozenges in my office.</td></tr>
      <tr><td><b>Bo Kim</b>, MD<br><i>Chippewa Psychiatry</i></td><td>(715) 555-0182</td><td>IM ketamine.</td></tr>
      </table></body></html>"""
    rows = roster_rows(page)
    assert [(r["name"], r["city"], r.get("region"), r["phone"], r["practice"]) for r in rows] == [
        ("Ada Lund, LMFT", "Eau Claire", "WI", "715-555-0181", "Lund Therapy"),
        ("Bo Kim, MD", "Eau Claire", "WI", "(715) 555-0182", "Chippewa Psychiatry")]
    headless = re.sub(r"<tr><td><b>City</b>.*?</tr>", "", page, flags=re.S)
    assert roster_rows(headless) == []  # a first row of people's cells is no header


def test_a_definition_list_of_physicians_placed_by_their_office_line():
    from lxml import html

    from crawler.cards import team

    page = html.fromstring("""<html><body><main><dl class="physician-list">
      <dt><strong>Rafa Quin, MD</strong> - Medical Director</dt><dd><p>He trained in Tucson and gives IV ketamine.</p>
      <p><em>Sees patients at: Oro Valley</em></p></dd>
      <dt><strong>Hela March, DO</strong> - Anesthesiologist</dt><dd><p>IV ketamine at our Tucson East clinic.</p></dd>
      <dt><strong>Tess Molina</strong> - Practice Manager</dt><dd><p>Scheduling and billing.</p></dd></dl></main>
      <div id="aside"><p><strong>Tucson East</strong><br>5255 E Broadway Blvd<br>Tucson, AZ 85711<br>Phone: (520) 555-0121</p>
      <p><strong>Oro Valley</strong><br>10445 N Oracle Rd<br>Oro Valley, AZ 85737<br>Phone: (520) 555-0123</p></div>
      </body></html>""")
    people = {r["name"]: r for r in team(page, "https://x.example/")}
    assert set(people) == {"Rafa Quin, MD", "Hela March, DO"}  # the practice manager is not listed
    # "Tucson" in his bio names no office; his "Sees patients at:" line does
    assert people["Rafa Quin, MD"]["phone"] == "(520) 555-0123" and "IV ketamine" in people["Rafa Quin, MD"]["text"]
    assert people["Hela March, DO"]["phone"] == "(520) 555-0121"


def test_a_single_page_apps_preloaded_providers_file():
    from lxml import html

    from crawler.jsonblobs import STAFF_KIND, data_files, dig, guess_items

    shell = html.fromstring("""<html><head><link rel="preload" href="/assets/providers.json" as="fetch">
      <link rel="preload" href="/assets/app.css" as="style"><link rel="modulepreload" href="/assets/x.js"></head>
      <body><div id="app"></div></body></html>""")
    assert data_files(shell) == ["/assets/providers.json"]
    data = {"providers": [
        {"id": 1, "firstName": "Jonah", "lastName": "Whit", "title": "Psychiatrist", "role": "clinician",
         "services": ["IM ketamine"], "bio": ["He gives IM ketamine sessions in our Durham office, every week."],
         "locations": [{"address": {"street": "1 Erwin Rd", "city": "Durham", "state": "NC", "zip": "27705"},
                        "phone": "(919) 555-0161"}]},
        {"id": 2, "firstName": "Tasha", "lastName": "Greer", "title": "Coordinator", "role": "staff",
         "services": [], "bio": [], "locations": [{"address": {"city": "Durham", "state": "NC"}}]}]}
    fields = guess_items(data, located=True)["fields"]
    assert {k: fields[k] for k in ("name", "city", "phone", "text", "role")} == {
        "name": "firstName+lastName", "city": "locations.0.address.city", "phone": "locations.0.phone",
        "text": "services+bio", "role": "role"}
    first = data["providers"][0]
    assert dig(first, fields["name"]) == "Jonah Whit"
    assert dig(first, fields["text"]) == "IM ketamine\nHe gives IM ketamine sessions in our Durham office, every week."
    assert STAFF_KIND.match("staff") and not STAFF_KIND.match("clinician")


def test_a_location_page_named_by_the_site_above_its_address():
    from lxml import html

    from crawler.plainpage import addressee

    page = """<html><head><title>{title}</title></head><body><main>
      <h1>Contact</h1><p><strong>Kindred Mind Cleveland</strong><br>24100 Chagrin Blvd, Suite 310<br>
      Beachwood, OH 44122</p></main></body></html>"""
    assert addressee(html.fromstring(page.format(title="Contact – Kindred Mind Cleveland"))) == "Kindred Mind Cleveland"
    # a name that is neither a practice's nor the site's
    assert addressee(html.fromstring(page.format(title="Contact – Kindred Mind Centers"))) == ""


# The ninth set-aside group (tests/fixtures/zoo-blind9), measured once before it was read (0 of 5 shapes; 8 of
# 21 people found, none with the right city and phone; sources add unedited 0 of 5) and then read.
ZOO_BLIND9 = ROOT / "tests" / "fixtures" / "zoo-blind9"
ZOO_BLIND9_SHAPES = ["ghost-author-pages", "next-rsc-providers", "hugo-vcard-team", "google-sites-collective",
                     "kadence-faq-team"]


@pytest.mark.parametrize("shape", ZOO_BLIND9_SHAPES)
def test_the_ninth_set_aside_shapes(tmp_path_factory, shape):
    """ghost-author-pages: Ghost author pages (a Person in JSON-LD, no phone or address) on a practice's site
    whose footer line gives both; a practice manager and a guest writer have author pages too. next-rsc-providers:
    a Next.js App Router page whose providers are only a client component's props in the streamed payload
    (self.__next_f.push), "office": "Richmond, VA"; a coordinator with "role": "staff". hugo-vcard-team: cards
    with a phone but no address ("Psychiatrist · Boise office"), the offices as footer columns headed <h6>Boise</h6>.
    google-sites-collective: Google Sites tiles, the name bold by inline style, "Hale Counseling · Eugene, OR".
    kadence-faq-team: the team named only as "<p><strong>Name, CRED</strong> – role" paragraphs in an accordion
    pane, a coordinator among them, a drip bar upstairs."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND9, ZOO_BLIND9_SHAPES)[shape]
    _assert_people(exp, records, routes=True)


def test_next_app_router_flight_payload_props():
    import json

    from lxml import html

    from crawler.jsonblobs import flight_values, locations_in_page

    rows = ('0:["build",[["",{"children":["p",{}]}]]]\n'
            '7:I[8421,["972","static/chunks/972.js"],"ProviderDirectory"]\n'
            'a:["$","main",null,{"children":[["$","h1",null,{"children":"Our providers"}],["$","$L7",null,'
            '{"offices":[{"id":"rva","label":"Richmond"}],"providers":[{"firstName":"Ellis","lastName":"Varga",'
            '"role":"clinician","office":"Richmond, VA","phone":"(804) 555-0161","bio":["IV ketamine at our Richmond'
            ' clinic."]},{"firstName":"Bri","lastName":"Tate","role":"staff","office":"Richmond, VA"}]}]]}]\n')
    half = len(rows) // 2
    pushes = "".join(f"<script>self.__next_f.push({json.dumps([1, part])})</script>" for part in (rows[:half], rows[half:]))
    page = html.fromstring(f"<html><body><main><h1>Our providers</h1></main>"
                           f"<script>(self.__next_f=self.__next_f||[]).push([0])</script>{pushes}</body></html>")
    props = flight_values(page)
    assert [sorted(p) for p in props] == [["offices", "providers"]]  # the component's props, split over pushes
    items, guess = locations_in_page(page)
    assert len(items) == 2 and guess["fields"]["name"] == "firstName+lastName"
    assert guess["fields"]["address"] == "office" and guess["fields"]["role"] == "role"


def test_cards_placed_by_the_office_their_text_names():
    from lxml import html

    from crawler.cards import cards

    page = html.fromstring("""<html><body><main><div class="row">
      <div class="item"><h3>Lena Fair, MD</h3><p>Psychiatrist &middot; Boise office</p><a href="tel:+12085550163">x</a></div>
      <div class="item"><h3>Matt Ruiz, LMFT</h3><p>Therapist &middot; Meridian office</p><a href="tel:+12085550164">x</a></div>
      </div></main><footer><div class="row"><div class="col"><h5>The Practice</h5><p>Since 2021.</p></div>
      <div class="col"><h6>Boise</h6><p>1010 W Jefferson St<br>Boise, ID 83702</p></div>
      <div class="col"><h6>Meridian</h6><p>3150 N Eagle Rd<br>Meridian, ID 83646</p></div></div></footer></body></html>""")
    rows = {r["name"]: r for r in cards(page, "https://x.example/team/")}
    assert rows["Lena Fair, MD"]["address"].endswith("Boise, ID 83702")
    assert rows["Matt Ruiz, LMFT"]["address"].endswith("Meridian, ID 83646")


def test_google_sites_tiles_and_bold_paragraph_teams():
    from lxml import html

    from crawler.cards import cards, team
    from crawler.plainpage import address_line

    tiles = html.fromstring("""<html><body><main>
      <div class="tyJCtd"><p class="zfr3Q"><span style="font-weight: 700;">Juniper Hale, LCSW</span></p>
        <p class="zfr3Q"><span>Hale Counseling &middot; Eugene, OR</span></p><p class="zfr3Q"><span>Phone: 541-555-0166</span></p></div>
      <div class="tyJCtd"><p class="zfr3Q"><span style="font-weight:700">Wren Castle, LPC</span></p>
        <p class="zfr3Q"><span>Castle Therapy &middot; Corvallis, OR</span></p><p class="zfr3Q"><span>Phone: 541-555-0169</span></p></div>
      </main></body></html>""")
    assert [(r["name"], r["address"]) for r in cards(tiles)] == [("Juniper Hale, LCSW", "Eugene, OR"),
                                                                   ("Wren Castle, LPC", "Corvallis, OR")]
    assert address_line(html.fromstring("<div><p>Psychiatrist | Bend, OR 97701</p></div>")) == "Bend, OR 97701"
    assert address_line(html.fromstring("<div><p>Trained in Ohio · Dr. Jane Doe, MD</p></div>")) == ""
    pane = html.fromstring("""<html><body><main><p>Intro paragraph.</p><div class="faq"><div class="panel">
      <p>Our small team:</p>
      <p><strong>Dr. Hallie Brandt, MD</strong> &ndash; anesthesiologist; oversees each IV ketamine infusion.</p>
      <p><strong>Owen Tranberg, CRNA</strong> &ndash; places your IV and gives IM ketamine.</p>
      <p><strong>Maren Ostby, LCPC</strong> &ndash; sits with you through IM ketamine KAP sessions.</p>
      <p>When you call you will speak with <strong>Kelsey Durant</strong>, our patient care coordinator.</p>
      </div></div><p>Call (406) 555-0171.</p><p>321 E Main St, Bozeman, MT 59715</p></main></body></html>""")
    people = [r["name"] for r in team(pane)]
    assert people == ["Dr. Hallie Brandt, MD", "Owen Tranberg, CRNA", "Maren Ostby, LCPC"]


# The tenth set-aside group (tests/fixtures/zoo-blind10), measured once before it was read (1 of 4 shapes; 3 of
# 12 people found and right; sources add unedited 1 of 4) and then read. Wren Hollis's FAQ answer "No." to "Do you
# offer IV ketamine infusions?" is not yet read as a refusal (issue 13): her routes are not checked.
ZOO_BLIND10 = ROOT / "tests" / "fixtures" / "zoo-blind10"
ZOO_BLIND10_SHAPES = ["framer-solo", "shopify-providers", "duda-locations", "avada-flipbox-team"]


@pytest.mark.parametrize("shape", ZOO_BLIND10_SHAPES)
def test_the_tenth_set_aside_shapes(tmp_path_factory, shape):
    """framer-solo: a Framer one-page site whose <h1> is a tagline, titled "Wren Hollis, LCSW | …", phone as
    plain text in the footer. shopify-providers: a Shopify page of headings and paragraphs, "lozenges taken at
    home between in-clinic sessions". duda-locations: a Duda chain's clinics as <li> titled "Albuquerque, NM"
    with a bare "Call" button, a drip bar in the same town. avada-flipbox-team: Avada flip boxes, the offices in
    footer widget <section>s, and the theme's hidden author vcard of the page's WordPress user."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND10, ZOO_BLIND10_SHAPES)[shape]
    _assert_people(exp, records)  # framer-solo's FAQ "No." to IV is read since the tenth round's refit


def test_a_chains_clinics_titled_by_town_and_a_posts_byline():
    from lxml import html

    from crawler.cards import cards
    from crawler.plainpage import hcards

    page = html.fromstring("""<html><head><title>Locations | Turquoise Trail Ketamine Clinics</title></head><body>
      <main><ul class="defaultList">
      <li><p><span style="font-weight: bold;">Albuquerque, NM</span> (Heights)</p><p>7801 Academy Rd NE<br>Albuquerque, NM 87109</p>
          <a class="dmCall" href="tel:5055550135">Call</a></li>
      <li><p><span style="font-weight: bold;">Santa Fe, NM</span></p><p>2019 Galisteo St<br>Santa Fe, NM 87505</p>
          <a class="dmCall" href="tel:5055550136">Call</a></li>
      <li><p><span style="font-weight: bold;">Dr. Ana Ruiz, MD</span></p><p>1 Main St<br>Gallup, NM 87301</p>
          <a href="tel:5055550134">Call</a></li></ul></main></body></html>""")
    assert [r["name"] for r in cards(page)] == ["Turquoise Trail Ketamine Clinics Albuquerque",
                                                "Turquoise Trail Ketamine Clinics Santa Fe", "Dr. Ana Ruiz, MD"]
    byline = html.fromstring("""<html><body><span class="vcard rich-snippet-hidden"><span class="fn"><a href="/author/site-admin/"
      rel="author">site-admin</a></span></span><div class="h-card"><span class="p-name">Lena Ruiz, LPC</span>
      <span class="p-tel">(505) 555-0133</span></div></body></html>""")
    assert [r["name"] for r in hcards(byline)] == ["Lena Ruiz, LPC"]


# The eleventh set-aside group (tests/fixtures/zoo-blind11), measured once before it was read (1 of 4 shapes; 11 of
# 14 people found, 7 with the right city and phone, 9 with the right routes; the same by `sources add`).
ZOO_BLIND11 = ROOT / "tests" / "fixtures" / "zoo-blind11"
ZOO_BLIND11_SHAPES = ["carrd-onepage-kap", "beaver-uabb-providers", "squarespace-map-locations",
                      "tebra-microdata-providers"]


@pytest.mark.parametrize("shape", ZOO_BLIND11_SHAPES)
def test_the_eleventh_set_aside_shapes(tmp_path_factory, shape):
    """carrd-onepage-kap: a Carrd one-page practice, its team as image+text columns, an associate "currently
    enrolled" in a KAP certificate and "not yet offering ketamine sessions" (not published). beaver-uabb-providers:
    Beaver Builder team modules with credentials in a separate subtitle, a massage therapist and a front-office
    manager in the same module. squarespace-map-locations: a chain's clinic pages whose street address is only in
    the Map block's data-block-json, under the brand's site-wide LocalBusiness (a name, no address), headed
    "Sawtooth Ketamine Clinic – Boise". tebra-microdata-providers: schema.org/Physician microdata cards whose
    phone is only in a click-to-call button's data-phone."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND11, ZOO_BLIND11_SHAPES)[shape]
    _assert_people(exp, records)


def test_click_to_call_buttons_map_blocks_and_a_chains_town_pages():
    from lxml import html

    from crawler.plainpage import contact, practice_in_town, tel_link
    from crawler.structured import load_structured, practitioners

    card = html.fromstring("""<html><body><article itemscope itemtype="https://schema.org/Physician">
      <h2 itemprop="name">Lucas Ferrante, MD</h2><div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
      <span itemprop="addressLocality">Tucson</span>, <span itemprop="addressRegion">AZ</span></div>
      <button class="js-click-to-call" data-phone="(520) 555-0116">Call to Schedule</button></article>
      <button data-phone="ext. 12">Call</button></body></html>""")
    (person,) = practitioners(load_structured(card, "https://x.example/")[0])
    assert person["phone"] == "(520) 555-0116"
    assert tel_link(html.fromstring('<div><button data-phone="ext. 12">Call</button></div>')) == ""  # no number
    # a tel: link still comes first
    assert tel_link(html.fromstring('<div><button data-phone="(520) 555-0199">x</button>'
                                    '<a href="tel:5205550116">Call</a></div>')) == "5205550116"
    page = html.fromstring("""<html><body><main><h1>Sawtooth Ketamine Clinic – Boise</h1>
      <div class="sqs-block map-block sqs-block-map" data-block-json='{"location": {"addressTitle": "Boise",
       "addressLine1": "1110 W Jefferson St, Suite 310", "addressLine2": "Boise, ID, 83702"}}'></div>
      <a href="tel:2085550111">(208) 555-0111</a></main></body></html>""")
    assert contact(page) == {"phone": "2085550111", "address": "1110 W Jefferson St, Suite 310, Boise, ID 83702"}
    assert practice_in_town("Sawtooth Ketamine Clinic – Boise", "Sawtooth Ketamine Clinic", "Boise") \
        == "Sawtooth Ketamine Clinic – Boise"
    assert practice_in_town("Sawtooth Ketamine Clinic – IV Infusions", "Sawtooth Ketamine Clinic", "Boise") \
        == "Sawtooth Ketamine Clinic"


# The twelfth set-aside group (tests/fixtures/zoo-blind12), measured once before it was read (1 of 4 shapes; 6 of
# 12 people found, 5 with the right city and phone, 5 with the right routes, and one must-not-publish listing
# published: the practice's own LocalBusiness; the same by `sources add`).
ZOO_BLIND12 = ROOT / "tests" / "fixtures" / "zoo-blind12"
ZOO_BLIND12_SHAPES = ["astra-locations", "sqs-gallery-team", "drupal-clinicians", "jekyll-providers"]


@pytest.mark.parametrize("shape", ZOO_BLIND12_SHAPES)
def test_the_twelfth_set_aside_shapes(tmp_path_factory, shape):
    """astra-locations: an Astra/Elementor chain's Locations page, each clinic an icon-box (address over <br>
    lines, "Call:" as text) beside its own services text and map widget in one column, the brand only in the
    theme's Organization markup, and a hydration bar in the same markup that offers no ketamine. sqs-gallery-team:
    a Squarespace Gallery Section whose captions name the team, bio pages titled "Name — Practice" under the
    practice's site-wide LocalBusiness, a practice manager's bio and a noindex bio. drupal-clinicians: Paragraphs
    clinicians with a care coordinator among them. jekyll-providers: provider pages echoing front matter as a
    definition list ("Location: Bozeman, MT") on a site whose footer lists two offices."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND12, ZOO_BLIND12_SHAPES)[shape]
    _assert_people(exp, records, credentials=True)


def test_titles_after_the_site_columns_of_widgets_and_location_terms():
    from lxml import html

    from crawler.cards import cards
    from crawler.plainpage import contact, lead_part, with_credentials

    assert lead_part("Nora Lindahl — Casco Light Therapy Collective") == "Nora Lindahl"
    assert lead_part("Dr. Jane Doe | Bayou Clinic") == "Dr. Jane Doe"
    bio = html.fromstring("<html><body><h2>Stay in touch</h2><h2>Nora Lindahl, LCSW</h2><h4>KAP Guide</h4></body></html>")
    assert with_credentials("Nora Lindahl", bio) == "Nora Lindahl, LCSW"
    assert with_credentials("Ruth Okonkwo", bio) == "Ruth Okonkwo"  # nobody else's credentials
    # Elementor: each clinic's contact box, its services and its map are widgets of one column; the column is
    # the clinic's (its services are its text), a grid whose cards share one parent keeps each card's own text.
    column = """<div class="elementor-column elementor-col-33"><div class="elementor-widget-wrap">
      <div class="elementor-widget elementor-widget-icon-box"><h3 class="elementor-icon-box-title">{n}</h3>
      <p>{a}<br>Call: {p}</p></div>
      <div class="elementor-widget elementor-widget-text-editor"><p>{t}</p></div></div></div>"""
    page = html.fromstring("<html><body><main><section><div class='elementor-container'>" + "".join(
        column.format(n=n, a=a, p=p, t=t) for n, a, p, t in (
            ("Prairie Ketamine Norman", "1800 W Lindsey St, Norman, OK 73069", "405.555.0152", "IM ketamine in office."),
            ("Prairie Ketamine Tulsa", "1602 S Main St, Tulsa, OK 74119", "(918) 555-0129", "IV infusions here.")))
        + "</div></section></main></body></html>")
    assert [(r["name"], r["text"]) for r in cards(page)] == [("Prairie Ketamine Norman", "IM ketamine in office."),
                                                             ("Prairie Ketamine Tulsa", "IV infusions here.")]
    grid = html.fromstring("""<html><body><main><div class="grid">
      <div class="card"><h3>Ana Ruiz, LPC</h3><p>(505) 555-0133</p><p>Lozenges in office.</p></div>
      <div class="card"><h3>Ben Ode, MD</h3><p>(505) 555-0134</p><p>IV infusions.</p></div></div>
      <p>Our practice offers ketamine-assisted psychotherapy.</p></main></body></html>""")
    assert [r["text"] for r in cards(grid)] == ["Lozenges in office.", "IV infusions."]
    # a provider page's "Location" term names the office of the footer's two that is theirs
    profile = html.fromstring("""<html><body><main><h1>Jonah Whitfield, LCSW</h1><dl><dt>Role</dt><dd>Therapist</dd>
      <dt>Location</dt><dd>Bozeman, MT</dd><dt>Phone</dt><dd>(406) 555-0158</dd></dl></main>
      <footer><p>Missoula office<br>725 W Alder St<br>Missoula, MT 59802</p>
      <p>Bozeman office<br>12 N Willson Ave<br>Bozeman, MT 59715</p></footer></body></html>""")
    assert contact(profile)["address"] == "12 N Willson Ave, Bozeman, MT 59715"


ZOO_BLIND13 = ROOT / "tests" / "fixtures" / "zoo-blind13"
ZOO_BLIND13_SHAPES = ["gp-team-archive", "wix-studio-repeater", "webflow-location-jsonld", "hubspot-provider-accordion"]


@pytest.mark.parametrize("shape", ZOO_BLIND13_SHAPES)
def test_the_thirteenth_set_aside_shapes(tmp_path_factory, shape):
    """gp-team-archive: a GeneratePress team archive paged over /team/page/2/, one page per person whose fields say
    "Role:", "Sees patients at: Cleveland office" and "Appointments:" with that office's line, both offices' lines
    in a top bar and footer widgets written as plain <div>s, and a practice manager's page in the same layout.
    wix-studio-repeater: names only in repeater text spans, the office only in the footer. webflow-location-jsonld:
    one MedicalClinic per location page ("Available at this location"), an administrative office in the same
    markup, a clinic that sends infusion patients to "any of our Front Range clinics" and one whose at-home
    programme "stretches the time between infusions". hubspot-provider-accordion: each bio in the hidden panel its
    header's button controls, the city only as "Warwick office" matched to the footer's office blocks."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND13, ZOO_BLIND13_SHAPES)[shape]
    _assert_people(exp, records, credentials=True)


def test_accordion_panels_office_labels_and_role_fields():
    from lxml import html

    from crawler.cards import team
    from crawler.plainpage import contact, labelled_role

    # A provider accordion: the header names the person and their office, the panel it controls is their bio.
    item = """<div class="item"><h3><button aria-controls="p{i}"><span class="name">{n}</span>
      <span class="office">{o} office</span></button></h3><div id="p{i}" role="region" hidden><p>{b}</p></div></div>"""
    page = html.fromstring("<html><body><main><section>" + "".join(item.format(i=i, n=n, o=o, b=b) for i, n, o, b in (
        (1, "Ada Osei, MD", "Providence", "She gives IV ketamine; she also sees patients in Warwick."),
        (2, "Gwen Farris, PMHNP-BC", "Warwick", "Spravato in the Providence and Warwick offices."))) +
        """</section></main><footer><div><h4>Providence Office</h4><p>335 Westminster St<br>Providence, RI 02903<br>
        Tel: (401) 555-0125</p></div><div><h4>Warwick Office</h4><p>1350 Bald Hill Rd<br>Warwick, RI 02886<br>
        Tel: (401) 555-0153</p></div></footer></body></html>""")
    rows = {r["name"]: r for r in team(page)}
    assert "IV ketamine" in rows["Ada Osei, MD"]["text"] and "Spravato" in rows["Gwen Farris, PMHNP-BC"]["text"]
    # the office named first is theirs, whichever the footer lists first
    assert (rows["Gwen Farris, PMHNP-BC"]["phone"], rows["Ada Osei, MD"]["phone"]) == ("(401) 555-0153",
                                                                                     "(401) 555-0125")
    # A Bootstrap toggle opens its bio; a plain "#contact" link or an icon sprite opens nothing of the person's.
    from crawler.cards import _controlled

    links = html.fromstring("""<html><body><div id="c1"><h3>Ana Ruiz</h3><a href="#contact">Contact</a>
      <a data-bs-toggle="modal" href="#bio-ana">Read bio</a></div><div id="bio-ana"><p>Bio</p></div>
      <div id="contact"><p>(505) 555-0100</p></div><div id="c2"><h3>Ben Ode</h3><a href="#contact">Contact</a>
      <svg><use href="#pin"/></svg></div><svg><symbol id="pin"/></svg></body></html>""")
    assert _controlled(links.get_element_by_id("c1")).get("id") == "bio-ana"
    assert _controlled(links.get_element_by_id("c2")) is None
    # A profile's "Sees patients at: Cleveland office" and its appointment line, both offices in a top bar <div>
    profile = html.fromstring("""<html><body><div class="top-bar">Chattanooga <a href="tel:+14235550134">(423)
      555-0134</a> | Cleveland <a href="tel:+14235550167">(423) 555-0167</a></div><main><h1>Lena Whitcomb</h1>
      <ul><li>Role: Psychiatric Nurse Practitioner</li><li>Sees patients at: Cleveland office</li>
      <li>Appointments: (423) 555-0167</li></ul></main><div class="footer-widgets"><p>735 Broad St<br>Chattanooga, TN
      37402</p><p>2450 Keith St NW<br>Cleveland, TN 37311</p></div></body></html>""")
    assert contact(profile) == {"phone": "(423) 555-0167", "address": "2450 Keith St NW, Cleveland, TN 37311"}
    assert labelled_role(profile) == "Psychiatric Nurse Practitioner"
    assert labelled_role(html.fromstring("<html><body><main><p>Role: Practice Manager</p></main></body></html>")) \
        == "Practice Manager"


ZOO_BLIND14 = ROOT / "tests" / "fixtures" / "zoo-blind14"
ZOO_BLIND14_SHAPES = ["showit-team", "kajabi-feature-team", "acf-location-table", "maps-iframe-locations"]


@pytest.mark.parametrize("shape", ZOO_BLIND14_SHAPES)
def test_the_fourteenth_set_aside_shapes(tmp_path_factory, shape):
    """showit-team: Showit canvases, each person's only heading a tagline ("Meet Delphine"), the name in a text box
    styled as a title and the photo's alt text, the site header and footer canvases beside the people's, and the
    offices as a title box ("Asheville Office") over an address box. kajabi-feature-team: Feature blocks headed
    "Name, CREDS", the office only in the footer. acf-location-table: one WordPress page per clinic ("Magnolia Bend
    Ketamine – Jackson"), its fields in an ACF table whose "Treatments available" cell lists them over <br>s, and a
    clinic that sends "patients who want IV treatment" to its others. maps-iframe-locations: a Bootstrap theme whose
    <h1> is its logo and whose page title is an <h2> in the breadcrumbs."""
    exp, records = _zoo_group(tmp_path_factory, ZOO_BLIND14, ZOO_BLIND14_SHAPES)[shape]
    _assert_people(exp, records, credentials=True)


def test_logos_taglines_title_boxes_and_field_tables():
    from lxml import html

    from crawler.cards import _offices, team
    from crawler.pagetext import page_text
    from crawler.plainpage import page_heading, practice_name

    # a theme's logo <h1> (a link home, in the site header) is not the page's heading
    themed = html.fromstring("""<html><body><header><h1 class="logo"><a href="/">Prairie Lantern</a></h1></header>
      <main><section><h2>Prairie Lantern Ketamine – Wichita</h2></section><h3>Ketamine care</h3></main></body></html>""")
    assert page_heading(themed) == "Prairie Lantern Ketamine – Wichita"
    assert page_heading(html.fromstring("<html><body><h1>Ana Ruiz, LPC</h1></body></html>")) == "Ana Ruiz, LPC"
    assert page_heading(html.fromstring("<html><body><main><h2>x</h2></main></body></html>")) == ""
    # a brand named for the medicine is a practice; a service heading is not
    assert practice_name("Magnolia Bend Ketamine – Jackson") == "Magnolia Bend Ketamine"
    assert practice_name("IV Ketamine") == practice_name("At-Home Ketamine") == ""
    # a field table's cell listing values over <br>s is a list under its label
    table = html.fromstring("""<html><body><main><table><tr><th>Phone</th><td>(601) 555-0164</td></tr>
      <tr><th>Treatments available</th><td>IV ketamine infusions<br>Intramuscular (IM) ketamine</td></tr></table>
      </main></body></html>""")
    assert page_text(table).splitlines()[-3:] == ["Treatments available", "- IV ketamine infusions",
                                                  "- Intramuscular (IM) ketamine"]
    # Showit: canvases beside the site header and footer canvases; a tagline heading, the name in a title box
    # and the photo's alt; offices as a title box over an address box
    canvas = """<div class="sb sib-{k}"><div class="se"><h3>Meet {first}</h3></div><div class="se"><div class="st-d-title">
      {name}</div></div><div class="se"><noscript><img alt="{name}"></noscript></div><div class="se">{role}</div>
      <div class="se">Sees clients in our {town} office. {bio}</div></div>"""
    page = html.fromstring("<html><body><div id='site-header' class='sb sib-site-header'><a href='/'>Juniper</a></div>"
                           "<div class='sb sib-team-intro'><h1>Meet Our Team</h1><p>We are a small group.</p></div>"
                           + "".join(canvas.format(k=k, first=n.split()[0], name=n, role=r, town=t, bio=b) for k, n, r, t, b in (
                               ("a", "Delphine Okafor", "LCMHC | KAP Therapist", "Asheville", "Lozenge sessions."),
                               ("b", "Ingrid Solberg", "LMFT", "Weaverville", "Home sessions by video."),
                               ("c", "Posy Harrington", "Practice Manager", "Asheville", "Scheduling.")))
                           + """<div class="sb sib-cta"><h2>Is KAP right for you?</h2><a href="/#contact">Book</a></div>
      <div id="site-footer" class="sb sib-site-footer"><div class="se"><div>Asheville Office</div></div>
      <div class="se"><div>46 Haywood St<br>Asheville, NC 28801<br><a href="tel:8285550142">(828) 555-0142</a></div></div>
      <div class="se"><div>Weaverville Office</div></div><div class="se"><div>18 N Main St<br>Weaverville, NC 28787<br>
      <a href="tel:8285550161">(828) 555-0161</a></div></div></div></body></html>""")
    assert [o["place"] for o in _offices(page, "")] == ["Asheville", "Weaverville"]
    # the full name must hold a word of the tagline: another title-like line or a lone photo names no one
    from crawler.cards import _person_named

    other = html.fromstring("""<div><h4>Lily Brandt, LMT</h4><span class="practice-name">Still Water Bodywork</span>
      <img alt="Jane Holloway"></div>""")
    assert _person_named(other, "Lily Brandt, LMT") == "" and _person_named(other, "") == ""
    assert _person_named(html.fromstring('<div><h3>Meet Jane</h3><img alt="Jane Holloway"></div>'), "Meet Jane") \
        == "Jane Holloway"
    rows = {r["name"]: r for r in team(page)}
    assert set(rows) == {"Delphine Okafor", "Ingrid Solberg"}  # the practice manager is not listed
    assert rows["Ingrid Solberg"]["phone"] == "8285550161" and "Weaverville" in rows["Ingrid Solberg"]["address"]


# Every set-aside group, crawled together by `_set_aside_records`.
_SET_ASIDE = {ZOO_BLIND: ZOO_BLIND_SHAPES, ZOO_BLIND2: ZOO_BLIND2_SHAPES, ZOO_BLIND3: ZOO_BLIND3_SHAPES,
              ZOO_BLIND4: ZOO_BLIND4_SHAPES, ZOO_BLIND5: ZOO_BLIND5_SHAPES, ZOO_BLIND6: ZOO_BLIND6_SHAPES,
              ZOO_BLIND7: ZOO_BLIND7_SHAPES, ZOO_BLIND8: ZOO_BLIND8_SHAPES, ZOO_BLIND9: ZOO_BLIND9_SHAPES,
              ZOO_BLIND10: ZOO_BLIND10_SHAPES, ZOO_BLIND11: ZOO_BLIND11_SHAPES, ZOO_BLIND12: ZOO_BLIND12_SHAPES,
              ZOO_BLIND13: ZOO_BLIND13_SHAPES, ZOO_BLIND14: ZOO_BLIND14_SHAPES}


def test_the_set_aside_groups_share_no_one():
    """Crawled into one store, two shapes listing one person would merge into one record and each shape's test
    would see the other's fields. Helpers reused a few invented names across groups (Ingrid Solberg three times
    in Minneapolis), always with a different phone (or, with none, another city), and the merge rules keep same-named people with different
    phones apart (tests/test_lifecycle.py); one crawl of all groups gave every shape exactly the records its own
    group's crawl gave (compared field by field when the crawls were joined)."""
    import json

    seen: dict[str, str] = {}
    for folder, shapes in _SET_ASIDE.items():
        for shape in shapes:
            for p in json.loads((folder / shape / "expected.json").read_text())["practitioners"]:
                key = (name_key(p["name"]), p["phone"] or p["city"])
                assert seen.setdefault(key, shape) == shape, (p["name"], seen[key], shape)
