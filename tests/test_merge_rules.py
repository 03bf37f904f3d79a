"""Entity resolution and the trust order (kapdir/records.py), pinned rule by rule.

A wrong merge shows a distressed reader the wrong clinician, so every threshold here has a case on each side
of it: moving a constant either way, or swapping the similarity measure, turns a test red. Everything runs
through the real Store on a SQLite file, as a crawl's merge step does (``assign_records`` then
``refresh_records``); only the pure rule function is also called directly where the store's indexed
candidate look-up would hide it.
"""

from __future__ import annotations

import re

import pytest
from rapidfuzz import fuzz

from kapdir import curation
from kapdir.names import name_key
from kapdir.records import KIND_PRIORITY, assign_records, refresh_records, same_practitioner
from kapdir.store import Store

PHONE = "+13035550100"      # one clinic line
OTHER_PHONE = "+13035550199"

# Name pairs chosen for where token_sort_ratio puts them; the first test proves the scores, so a change in
# the scorer or in name folding shows up there rather than as a puzzling merge failure further down.
AT_80 = ("Maria Lund", "Marta Lind")                           # 80.0 exactly
BELOW_80 = ("Catherine Castellanos", "Marguerite Castellanos")  # 79.07: two people, one surname
AT_95 = ("Maximilian Whitfield", "Maximilien Whitfield")        # 95.0 exactly
BELOW_95 = ("Maria Lund", "Mara Lund")                          # 94.74


