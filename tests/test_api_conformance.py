"""The JSON API held to its own OpenAPI document by Schemathesis, with every check (issue 16).

The document is the one the app serves and the app is the real one from `create_app` over a real Whoosh index,
so a constraint the validator enforces but the document does not state (or states wrongly) fails the build:
Schemathesis sends requests the document calls valid and expects them answered, sends ones it calls invalid and
expects a refusal, sends methods no path declares and expects a 405 with `Allow`, and checks every status code,
header, content type and body against the document.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from werkzeug.datastructures import MultiDict

from index.search import MAX_RADIUS, ParamError, parse_params
from tests.conftest import UNREACHED_RATE_LIMIT, store_and_index
from webapp import create_app


def _listing(name, city, region, lat, lon, route, setting, serves=()):
    return {"kind": "directory", "via": "json-ld", "name": name, "practice": "", "credentials": ["MD"],
            "street": "1 Main St", "city": city, "region": region, "postal_code": "", "country": "US",
            "lat": lat, "lon": lon, "phone": "+13035550100", "website": "https://example.org/",
            "text": "ketamine-assisted psychotherapy", "roster_program": "",
            "routes": [{"route": route, "setting": setting, "evidence": f"We offer {route} ketamine."}],
            "offers_at_home": setting == "at_home", "certifications": [], "ketamine": True,
            "serves": [{"region": r, "evidence": f"Available by telehealth in {r}."} for r in serves]}


PEOPLE = [
    ("Ada Lindgren", "Denver", "CO", 39.7392, -104.9903, "im", "in_clinic", ()),
    ("Bo Castillo", "Santa Fe", "NM", 35.687, -105.9378, "oral", "at_home", ("NM", "CO")),
    ("Cy Okafor", "Los Angeles", "CA", 34.0522, -118.2437, "iv", "in_clinic", ()),
    ("Di Novak", "", "", None, None, "intranasal", "unspecified", ("UT",)),
]

# Every check Schemathesis has (its 14 registered ones, and the response-time limit, set far above any real
# answer so a busy CI machine cannot trip it), over its examples, coverage and fuzzing phases; its stateful
# phase follows links between operations, and this API declares none. Bounded and derandomized: the same cases
# on every run, in seconds.
CONFIG = {
    # Schemathesis's expected answers for its two data checks, plus 414 (a query string over 8 KB): the
    # document's own refusal of a request too long as a whole, which no one parameter's schema can state, like
    # the 429 the checks already allow.
    "checks": {"enabled": True, "max_response_time": 10.0,
               "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "414",
                                                                  "429", "5xx"]},
               "negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "406", "409",
                                                                 "414", "415", "422", "428", "429", "5xx"]}},
    "generation": {"mode": "all", "max-examples": 25, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
}

# `near` is "format": "place", a ZIP or a city the gazetteer knows (tens of thousands, folded and nicknamed),
# which no schema can list. A valid request's `near` is one of these: a ZIP, a city with and without its state,
# a nickname, white space around.
PLACES = ("90401", "Santa Monica, CA", "Denver", "87501", "NYC", "Portland, OR", "  los angeles  ",
          "Santa Fe, NM 87501")

# Built at import, not in a fixture: Schemathesis's lazy loader (`schemathesis.pytest.from_fixture`) reads
# `Item._nodeid`, which pytest 9 no longer has. Creating the app touches no file (the secret key is given and the
# index is opened on the first search), so the data dir is only filled, and removed, by the fixture below.
DATA = Path(tempfile.gettempdir()) / f"kapdir-conformance-{os.getpid()}-{uuid.uuid4().hex[:8]}"
APP = create_app({"TESTING": True, "DATA_DIR": str(DATA), "INDEX_DIR": str(DATA / "index"), "SECRET_KEY": "t",
                  "KAPDIR_RATE_LIMIT": UNREACHED_RATE_LIMIT})
# Every operation, the document's own included (Schemathesis leaves out the one it was loaded from unless a
# filter names it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=SchemathesisConfig.from_dict(CONFIG)
                                        ).include(path_regex="^/api/v1/")


@schema.hook
def filter_case(ctx, case):
    """The two rules between parameters that the document states in words but a schema cannot: `sort=distance`
    needs `near`, and a city written 'Portland, OR' may not contradict `region`. Requests breaking them get a
    documented 400; they are left out rather than counted as valid requests the API refuses."""
    def given(name):
        value = (case.query or {}).get(name)
        return value.strip() if isinstance(value, str) else value

    if isinstance(given("sort"), str) and given("sort").lower() == "distance" and not given("near"):
        return False
    return not (isinstance(given("city"), str) and "," in given("city") and given("region"))


@schema.hook
def map_case(ctx, case):
    """A valid request's `near` is a known place (PLACES), and its numbers are written as the document asks:
    Schemathesis writes the integer 30 as `30.0` (JSON Schema's integers include it) and a radius in Python's
    shortest form, up to 17 digits, where the API reads whole numbers in digits and a radius of at most 12
    characters, as the parameters' descriptions say. Values out of range are left alone: invalid stays invalid."""
    query = case.query
    if not isinstance(query, dict):
        return case
    near = query.get("near")
    if (case.meta is not None and case.meta.generation.mode.is_positive and isinstance(near, str)
            and near.strip() and near not in PLACES):
        query["near"] = PLACES[len(near) % len(PLACES)]
    for name in ("page", "per_page"):
        if isinstance(query.get(name), float) and query[name].is_integer():
            query[name] = int(query[name])
    radius = query.get("radius_mi")
    if isinstance(radius, float) and 0 < radius <= MAX_RADIUS:
        query["radius_mi"] = round(radius, 6) or 1e-06
    return case


@pytest.fixture(scope="module", autouse=True)
def records():
    DATA.mkdir()
    try:
        store_and_index(DATA, [_listing(*p) for p in PEOPLE])
        yield
    finally:
        shutil.rmtree(DATA, ignore_errors=True)


@schema.parametrize()
def test_the_api_conforms_to_its_document(case):
    case.call_and_validate()


# --- 405 and Allow --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/api/v1/search", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/api/v1/practitioners/x", {"GET", "HEAD", "OPTIONS"}),
    ("TRACE", "/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/search", {"GET", "HEAD", "OPTIONS"}),
    ("PATCH", "/admin/login", {"GET", "HEAD", "OPTIONS", "POST"}),
])
def test_a_405_names_the_allowed_methods(method, path, allowed):
    """RFC 9110 15.5.6: a 405 carries `Allow`, on the API (JSON error) and on the pages (the site's error page)."""
    r = APP.test_client().open(path, method=method)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed
    if path.startswith("/api/"):
        assert r.get_json() == {"error": "method not allowed"}
    else:
        assert "405: method not allowed" in r.get_data(as_text=True)
    options = APP.test_client().options(path)
    assert {m.strip() for m in options.headers["Allow"].split(",")} == allowed


