"""Search over the real crawled sample sites: exact result sets from the labels, facets, paging, sorting,
"did you mean", forgiving free text and 400s for every invalid parameter, through both the JSON API and
the HTML pages.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from kapdir.records import fold, name_key

# Keep people whose distance to the centre is within this of the radius out of the table: the labels give
# a ZIP centroid, the sites a street address, so the boundary itself is not a fair question.
BOUNDARY_MARGIN_MI = 2.0


def near(place: str, radius: float):
    def pred(p):
        d = p.miles_from(place)
        assert abs(d - radius) > BOUNDARY_MARGIN_MI, f"{p.name} is {d:.1f} mi from {place}: ambiguous at {radius}"
        return d <= radius
    return pred


def words(*ws: str):
    return lambda p: all(re.search(rf"\b{re.escape(w)}", p.text, re.IGNORECASE) for w in ws)


# (query string, predicate over a labelled Person). Each must match at least one person and miss at least one.
QUERIES = [
    ("city=LA", lambda p: p.city == "Los Angeles"),
    ("city=los+angeles", lambda p: p.city == "Los Angeles"),
    ("city=Los+%C3%81ngeles", lambda p: p.city == "Los Angeles"),
    ("city=santa+monica", lambda p: p.city == "Santa Monica"),
    ("city=SANTA%20MONICA", lambda p: p.city == "Santa Monica"),
    ("city=NYC", lambda p: p.city == "New York"),
    ("city=new+york", lambda p: p.city == "New York"),
    ("city=SF", lambda p: p.city == "San Francisco"),
    ("city=brooklyn", lambda p: p.city == "Brooklyn"),
    ("city=Portland%2C+OR", lambda p: p.city == "Portland" and p.region == "OR"),
    ("region=WA", lambda p: p.region == "WA"),
    ("region=colorado", lambda p: p.region == "CO"),
    ("near=90401&radius_mi=25", near("90401", 25)),
    ("near=90401", near("90401", 25)),  # 25 miles is the default radius
    ("near=90401&radius_mi=25&route=im&setting=in_clinic",
     lambda p: near("90401", 25)(p) and p.has_route("im", "in_clinic")),
    ("near=90401&radius_mi=10&route=iv", lambda p: near("90401", 10)(p) and p.has_route("iv")),
    ("near=Denver%2C+CO&radius_mi=10", near("Denver, CO", 10)),
    ("near=Denver&radius_mi=50&route=intranasal&setting=in_clinic",
     lambda p: near("Denver, CO", 50)(p) and p.has_route("intranasal", "in_clinic")),
    ("near=NYC&radius_mi=10", near("NYC", 10)),
    ("route=subcutaneous", lambda p: p.has_route("subcutaneous")),
    ("route=iv&setting=in_clinic&region=CA", lambda p: p.has_route("iv", "in_clinic") and p.region == "CA"),
    ("setting=at_home&region=OR", lambda p: any(s == "at_home" for _r, s in p.routes) and p.region == "OR"),
    ("city=Seattle&route=oral&setting=at_home", lambda p: p.city == "Seattle" and p.has_route("oral", "at_home")),
    ("certification=spravato-rems", lambda p: "spravato-rems" in p.programs),
    ("certification=fluence&certification=ktc", lambda p: p.programs & {"fluence", "ktc"}),
    ("certification=polaris&region=CA&route=iv", lambda p: "polaris" in p.programs and p.region == "CA"
     and p.has_route("iv")),
    ("q=Spravato", words("spravato")),
    ("q=spravato&city=Denver", lambda p: words("spravato")(p) and p.city == "Denver"),
    ("q=Lindqvist", lambda p: "lindqvist" in p.key),
    ("q=okonkwo", lambda p: "okonkwo" in p.key),
    ("q=North+Light", lambda p: "north light" in p.practice.lower()),
    ("q=Marsh&near=Santa+Monica%2C+CA", lambda p: "marsh" in p.key),
    # Issue 15: at home, a provider serving the state of `near` matches however far its office is (Evenstar,
    # Austin, serves Colorado); in a clinic, or with no setting, distance alone; Arizona is served by nobody.
    ("near=Denver%2C+CO&radius_mi=30&setting=at_home",
     lambda p: p.has_route_setting("at_home") and (near("Denver, CO", 30)(p) or "CO" in p.serves)),
    ("near=Denver%2C+CO&radius_mi=30&setting=in_clinic", lambda p: near("Denver, CO", 30)(p) and p.has_route_setting("in_clinic")),
    ("near=Portland%2C+OR&radius_mi=10&setting=at_home",
     lambda p: p.has_route_setting("at_home") and (near("Portland, OR", 10)(p) or "OR" in p.serves)),
    ("serves=OR", lambda p: "OR" in p.serves),
    ("serves=Washington&serves=TX", lambda p: p.serves & {"WA", "TX"}),
]


def _api(client, query: str) -> dict:
    r = client.get(f"/api/v1/search?{query}&per_page=100")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


@pytest.mark.parametrize("query, pred", QUERIES, ids=[q for q, _ in QUERIES])
def test_api_result_sets_are_exactly_the_labelled_ones(web_data, web_client, query, pred):
    want = {k for k, p in web_data.people.items() if pred(p)}
    assert want and len(want) < len(web_data.people), "a table row should split the sample"
    got = _api(web_client, query)
    assert {name_key(r["name"]) for r in got["results"]} == want
    assert got["total"] == len(want)


def test_at_home_from_an_unserved_state_finds_nobody_and_serves_is_a_facet(web_data, web_client):
    assert _api(web_client, "near=Phoenix%2C+AZ&setting=at_home")["total"] == 0
    got = _api(web_client, "setting=at_home")
    want: dict[str, int] = {}
    for p in web_data.people.values():
        if p.has_route_setting("at_home"):
            for state in p.serves:
                want[state] = want.get(state, 0) + 1
    assert want and got["facets"]["serves"] == dict(sorted(want.items(), key=lambda kv: (-kv[1], kv[0])))


def test_phones_read_as_people_write_them_and_dial_as_e164(web_client):
    rec = next(r for r in _api(web_client, "region=CA")["results"] if r["phone"].startswith("+1"))
    html = web_client.get(f"/practitioners/{rec['id']}").get_data(as_text=True)
    national = f"({rec['phone'][2:5]}) {rec['phone'][5:8]}-{rec['phone'][8:]}"
    assert f'href="tel:{rec["phone"]}">{national}</a>' in html


def test_a_provider_serving_from_afar_says_so_on_its_card(web_client):
    html = web_client.get("/search?near=Denver%2C+CO&radius_mi=30&setting=at_home").get_data(as_text=True)
    card = html[html.index(">Evenstar Telehealth Ketamine</a>"):]   # its card (the map above names it too)
    card = card[:card.index("</article>")]
    assert "Telehealth — serves Colorado" in card and "mi away" not in card.split("(office")[0]
    assert "ask how you are screened" in card  # the at-home note on every card with an at-home route


@pytest.mark.parametrize("query, pred", QUERIES[:8], ids=[q for q, _ in QUERIES[:8]])
def test_html_cards_are_the_same_set(web_data, web_client, query, pred):
    html = web_client.get(f"/search?{query}&per_page=100").get_data(as_text=True)
    ids = re.findall(r'<article class="card" data-id="([^"]+)"', html)
    api = _api(web_client, query)
    assert ids == [r["id"] for r in api["results"]]


def test_the_table_is_big_enough():
    assert len(QUERIES) >= 15


def test_distance_is_shown_and_sorted(web_client):
    got = _api(web_client, "near=Denver&radius_mi=50&sort=distance")
    dists = [r["distance_mi"] for r in got["results"]]
    assert len(dists) >= 3 and dists == sorted(dists) and all(0 <= d <= 50 for d in dists)
    assert got["near"]["radius_mi"] == 50 and got["near"]["place"].startswith("Denver")
    # Without `sort`, `near` orders by distance too; by name on request.
    assert [r["id"] for r in _api(web_client, "near=Denver&radius_mi=50")["results"]] == \
        [r["id"] for r in got["results"]]
    by_name = [r["name"] for r in _api(web_client, "near=Denver&radius_mi=50&sort=name")["results"]]
    assert by_name == sorted(by_name, key=fold)
    html = web_client.get("/search?near=Denver&radius_mi=50").get_data(as_text=True)
    assert f"{dists[0]:.1f} mi away" in html


def test_distance_mi_is_only_present_with_near(web_client):
    assert all("distance_mi" not in r for r in _api(web_client, "city=Denver")["results"])


def test_facets_count_the_whole_result_set(web_data, web_client):
    got = web_client.get("/api/v1/search?region=CA&per_page=1").get_json()
    ca = [p for p in web_data.people.values() if p.region == "CA"]
    assert got["total"] == len(ca) and len(got["results"]) == 1
    assert got["facets"]["route"]["iv"] == sum(p.has_route("iv") for p in ca)
    assert got["facets"]["route"]["oral"] == sum(p.has_route("oral") for p in ca)
    assert got["facets"]["certification"]["polaris"] == sum("polaris" in p.programs for p in ca)
    assert got["facets"]["city"] == {c: sum(p.city == c for p in ca) for c in {p.city for p in ca}}
    assert set(got["facets"]) == {"route", "setting", "city", "certification", "serves"}


def test_facets_with_near(web_data, web_client):
    got = _api(web_client, "near=90401&radius_mi=25")
    la = [p for p in web_data.people.values() if near("90401", 25)(p)]
    assert got["facets"]["city"] == {c: sum(p.city == c for p in la) for c in {p.city for p in la}}
    assert got["facets"]["route"]["iv"] == sum(p.has_route("iv") for p in la)


def test_facet_links_narrow_and_remove(web_client):
    html = web_client.get("/search?region=CA&route=iv").get_data(as_text=True)
    assert 'href="?region=CA&amp;route=iv&amp;route=oral"' in html  # add a route
    assert 'href="?region=CA" aria-current="true"' in html  # the chosen route link removes it


def test_pagination_is_stable_and_complete(web_data, web_client):
    seen = []
    for page in range(1, 6):
        got = web_client.get(f"/api/v1/search?per_page=10&page={page}").get_json()
        assert got["page"] == page and got["total"] == len(web_data.people)
        seen += [r["id"] for r in got["results"]]
    assert len(seen) == len(set(seen)) == len(web_data.people)
    assert web_client.get("/api/v1/search?per_page=10&page=99").get_json()["results"] == []
    html = web_client.get("/search?per_page=10&page=2").get_data(as_text=True)
    assert 'rel="next" href="?per_page=10&amp;page=3"' in html and 'rel="prev"' in html
    assert f"Page 2 of {(len(web_data.people) + 9) // 10}" in html


def test_pagination_with_near_is_complete(web_client):
    whole = [r["id"] for r in _api(web_client, "near=Denver&radius_mi=50")["results"]]
    pages = [r["id"] for pg in (1, 2, 3) for r in web_client.get(
        f"/api/v1/search?near=Denver&radius_mi=50&per_page=2&page={pg}").get_json()["results"]]
    assert pages == whole


def test_did_you_mean_for_a_misspelled_city(web_client):
    got = web_client.get("/api/v1/search?city=Seatle").get_json()
    assert got["total"] == 0 and got["did_you_mean"] == {"city": ["Seattle"]}
    html = web_client.get("/search?city=Seatle").get_data(as_text=True)
    assert 'Did you mean <a href="?city=Seattle">Seattle</a>?' in html
    assert "did_you_mean" not in web_client.get("/api/v1/search?city=Seattle").get_json()
    # A real city without listings is not "corrected" into a different one.
    assert "did_you_mean" not in web_client.get("/api/v1/search?city=Boston").get_json()


def test_misspelled_near_is_a_400_that_suggests(web_client):
    r = web_client.get("/api/v1/search?near=Santa+Moncia&route=iv")
    assert r.status_code == 400 and set(r.get_json()) == {"error"}
    assert "Santa Monica" in r.get_json()["error"]
    page = web_client.get("/search?near=Santa+Moncia&route=iv")
    assert page.status_code == 400
    assert '<a href="?route=iv&amp;near=Santa+Monica">Santa Monica</a>' in page.get_data(as_text=True)


NASTY_Q = ['"unbalanced', "unbalanced)", "((((", "AND OR NOT", "NOT", "OR", "*", "?", "name:Marsh",
           "city:Denver AND", "[a TO z]", "{x}", "~2", "Marsh^10", "\\", "'", '"', "-", "+", "&&", "||", "!",
           "x" * 200, "é" * 200, "ketamine " * 22, "Lucía", "😀 ketamine", "ケタミン", "\u200b", "<script>",
           "%00", "a*b?c", "/regex/", "NOT ketamine", "ketamine NOT", "(ketamine OR", "ketamine AND (iv OR"]


@pytest.mark.parametrize("q", NASTY_Q)
def test_nasty_free_text_never_errors(web_client, q):
    query = urlencode({"q": q})
    r = web_client.get(f"/api/v1/search?{query}")
    assert r.status_code == 200, (q, r.get_data(as_text=True))
    assert set(r.get_json()) >= {"total", "results", "facets"}
    assert web_client.get(f"/search?{query}").status_code == 200


def test_free_text_finds_accent_insensitively(web_client):
    a = {r["id"] for r in _api(web_client, "q=Lucia")["results"]}
    b = {r["id"] for r in _api(web_client, "q=LUC%C3%8DA")["results"]}
    assert a == b and len(a) == 1


def test_free_text_without_words_matches_everything(web_data, web_client):
    assert web_client.get("/api/v1/search?q=*").get_json()["total"] == len(web_data.people)


INVALID = [
    "route=teleport", "route=iv,teleport", "setting=outside", "setting=in_clinic&setting=at_home",
    "page=0", "page=-1", "page=1001", "page=x", "page=1.5", "page=1&page=2", "per_page=0", "per_page=101",
    "per_page=x", "per_page=99999999999999999999", "radius_mi=-1&near=90401", "radius_mi=0&near=90401",
    "radius_mi=501&near=90401", "radius_mi=nan&near=90401", "radius_mi=inf&near=90401", "radius_mi=abc",
    "near=Atlantis+Qqq", "near=00000", "certification=hogwarts", "region=Narnia", "region=ZZ",
    "sort=distance", "sort=random", "q=" + "x" * 201, "city=" + "y" * 101, "q=a&q=b", "city=a&city=b",
    "near=a&near=b", "q=%00", "city=%07bell", "near=a%0Db", "route=" + "&route=".join(["iv"] * 2 + ["x"]),
    "city=Portland%2C+OR&region=WA",
]


@pytest.mark.parametrize("query", INVALID)
def test_invalid_parameters_are_400_with_only_an_error(web_client, query):
    r = web_client.get(f"/api/v1/search?{query}")
    assert r.status_code == 400, query
    body = r.get_json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    csv = web_client.get(f"/api/v1/search.csv?{query}")
    assert csv.status_code == 400 and set(csv.get_json()) == {"error"}
    page = web_client.get(f"/search?{query}")
    assert page.status_code == 400
    assert 'role="alert"' in page.get_data(as_text=True)


def test_unknown_parameters_are_ignored(web_data, web_client):
    got = web_client.get("/api/v1/search?utm_source=x&foo=bar").get_json()
    assert got["total"] == len(web_data.people)