def sim(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(name_key(a), name_key(b))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kapdir.sqlite3")
    yield s
    s.close()


_n = iter(range(10**6))


def put(store: Store, name: str, *, source: str = "dir", kind: str = "directory", status: str = "published",
        seen_at: str | None = None, **fields) -> str:
    """One listing as the crawl stores it, every field the normalise step would fill."""
    data = {"kind": kind, "via": "", "name": name, "practice": "", "credentials": [], "street": "", "city": "",
            "region": "", "postal_code": "", "country": "", "lat": None, "lon": None, "phone": "", "website": "",
            "text": "", "roster_program": "", "routes": [], "certifications": [], "serves": [],
            "offers_at_home": False, "ketamine": True, **fields}
    lid, _ = store.upsert_listing(source=source, url=f"https://{source}.example/p/{next(_n)}", key="", data=data,
                                  status=status, reason="" if status == "published" else "test", seen_at=seen_at)
    return lid


def resolve(store: Store, *lids: str) -> list[str]:
    """The crawl's merge step, in crawl order; returns each listing's record id."""
    refresh_records(store, assign_records(store, lids))
    return [store.listing(lid)["record_id"] for lid in lids]


# -- the scores the cases below rely on ------------------------------------------------------------------------

def test_the_name_pairs_sit_where_the_thresholds_are():
    assert sim(*AT_80) == 80.0
    assert 79 <= sim(*BELOW_80) < 80
    assert sim(*AT_95) == 95.0
    assert 94 <= sim(*BELOW_95) < 95


# -- a strong identifier plus close names: 80 (records.py:49, :51) --------------------------------------------

def test_a_shared_phone_joins_names_scoring_exactly_80(store):
    a, b = resolve(store, put(store, AT_80[0], phone=PHONE), put(store, AT_80[1], phone=PHONE))
    assert a == b


def test_colleagues_sharing_a_clinic_phone_and_address_stay_separate(store):
    """Issue 14: a team page gives every clinician the clinic's line and street; below 80 they are two people,
    even when they share a surname."""
    clinic = {"phone": PHONE, "street": "100 Main St", "city": "Denver", "region": "CO"}
    a, b = resolve(store, put(store, BELOW_80[0], **clinic), put(store, BELOW_80[1], **clinic))
    assert a != b
    assert (store.record(a)["name"], store.record(b)["name"]) == BELOW_80
    x, y = resolve(store, put(store, "Jonathan Whitfield", **clinic), put(store, "Ada Okafor", **clinic))
    assert x != y
    assert store.record(x)["name"] == "Jonathan Whitfield" and store.record(y)["name"] == "Ada Okafor"
    assert store.record(x)["phone"] == store.record(y)["phone"] == PHONE
    assert store.review_items() == []


def test_the_website_rule_joins_at_80_and_not_below():
    """The store finds candidates by phone or exact name key only, so this rule is checked on the function."""
    site = {"website": "https://lundtherapy.com/"}
    assert same_practitioner({"name": AT_80[0], **site}, {"name": AT_80[1], **site}) is True
    assert same_practitioner({"name": BELOW_80[0], **site}, {"name": BELOW_80[1], **site}) is False


def test_the_same_own_website_joins_one_name_across_cities_and_phones(store):
    """The site rule comes before the conflict check: the practitioner's own site outweighs differing phones."""
    a, b = resolve(store,
                   put(store, "Maria Lund", city="Denver", phone=PHONE, website="https://www.lundtherapy.com/"),
                   put(store, "Maria Lund", city="Boulder", phone=OTHER_PHONE, website="http://lundtherapy.com/bio"))
    assert a == b


def test_a_directorys_own_host_is_no_identifier(store):
    """Two profiles on one social or directory host say nothing about who is behind them."""
    a, b = resolve(store, put(store, "Maria Lund", city="Denver", website="https://www.facebook.com/marialund"),
                   put(store, "Maria Lund", city="Boulder", website="https://facebook.com/marialund"))
    assert a != b
    for host in ("instagram", "linkedin", "psychologytoday", "google", "yelp", "twitter", "x"):
        assert same_practitioner({"name": "Maria Lund", "website": f"https://www.{host}.com/m"},
                                 {"name": "Maria Lund", "website": f"https://{host}.com/m"}) is False, host


def test_the_same_name_in_different_cities_is_two_people(store):
    a, b = resolve(store, put(store, "Maria Lund", city="Denver"), put(store, "Maria Lund", city="Boulder"))
    assert a != b
    assert store.review_items() == []


# -- no identifier, same city: 95 (records.py:53) -------------------------------------------------------------

def test_names_scoring_exactly_95_in_one_city_join_and_just_below_do_not():
    """Checked on the function: the store only compares listings sharing a phone (where 80 decides first) or
    an exact name key (a score of 100), so no store path reaches a score between 95 and 100."""
    assert same_practitioner({"name": AT_95[0], "city": "Denver"}, {"name": AT_95[1], "city": "Denver"}) is True
    assert same_practitioner({"name": BELOW_95[0], "city": "Denver"},
                             {"name": BELOW_95[1], "city": "Denver"}) is False
    assert same_practitioner({"name": AT_95[0], "city": "Denver"}, {"name": AT_95[1]}) is False


def test_one_name_in_one_city_joins_without_any_identifier(store):
    a, b = resolve(store, put(store, "Maria Lund", city="Denver", phone=PHONE), put(store, "Maria Lund", city="Denver"))
    assert a == b
    assert store.review_items() == []


def test_the_city_is_compared_folded(store):
    a, b = resolve(store, put(store, "Maria Lund", city="Cañon City"), put(store, "Maria Lund", city="canon-city"))
    assert a == b


@pytest.mark.parametrize("one, other", [
    ({"phone": PHONE}, {"phone": OTHER_PHONE}),
    ({"website": "https://lundtherapy.com/"}, {"website": "https://lund-ketamine.com/"}),
])
def test_one_name_in_one_city_with_conflicting_identifiers_goes_to_a_human(store, one, other):
    a, b = resolve(store, put(store, "Maria Lund", city="Denver", **one),
                   put(store, "Maria Lund", city="Denver", **other))
    assert a != b
    (item,) = store.review_items()
    assert item["kind"] == "possible_duplicate"
    assert item["detail"]["why"] == "same name and city, but phone or website differ"
    assert sorted(item["subject"].split("|")) == sorted(store.listings(status="published")[i]["id"] for i in (0, 1))


def test_an_identifier_on_one_side_only_is_no_conflict(store):
    a, b = resolve(store, put(store, "Maria Lund", city="Denver", phone=PHONE),
                   put(store, "Maria Lund", city="Denver", website="https://lundtherapy.com/"))
    assert a == b
    assert store.review_items() == []


# -- how names are made comparable (names.py) ----------------------------------------------------------------

def test_titles_accents_case_and_word_order_do_not_tell_people_apart(store):
    """A title would cost "maria lund" 13 points against "dr maria lund": below 95, two cards."""
    a, b = resolve(store, put(store, "Dr. María Lund", city="Denver", phone=PHONE),
                   put(store, "MARIA LUND", city="Denver"))
    assert a == b
    (c,) = resolve(store, put(store, "Lund, Maria", phone=PHONE))
    assert c == a, "word order: token_sort_ratio, not plain ratio (50 for these)"


def test_a_listing_without_a_name_never_joins_even_on_a_shared_phone(store):
    a, b = resolve(store, put(store, "Maria Lund", phone=PHONE), put(store, "", phone=PHONE))
    assert a != b
    assert same_practitioner({"name": "Dr.", "phone": PHONE}, {"name": "", "phone": PHONE}) is False


# -- what the merge step leaves alone -------------------------------------------------------------------------

def test_a_split_pair_never_joins_again_nor_the_record_holding_either(store):
    first = put(store, "Maria Lund", phone=PHONE, city="Denver")
    twin = put(store, "Maria Lund", phone=PHONE, city="Denver", source="other")
    resolve(store, first, twin)
    rid = store.listing(first)["record_id"]
    assert store.listing(twin)["record_id"] == rid
    third = put(store, "Maria Lund", phone=PHONE, city="Denver", source="third")
    with store.tx() as c:
        store.add_no_merge(c, first, third)
    assert resolve(store, third)[0] != rid, "blocked by its pair with `first`, though it matches `twin` too"


def test_a_maintainers_split_survives_the_next_merge_step(store):
    a, b = put(store, "Maria Lund", phone=PHONE), put(store, "Maria Lund", phone=PHONE, source="other")
    rid = resolve(store, a, b)[0]
    curation.split(store, rid, actor="test")
    ra, rb = store.listing(a)["record_id"], store.listing(b)["record_id"]
    assert ra != rb
    with store.tx() as c:
        store.set_listing_record(c, b, None)  # as if its record were rebuilt from scratch
    assert resolve(store, b)[0] != ra


def test_a_listing_keeps_its_record_once_assigned(store):
    """Merges are decided when a listing first arrives; a later edit to a page does not move it."""
    a, b = resolve(store, put(store, "Maria Lund", phone=PHONE), put(store, "Ada Okafor", phone=OTHER_PHONE))
    moved = store.upsert_listing(source="dir", url=store.listings(record_id=b)[0]["url"], key="",
                                 data={**store.listings(record_id=b)[0]["data"], "name": "Maria Lund",
                                       "phone": PHONE}, status="published")[0]
    assert resolve(store, moved)[0] == b != a


def test_unpublished_listings_get_no_record_and_attract_none(store):
    rejected = put(store, "Maria Lund", phone=PHONE, status="rejected")
    assert resolve(store, rejected) == [None]
    published = put(store, "Maria Lund", phone=PHONE)
    (rid,) = resolve(store, published)
    assert rid and store.listing(rejected)["record_id"] is None


def test_the_same_person_at_two_practices(store):
    """Two clinics, two lines, two cities: nothing proves it is one person, so two cards (a missed merge is
    the lesser harm); her own website on both pages proves it, and the other clinic's line is kept."""
    a, b = resolve(store, put(store, "Maria Lund", kind="clinic", practice="Front Range KAP", city="Denver",
                              phone=PHONE),
                   put(store, "Maria Lund", kind="clinic", practice="Boulder Ketamine", city="Boulder",
                       phone=OTHER_PHONE))
    assert a != b
    site = "https://marialund.com/"
    c, d = resolve(store, put(store, "Ada Okafor", kind="clinic", practice="Front Range KAP", city="Denver",
                              phone=PHONE.replace("0100", "0300"), website=site, seen_at="2026-01-01T00:00:00Z"),
                   put(store, "Ada Okafor", kind="clinic", practice="Boulder Ketamine", city="Boulder",
                       phone=OTHER_PHONE.replace("0199", "0399"), website=site, seen_at="2026-02-01T00:00:00Z"))
    assert c == d
    rec = store.record(c)
    assert rec["practice"] == "Front Range KAP" and rec["phone"] == "+13035550300"
    assert rec["provenance"]["phone"]["others"] == ["+13035550399"]
    assert rec["provenance"]["practice"]["others"] == ["Boulder Ketamine"]


def test_a_new_record_id_is_the_name_slug_and_six_hex_digits(store):
    (rid,) = resolve(store, put(store, "Dr. María Lund-Øberg", phone=PHONE))
    assert re.fullmatch(r"dr-maria-lund-berg-[0-9a-f]{6}", rid)
    (long_rid,) = resolve(store, put(store, "A" * 60 + " Lund", phone=OTHER_PHONE))
    assert re.fullmatch(r"a{48}-[0-9a-f]{6}", long_rid)
    (nameless,) = resolve(store, put(store, "", phone=PHONE.replace("0100", "0500")))
    assert re.fullmatch(r"practitioner-[0-9a-f]{6}", nameless)


# -- the trust order: which listing's value a record shows (records.py:21-22, :108-110) ----------------------

def test_kind_priority_is_clinic_then_directory_then_roster():
    assert KIND_PRIORITY == {"clinic": 0, "directory": 1, "roster": 2}


def test_a_clinic_page_beats_a_directory_which_beats_a_roster(store):
    """Clinic and directory pages describe services; a roster only vouches for training. The roster was seen
    first and fills the most fields, so neither age nor completeness can explain the outcome."""
    site = "lundtherapy.com"
    roster = put(store, "MARIA LUND", kind="roster", source="roster", seen_at="2026-01-01T00:00:00Z",
                 phone="+13035550101", website=f"https://{site}/roster", practice="Roster Listing",
                 street="1 Roster Rd", city="Denver", region="CO", postal_code="80202", credentials=["LPC"])
    directory = put(store, "Maria Lund", kind="directory", source="dir", seen_at="2026-02-01T00:00:00Z",
                    phone="+13035550102", website=f"https://{site}/dir", practice="Directory Listing",
                    street="2 Directory St", city="Denver", region="CO", credentials=["LMFT"])
    clinic = put(store, "María Lund", kind="clinic", source="clinic", seen_at="2026-03-01T00:00:00Z",
                 phone="+13035550103", website=f"https://{site}/", practice="Clinic Listing",
                 street="3 Clinic Ave", city="Boulder", region="CO", credentials=["MD"])
    ids = resolve(store, roster, directory, clinic)
    assert len(set(ids)) == 1
    rec = store.record(ids[0])
    assert rec["name"] == "María Lund"
    assert (rec["phone"], rec["website"], rec["practice"]) == ("+13035550103", f"https://{site}/", "Clinic Listing")
    assert rec["address"]["street"] == "3 Clinic Ave" and rec["address"]["city"] == "Boulder"
    assert rec["credentials"] == ["MD", "LMFT", "LPC"]
    assert rec["provenance"]["phone"]["source"] == "clinic"
    assert rec["provenance"]["phone"]["others"] == ["+13035550102", "+13035550101"]


def test_a_directory_beats_a_roster(store):
    roster = put(store, "Maria Lund", kind="roster", source="roster", seen_at="2026-01-01T00:00:00Z",
                 phone=PHONE, practice="Roster Listing", city="Denver", street="1 Roster Rd", website="https://a.com/")
    directory = put(store, "Maria Lund", kind="directory", source="dir", seen_at="2026-02-01T00:00:00Z",
                    phone=PHONE, practice="Directory Listing")
    rec = store.record(resolve(store, roster, directory)[0])
    assert rec["practice"] == "Directory Listing"
    assert rec["provenance"]["practice"]["source"] == "dir"


def test_within_a_kind_the_fuller_listing_wins_then_the_older(store):
    older = put(store, "Maria Lund", source="a", seen_at="2026-01-01T00:00:00Z", phone=PHONE, practice="Older")
    fuller = put(store, "Maria Lund", source="b", seen_at="2026-02-01T00:00:00Z", phone=PHONE, practice="Fuller",
                 website="https://lundtherapy.com/")
    assert store.record(resolve(store, older, fuller)[0])["practice"] == "Fuller"
    first = put(store, "Ada Okafor", source="c", seen_at="2026-01-01T00:00:00Z", phone=OTHER_PHONE, practice="First")
    later = put(store, "Ada Okafor", source="d", seen_at="2026-02-01T00:00:00Z", phone=OTHER_PHONE, practice="Later")
    assert store.record(resolve(store, later, first)[0])["practice"] == "First"


def test_an_empty_value_falls_through_to_the_next_listing(store):
    clinic = put(store, "Maria Lund", kind="clinic", phone="", website="https://lundtherapy.com/", city="Denver")
    roster = put(store, "Maria Lund", kind="roster", source="roster", phone=PHONE, practice="Lund KAP",
                 city="Denver")
    rec = store.record(resolve(store, clinic, roster)[0])
    assert (rec["phone"], rec["practice"]) == (PHONE, "Lund KAP")
    assert rec["provenance"]["phone"]["source"] == "roster"


def test_the_address_comes_whole_from_the_first_listing_with_a_street(store):
    """Never a street from one page and a city from another: a mixed address can point to nobody's door."""
    clinic = put(store, "Maria Lund", kind="clinic", phone=PHONE, city="Boulder", region="CO", lat=40.015, lon=-105.27)
    directory = put(store, "Maria Lund", phone=PHONE, street="2 Main St", city="Denver", region="CO",
                    postal_code="80202", lat=39.7392358, lon=-104.9902519)
    rec = store.record(resolve(store, clinic, directory)[0])
    assert rec["address"] == {"street": "2 Main St", "city": "Denver", "region": "CO", "postal_code": "80202",
                              "country": "US"}
    assert rec["location"] == {"lat": 39.73924, "lon": -104.99025}
    assert rec["provenance"]["address"]["source"] == "dir"


def test_without_any_street_the_first_city_and_the_first_coordinates_serve(store):
    clinic = put(store, "Maria Lund", kind="clinic", phone=PHONE, city="Boulder", region="CO")
    directory = put(store, "Maria Lund", phone=PHONE, city="Denver", region="CO", lat=39.7, lon=-104.9)
    rec = store.record(resolve(store, clinic, directory)[0])
    assert rec["address"]["city"] == "Boulder"
    assert rec["location"] == {"lat": 39.7, "lon": -104.9}


def test_routes_and_training_keep_the_most_trusted_evidence(store):
    im_clinic = {"route": "im", "setting": "in_clinic", "evidence": "Clinic: IM ketamine in our suite."}
    clinic = put(store, "Maria Lund", kind="clinic", source="clinic", phone=PHONE, routes=[im_clinic],
                 certifications=[{"program": "fluence", "evidence": "Clinic says Fluence."}])
    directory = put(store, "Maria Lund", source="dir", phone=PHONE,
                    routes=[{"route": "im", "setting": "in_clinic", "evidence": "Directory: IM."},
                            {"route": "im", "setting": "unspecified", "evidence": "Directory: IM somewhere."},
                            {"route": "iv", "setting": "unspecified", "evidence": "Directory: IV."}],
                    certifications=[{"program": "fluence", "evidence": "Directory says Fluence."},
                                    {"program": "cip", "evidence": "Directory says CIP."}])
    rec = store.record(resolve(store, directory, clinic)[0])
    # im "unspecified" goes (im has a known setting); iv keeps its only one; vocabulary order, iv first.
    assert [(r["route"], r["setting"], r["source"]) for r in rec["routes"]] == [
        ("iv", "unspecified", "dir"), ("im", "in_clinic", "clinic")]
    assert {r["route"]: r["evidence"] for r in rec["routes"]}["im"] == im_clinic["evidence"]
    assert {c["program"]: c["source"] for c in rec["certifications"]} == {"cip": "dir", "fluence": "clinic"}


def test_a_maintainers_value_beats_every_source_and_survives_a_recrawl(store):
    lid = put(store, "Maria Lund", kind="clinic", phone=PHONE, source="clinic")
    (rid,) = resolve(store, lid)
    curation.set_field(store, rid, "phone", "(303) 555-0142", actor="maint", reason="called them")
    row = store.listing(lid)
    store.upsert_listing(source="clinic", url=row["url"], key="", data={**row["data"], "phone": OTHER_PHONE},
                         status="published")
    refresh_records(store, {rid})
    rec = store.record(rid)
    assert rec["phone"] == "+13035550142"
    assert rec["provenance"]["phone"] == {"source": "curator", "by": "maint", "at": rec["provenance"]["phone"]["at"]}
    curation.hide(store, rid, actor="maint", reason="asked")
    assert store.record(rid) is None and store.record(rid, published_only=False)["phone"] == "+13035550142"