# --- the document's constraints are the validator's -----------------------------------------------------------
# Schemathesis samples; these walk the edges of each constraint on both sides, so a limit changed in
# index.search without the document (or the other way round) fails here by name.

@pytest.fixture(scope="module")
def params() -> dict:
    """The search parameters' schemas by name ($refs resolved), each with its parameter's `allowEmptyValue`."""
    doc = APP.test_client().get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def resolve(s):
        return schemas[s["$ref"].rsplit("/", 1)[1]] if "$ref" in s else s

    out = {}
    for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]:
        s = resolve(p["schema"])
        out[p["name"]] = {**s, **({"items": resolve(s["items"])} if "items" in s else {}),
                          "allowEmptyValue": p.get("allowEmptyValue")}
    return out


def _accepted(**query) -> bool:
    try:
        parse_params(MultiDict(query))
    except ParamError:
        return False
    return True


def _error(**query) -> str:
    try:
        parse_params(MultiDict(query))
    except ParamError as exc:
        return str(exc)
    return ""


def _documented(schema: dict, value: str) -> bool:
    return re.search(schema["pattern"], value) is not None


TEXT_EDGES = ["", " ", "\n\t\u3000", "a", "a\tb", " a b ", "\x01", "a\x1fb", "\nab\n", "a\nb", "\x7f", "é"]


