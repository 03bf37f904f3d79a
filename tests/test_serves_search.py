"""Where a provider serves, in the record, the index and the search (issue 15).

A Denver telehealth programme that treats patients at home across Colorado, Utah and New Mexico must be
found by someone near Albuquerque looking for at-home care, and only then: not by an in-clinic search
there, not from a state it does not serve. Everything runs through the real store, records and index.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from index.build import update_index
from index.reader import IndexReader
from index.search import ParamError, parse_params, search, search_reference
from kapdir import curation
from kapdir.store import Store
from tests.conftest import store_and_index

DENVER = (39.7392, -104.9903)
ALBUQUERQUE = (35.0844, -106.6504)


def _listing(name, city, region, lat, lon, routes, serves=(), at_home=None):
    return {"kind": "directory", "via": "json-ld", "name": name, "practice": "", "credentials": ["MD"],
            "street": "1 Main St", "city": city, "region": region, "postal_code": "", "country": "US",
            "lat": lat, "lon": lon, "phone": "", "website": "", "text": "", "roster_program": "",
            "routes": [{"route": r, "setting": s, "evidence": f"{r} {s}"} for r, s in routes],
            "offers_at_home": any(s == "at_home" for _r, s in routes) if at_home is None else at_home,
            "certifications": [], "ketamine": True,
            "serves": [{"region": r, "evidence": f"Available by telehealth in {r}."} for r in serves]}


PEOPLE = [
    # at home from Denver, serving CO, UT and NM
    ("Aster Telehealth", "Denver", "CO", *DENVER, [("oral", "at_home")], ("CO", "NM", "UT")),
    # at home from Denver, serving Colorado only
    ("Birch Home Ketamine", "Denver", "CO", *DENVER, [("oral", "at_home")], ("CO",)),
    # in clinic in Denver (its page also says it serves New Mexico patients who travel)
    ("Cedar Infusions", "Denver", "CO", *DENVER, [("iv", "in_clinic")], ("NM",)),
    # in clinic in Albuquerque
    ("Delta Clinic", "Albuquerque", "NM", *ALBUQUERQUE, [("im", "in_clinic")], ()),
    # at home in Albuquerque, no stated service area
    ("Elm Care", "Albuquerque", "NM", ALBUQUERQUE[0] + 0.01, ALBUQUERQUE[1], [("oral", "at_home")], ()),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = store_and_index(tmp_path_factory.mktemp("serves"), [_listing(*p) for p in PEOPLE])
    return d


def _names(data, **params):
    args = MultiDict([(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])])
    p = parse_params(args)
    with IndexReader(data / "index").searcher() as s:
        fast, ref = search(s, p), search_reference(s, p)
    assert fast["total"] == ref["total"] and fast["facets"] == ref["facets"]
    assert [r["id"] for r in fast["results"]] == [r["id"] for r in ref["results"]]
    return [r["name"] for r in fast["results"]], fast


def test_at_home_near_a_served_state_includes_providers_far_away(data):
    names, result = _names(data, near="Albuquerque, NM", setting="at_home")
    assert names == ["Elm Care", "Aster Telehealth"]  # Elm within 25 mi, then Aster by distance (~330 mi)
    assert result["near"]["region"] == "NM"
    aster = result["results"][1]
    assert aster["distance_mi"] > 300 and [s["region"] for s in aster["serves"]] == ["CO", "NM", "UT"]
    assert result["facets"]["serves"] == {"CO": 1, "NM": 1, "UT": 1}
    from kapdir.export import flatten

    assert flatten(aster)["serves"] == "CO;NM;UT"  # the CSV export's column


def test_in_clinic_near_there_is_distance_alone(data):
    names, _ = _names(data, near="Albuquerque, NM", setting="in_clinic")
    assert names == ["Delta Clinic"]  # Cedar serves NM on its page, but its doses are given in Denver


def test_no_setting_is_distance_alone_too(data):
    names, _ = _names(data, near="Albuquerque, NM")
    assert names == ["Delta Clinic", "Elm Care"]


def test_an_unserved_state_finds_no_far_away_provider(data):
    names, _ = _names(data, near="Phoenix, AZ", setting="at_home")
    assert names == []


def test_the_serves_filter_and_facet(data):
    names, result = _names(data, serves="NM")
    assert sorted(names) == ["Aster Telehealth", "Cedar Infusions"]
    assert result["facets"]["serves"] == {"NM": 2, "CO": 1, "UT": 1}
    names, _ = _names(data, serves=["Utah", "co"])
    assert sorted(names) == ["Aster Telehealth", "Birch Home Ketamine"]


@pytest.mark.parametrize("bad", ["Narnia", "Ontario", "ZZ"])
def test_a_serves_value_that_is_not_a_us_state_is_a_400(bad):
    with pytest.raises(ParamError, match="'serves' must be a US state"):
        parse_params(MultiDict([("serves", bad)]))


def test_curation_sets_and_clears_the_service_area(tmp_path, data):
    import shutil

    d = tmp_path / "c"
    shutil.copytree(data, d)
    with Store(d / "kapdir.sqlite3") as store:
        rid = next(r["id"] for r in store.conn.execute("SELECT id, data FROM records")
                   if "Birch" in r["data"])
        curation.set_field(store, rid, "serves", "Colorado, AZ", actor="t", reason="licence list on their site")
        update_index(store, d / "index")
        names, result = _names(d, near="Phoenix, AZ", setting="at_home")
        assert names == ["Birch Home Ketamine"]
        assert result["results"][0]["serves"] == [
            {"region": "AZ", "evidence": "licence list on their site", "source": "curator"},
            {"region": "CO", "evidence": "licence list on their site", "source": "curator"}]
        curation.set_field(store, rid, "serves", "", actor="t")
        update_index(store, d / "index")
        assert _names(d, near="Phoenix, AZ", setting="at_home")[0] == []
