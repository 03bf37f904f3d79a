"""The facet links beside results: one rule for every facet, built in Python (webapp.pages.facet_groups)."""

from urllib.parse import parse_qs, urlencode

from werkzeug.datastructures import MultiDict

from index.search import parse_params
from webapp.pages import FACETS, facet_groups


def _groups(query: str, counts: dict):
    p = parse_params(MultiDict(parse_qs(query, keep_blank_values=True)))
    return {g["name"]: g for g in facet_groups(p, counts, lambda **o: "?" + urlencode(p.as_query(**o), doseq=True))}


def test_a_facet_value_turns_its_filter_on_and_off_and_the_page_starts_again():
    g = _groups("route=im&setting=in_clinic&page=3&certification=polaris",
                {"route": {"iv": 4, "im": 2}, "setting": {"in_clinic": 5, "at_home": 1}, "city": {"Denver": 3},
                 "certification": {"polaris": 2, "maps": 1}})
    iv, im = g["route"]["entries"]
    assert (iv["label"], iv["count"], iv["on"], im["on"]) == ("IV", 4, False, True)
    assert parse_qs(iv["href"][1:])["route"] == ["im", "iv"] and "page" not in parse_qs(iv["href"][1:])
    assert "route" not in parse_qs(im["href"][1:])                       # on: the link removes it
    home = g["setting"]["entries"][1]
    assert (home["label"], home["on"], parse_qs(home["href"][1:])["setting"]) == ("At home", False, ["at_home"])
    clinic = g["setting"]["entries"][0]
    assert clinic["on"] and "setting" not in parse_qs(clinic["href"][1:])
    polaris = g["certification"]["entries"][0]
    assert polaris["on"] and polaris["label"] != "polaris" and "certification" not in parse_qs(polaris["href"][1:])
    assert parse_qs(g["city"]["entries"][0]["href"][1:])["city"] == ["Denver"]


def test_facets_keep_their_order_and_empty_ones_are_left_out():
    g = facet_groups(parse_params(MultiDict()), {"city": {"Denver": 1}, "route": {"iv": 1}, "setting": {}},
                     lambda **o: "?")
    assert [x["name"] for x in g] == [n for n, _t in FACETS if n in ("route", "city")]