@pytest.mark.parametrize(("name", "limit"), [("q", 200), ("city", 100), ("near", 100)])
def test_text_parameters_say_what_the_validator_takes(params, name, limit):
    values = TEXT_EDGES + ["x" * limit, "x" * (limit + 1), f"  {'x' * limit}\n", f" {'x' * (limit - 1)}\x01"]
    for value in values:
        documented = _documented(params[name], value)
        if name == "near":  # the pattern bounds the text; whether it is a place is the gazetteer's
            accepted = _accepted(near=value) or "unknown place" in _error(near=value)
        else:
            accepted = _accepted(**{name: value})
        assert documented == accepted, (name, value)


def test_region_and_serves_patterns_are_the_spellings_read():
    """Every spelling the pattern admits is read, and what it refuses is refused, but for the spellings the
    `Region` description names: the validator folds accents and punctuation anywhere in a word, which a pattern
    of readable size cannot follow letter by letter."""
    from kapdir.places._text import _region_tables
    from kapdir.vocabulary import US_STATES

    doc = APP.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    spellings = set(_region_tables()[0])
    variants = {v for s in spellings for v in (s, s.upper(), s.title(), f" {s}. ", s.replace(" ", "-"), s + "x",
                                                "x" + s)}
    variants |= {"N.Y.", "Calif.", "D.C.", "New  York", "", "  ", "ZZ", "Nowhere", "New Yorkk", "N Y Y",
                 "X" * 61, "CA\x01"}
    folded_only = {"C A", "w v", "C A L", "Cal/if", "Ｃａ", "Québec", "new_york", "CA!"}
    for value in sorted(variants):
        assert _documented(doc["Region"], value) == _accepted(region=value), ("region", value)
        # serves: the US states and DC only, no territory or province; its control characters are separators
        if "\x01" not in value:
            assert _documented(doc["State"], value) == _accepted(serves=value), ("serves", value)
    for value in folded_only:
        assert _accepted(region=value) and not _documented(doc["Region"], value), value
        assert _accepted(serves=value) == (value not in ("Québec",)) and not _documented(doc["State"], value), value
    assert _accepted(serves="CA\x01") and _accepted(serves="CO, ut,,New Mexico")  # as its description says
    assert _accepted(region="Ontario") and not _accepted(serves="Ontario") and not _accepted(serves="PR")
    assert all(_documented(doc["State"], code) for code in US_STATES)


def test_enums_limits_and_defaults_are_the_validators(params):
    from index.search import MAX_PAGE, MAX_PER_PAGE, ROUTES, SETTINGS, SORTS
    from kapdir.reading import PROGRAMMES

    assert params["route"]["items"]["enum"] == list(ROUTES)
    assert params["setting"]["enum"] == list(SETTINGS)
    assert params["certification"]["items"]["enum"] == sorted(PROGRAMMES)
    assert params["sort"]["enum"] == list(SORTS)
    for name in ("route", "certification", "serves"):
        assert params[name]["maxItems"] == 50
        value = params[name]["items"].get("enum", ["CO"])[0]
        assert _accepted(**{name: [value] * 50})
        assert APP.test_client().get(f"/api/v1/search?{'&'.join([f'{name}={value}'] * 51)}").status_code == 400
    for name, low, high in (("page", 1, MAX_PAGE), ("per_page", 1, MAX_PER_PAGE)):
        assert (params[name]["minimum"], params[name]["maximum"]) == (low, high)
        assert _accepted(**{name: str(low)}) and _accepted(**{name: str(high)})
        assert not _accepted(**{name: str(low - 1)}) and not _accepted(**{name: str(high + 1)})
    radius = params["radius_mi"]
    assert (radius["exclusiveMinimum"], radius["maximum"], radius["default"]) == (0, MAX_RADIUS, 25)
    assert _accepted(radius_mi=f"{MAX_RADIUS:g}") and _accepted(radius_mi="0.001")
    assert not _accepted(radius_mi="0") and not _accepted(radius_mi=f"{MAX_RADIUS + 0.001:g}")
    assert _accepted(radius_mi="12.345678901") and not _accepted(radius_mi="12.3456789012")  # 12 characters
    assert parse_params(MultiDict()).radius_mi == radius["default"]
    # allowEmptyValue: an empty parameter is one left out
    assert all(p["allowEmptyValue"] for p in params.values())
    assert _accepted(**{name: "" for name in params}) and _accepted(**{name: " " for name in params})
