"""Tests for kapdir.places against the real packaged gazetteers (no mocks)."""

from __future__ import annotations

import contextlib
import logging
import math
import statistics
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapdir.places import (
    Place,
    bbox,
    city_aliases,
    fold,
    geocode,
    haversine_mi,
    normalise_city,
    normalise_region,
    parse_address,
    resolve_place,
    suggest_cities,
    warm_up,
)
from kapdir.places import _gazetteer as gz

SANTA_MONICA = (34.02, -118.49)
AUSTIN = (30.27, -97.74)
BROOKLYN = (40.65, -73.95)
PORTLAND_OR = (45.52, -122.68)
PORTLAND_ME = (43.66, -70.26)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def near(got: tuple[float, float] | Place | None, want: tuple[float, float], miles: float = 5.0) -> bool:
    if got is None:
        return False
    lat, lon = (got.lat, got.lon) if isinstance(got, Place) else got
    return haversine_mi(lat, lon, *want) <= miles


# --- fold ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("São José ", "sao jose"),
        ("St. Louis", "Saint Louis"),
        ("ST LOUIS", "saint louis"),
        ("Ft. Lauderdale", "Fort Lauderdale"),
        ("Mt. Vernon", "mount vernon"),
        ("O'Fallon", "ofallon"),
        ("  Winston-Salem ", "winston salem"),
        ("L.A.", "la"),
        ("ＮＹＣ", "nyc"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
    ],
)
def test_fold_equivalences(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_shape() -> None:
    assert fold("São José ") == "sao jose"
    assert fold("") == ""
    assert fold("...'''") == ""
    assert fold(None) == ""  # type: ignore[arg-type]
    assert len(fold("a " * 100_000)) <= 2000


# --- regions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("California", "CA"), ("calif.", "CA"), ("ca", "CA"), ("CA", "CA"), (" Calif ", "CA"),
        ("new york", "NY"), ("N.Y.", "NY"), ("Texas", "TX"), ("Tex.", "TX"), ("Mass.", "MA"),
        ("District of Columbia", "DC"), ("D.C.", "DC"), ("Washington DC", "DC"), ("Washington", "WA"),
        ("W. Va.", "WV"), ("West Virginia", "WV"), ("N. Carolina", "NC"), ("Puerto Rico", "PR"),
        ("MT", "MT"), ("Montana", "MT"), ("Ontario", "ON"), ("Québec", "QC"), ("or", "OR"),
    ],
)
def test_normalise_region_known(raw: str, code: str) -> None:
    assert normalise_region(raw) == code


@pytest.mark.parametrize(("raw", "out"), [("  Narnia ", "Narnia"), ("", ""), ("ZZ", "ZZ"), ("   ", "")])
def test_normalise_region_unknown_returns_stripped(raw: str, out: str) -> None:
    assert normalise_region(raw) == out


# --- parse_address ------------------------------------------------------------------


def addr(street: str = "", city: str = "", region: str = "", postal_code: str = "", country: str = "") -> dict:
    return {"street": street, "city": city, "region": region, "postal_code": postal_code, "country": country}


ADDRESS_CASES = [
    ("1420 Ocean Ave, Suite 200, Santa Monica, CA 90401",
     addr("1420 Ocean Ave, Suite 200", "Santa Monica", "CA", "90401", "US")),
    ("Santa Monica, California", addr("", "Santa Monica", "CA", "", "US")),
    ("Portland OR 97205", addr("", "Portland", "OR", "97205", "US")),
    ("123 Main St\nAustin, TX 78701", addr("123 Main St", "Austin", "TX", "78701", "US")),
    ("Brooklyn, NY 11201, USA", addr("", "Brooklyn", "NY", "11201", "US")),
    ("Brooklyn NY 11201 USA", addr("", "Brooklyn", "NY", "11201", "US")),
    ("  1420   Ocean Ave ,  Ste. 200 ,\t Santa Monica ,  CA   90401  ",
     addr("1420 Ocean Ave, Ste. 200", "Santa Monica", "CA", "90401", "US")),
    ("1420 Ocean Ave Ste 200 Santa Monica CA 90401",
     addr("1420 Ocean Ave Ste 200", "Santa Monica", "CA", "90401", "US")),
    ("123 Main St Austin TX 78701", addr("123 Main St", "Austin", "TX", "78701", "US")),
    ("Jane Doe, LMFT\n123 Main St\nAustin, TX 78701", addr("123 Main St", "Austin", "TX", "78701", "US")),
    ("500 5th Ave, New York, NY 10110", addr("500 5th Ave", "New York", "NY", "10110", "US")),
    ("123 Broadway, New York", addr("123 Broadway", "New York", "NY", "", "US")),
    ("1600 Pennsylvania Ave NW, Washington, D.C. 20500",
     addr("1600 Pennsylvania Ave NW", "Washington", "DC", "20500", "US")),
    ("1600 Pennsylvania Ave NW Washington DC 20500",
     addr("1600 Pennsylvania Ave NW", "Washington", "DC", "20500", "US")),
    ("PO Box 123, Boulder, CO 80302", addr("PO Box 123", "Boulder", "CO", "80302", "US")),
    ("P.O. Box 55\r\nSedona AZ 86336", addr("P.O. Box 55", "Sedona", "AZ", "86336", "US")),
    ("55 Elm Street, Apt 4B, Burlington, Vermont 05401-1234",
     addr("55 Elm Street, Apt 4B", "Burlington", "VT", "05401-1234", "US")),
    ("Los Angeles, Calif. 90012", addr("", "Los Angeles", "CA", "90012", "US")),
    ("Kansas City, Missouri", addr("", "Kansas City", "MO", "", "US")),
    ("Delaware, OH 43015", addr("", "Delaware", "OH", "43015", "US")),
    ("2200 Market St #300\nSan Francisco CA 94114",
     addr("2200 Market St #300", "San Francisco", "CA", "94114", "US")),
    ("Suite 5, 100 Main Street, Portland, ME 04101",
     addr("Suite 5, 100 Main Street", "Portland", "ME", "04101", "US")),
    ("100 Congress Ave., Suite 2000, Austin, Texas, 78701",
     addr("100 Congress Ave., Suite 2000", "Austin", "TX", "78701", "US")),
    ("Address: 77 Massachusetts Ave, Cambridge, MA 02139",
     addr("77 Massachusetts Ave", "Cambridge", "MA", "02139", "US")),
    ("St. Louis, MO 63101", addr("", "St. Louis", "MO", "63101", "US")),
    ("1 Main St, Saint Paul MN", addr("1 Main St", "Saint Paul", "MN", "", "US")),
    ("Ｓａｎｔａ Ｍｏｎｉｃａ, ＣＡ ９０４０１", addr("", "Santa Monica", "CA", "90401", "US")),
    ("San Juan, PR 00901", addr("", "San Juan", "PR", "00901", "US")),
    ("Boulder, CO, 80302, United States", addr("", "Boulder", "CO", "80302", "US")),
    # A ZIP alone vouches for the city and state.
    ("90401", addr("", "Santa Monica", "CA", "90401", "US")),
    ("1420 Ocean Ave, 90401", addr("1420 Ocean Ave", "Santa Monica", "CA", "90401", "US")),
    ("1420 Ocean Ave, Santa Monica", addr("1420 Ocean Ave", "Santa Monica")),
    ("Santa Monica", addr(city="Santa Monica")),
    # Nothing address-like: kept verbatim rather than invented into a city.
    ("Online only", addr(street="Online only")),
    ("Call me", addr(street="Call me")),
    ("Telehealth across California", addr("Telehealth across", "", "CA", "", "US")),
    ("123 Main St NE", addr(street="123 Main St NE")),
    ("Toronto, ON M5V 2T6, Canada", addr("", "Toronto", "ON", "M5V 2T6", "CA")),
    ("Paris, France", addr(city="Paris", country="FR")),
    ("", addr()),
    ("\x00\x07\u202e\u200b\ufeff", addr()),
    ("1420 Ocean\x00Ave,\u00a0Santa Monica,\u2028CA 90401",
     addr("1420 Ocean Ave", "Santa Monica", "CA", "90401", "US")),
]


@pytest.mark.parametrize(("text", "want"), ADDRESS_CASES, ids=[c[0][:40] for c in ADDRESS_CASES])
def test_parse_address(text: str, want: dict) -> None:
    assert parse_address(text) == want


def test_parse_address_caps_huge_input() -> None:
    t = time.perf_counter()
    out = parse_address("1420 Ocean Ave, Santa Monica, CA 90401" + " " * 1_000_000 + "junk")
    assert time.perf_counter() - t < 0.5
    assert out == addr("1420 Ocean Ave", "Santa Monica", "CA", "90401", "US")
    # Only the first 500 characters count.
    out = parse_address("x" * 600 + ", Santa Monica, CA 90401")
    assert out["city"] == "" and out["postal_code"] == ""


# --- geocode ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "want"),
    [
        ({"postal_code": "90401"}, SANTA_MONICA),
        ({"postal_code": "78701"}, AUSTIN),
        ({"postal_code": "78701-1234"}, AUSTIN),
        ({"postal_code": " 11201 "}, BROOKLYN),
        ({"postal_code": "97205"}, PORTLAND_OR),
        ({"postal_code": "04101"}, PORTLAND_ME),
        ({"city": "Santa Monica", "region": "CA"}, SANTA_MONICA),
        ({"city": "santa monica", "region": "California"}, SANTA_MONICA),
        ({"city": "Austin", "region": "TX"}, AUSTIN),
        ({"city": "Austin", "region": "Texas"}, AUSTIN),
        ({"city": "Brooklyn", "region": "NY"}, BROOKLYN),
        ({"city": "Portland", "region": "OR"}, PORTLAND_OR),
        ({"city": "Portland", "region": "ME"}, PORTLAND_ME),
        ({"city": "Portland"}, PORTLAND_OR),
        ({"city": "Saint Louis", "region": "MO"}, (38.63, -90.20)),
        ({"city": "Ojai", "region": "CA"}, (34.45, -119.24)),
        # ZIP wins over a contradicting city.
        ({"city": "Austin", "region": "TX", "postal_code": "90401"}, SANTA_MONICA),
        # Unknown ZIP falls back to the city.
        ({"city": "Austin", "region": "TX", "postal_code": "00000"}, AUSTIN),
        ({"city": "Santa Monica, CA"}, SANTA_MONICA),
    ],
)
def test_geocode_known(kwargs: dict, want: tuple[float, float]) -> None:
    assert near(geocode(**kwargs), want)


def test_geocode_small_town_from_zip_index() -> None:
    # Below geonames' population cut-off; found through the USPS city names.
    assert near(geocode("Big Sur", "CA"), (36.27, -121.81), miles=25)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"city": "Nowhereville", "region": "CA"},
        {"city": "Portland", "region": "CA"},
        {"city": "London", "region": "England"},
        {"region": "CA"},
        {"postal_code": "00000"},
    ],
)
def test_geocode_unknown(kwargs: dict) -> None:
    assert geocode(**kwargs) is None


# --- resolve_place / normalise_city / aliases -----------------------------------------


@pytest.mark.parametrize(
    ("q", "city", "region", "kind"),
    [
        ("Los Angeles, CA", "Los Angeles", "CA", "city"),
        ("los angeles", "Los Angeles", "CA", "city"),
        ("90401", "Santa Monica", "CA", "zip"),
        ("Santa Monica CA", "Santa Monica", "CA", "city"),
        ("santa monica, ca 90401", "Santa Monica", "CA", "zip"),
        ("LA", "Los Angeles", "CA", "city"),
        ("L.A.", "Los Angeles", "CA", "city"),
        ("NYC", "New York City", "NY", "city"),
        ("new york city", "New York City", "NY", "city"),
        ("New York", "New York City", "NY", "city"),
        ("New York, NY", "New York City", "NY", "city"),
        ("SF", "San Francisco", "CA", "city"),
        ("Philly", "Philadelphia", "PA", "city"),
        ("DC", "Washington", "DC", "city"),
        ("Washington, D.C.", "Washington", "DC", "city"),
        ("St Louis", "St. Louis", "MO", "city"),
        ("saint louis", "St. Louis", "MO", "city"),
        ("Brooklyn", "Brooklyn", "NY", "city"),
        ("Portland, OR", "Portland", "OR", "city"),
        ("Portland, ME", "Portland", "ME", "city"),
        ("portland me", "Portland", "ME", "city"),
        ("Portland", "Portland", "OR", "city"),
        ("Kansas City", "Kansas City", "MO", "city"),
        ("Ft Lauderdale", "Fort Lauderdale", "FL", "city"),
        ("Austin, Texas, USA", "Austin", "TX", "city"),
    ],
)
def test_resolve_place(q: str, city: str, region: str, kind: str) -> None:
    p = resolve_place(q)
    assert p is not None
    assert (p.city, p.region, p.kind) == (city, region, kind)
    assert -90 <= p.lat <= 90 and -180 <= p.lon <= 180


def test_resolve_place_coordinates() -> None:
    assert near(resolve_place("Portland, OR"), PORTLAND_OR)
    assert near(resolve_place("Portland, ME"), PORTLAND_ME)
    assert near(resolve_place("Brooklyn"), BROOKLYN)
    assert near(resolve_place("90401"), SANTA_MONICA)
    p = resolve_place("90401")
    assert p is not None and p.postal_code == "90401" and p.label == "Santa Monica, CA 90401"


def test_place_is_frozen() -> None:
    p = resolve_place("Austin, TX")
    assert p is not None
    with pytest.raises(AttributeError):
        p.city = "Elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize("q", ["", "   ", "São Paulo", "Oregon", "CA", "Portland, CA", "00000", "asdkjhasd"])
def test_resolve_place_none(q: str) -> None:
    assert resolve_place(q) is None


@pytest.mark.parametrize(
    ("city", "region", "want"),
    [
        ("los angeles", "", "Los Angeles"),
        ("LA", "", "Los Angeles"),
        ("L.A.", "CA", "Los Angeles"),
        ("new york", "", "New York City"),
        ("NYC", "", "New York City"),
        ("new york city", "NY", "New York City"),
        ("saint louis", "MO", "St. Louis"),
        ("SAN FRANCISCO", "", "San Francisco"),
        ("brooklyn", "NY", "Brooklyn"),
        ("falmouth", "ME", "Falmouth"),  # a real town, not Portland's historical name
        ("zzyzx springs", "", "Zzyzx Springs"),
        ("McSomewhere", "", "McSomewhere"),
        ("  ", "", ""),
    ],
)
def test_normalise_city(city: str, region: str, want: str) -> None:
    assert normalise_city(city, region) == want


def test_city_aliases_resolve_to_gazetteer_cities() -> None:
    aliases = city_aliases()
    assert aliases["la"] == "Los Angeles"
    assert aliases["nyc"] == "New York City"
    assert aliases["sf"] == "San Francisco"
    assert aliases["philly"] == "Philadelphia"
    assert aliases["dc"] == "Washington"
    g = gz.gazetteer()
    for alias, (city, region) in g.aliases.items():
        assert alias == fold(alias)
        hits = [c for c in g.primary.get(fold(city), ()) if c.region == region]
        assert hits, f"alias {alias!r} -> {city}, {region} is not a geonames city"
    aliases["la"] = "changed"
    assert city_aliases()["la"] == "Los Angeles"


# --- suggestions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "best"),
    [
        ("Los Angelas", "Los Angeles"),
        ("San Fransisco", "San Francisco"),
        ("Pheonix", "Phoenix"),
        ("Seatle", "Seattle"),
        ("Philidelphia", "Philadelphia"),
        ("Albequerque", "Albuquerque"),
        ("Tuscon", "Tucson"),
        ("Cincinatti", "Cincinnati"),
        ("chicgo", "Chicago"),
    ],
)
def test_suggest_cities_misspellings(q: str, best: str) -> None:
    got = suggest_cities(q)
    assert got and got[0] == best
    assert len(got) <= 3


@pytest.mark.parametrize("q", ["xqzzv", "asdfgh", "qwertyuiop", "", "zz", "!!!", "12345"])
def test_suggest_cities_gibberish(q: str) -> None:
    assert suggest_cities(q) == []


def test_suggest_cities_region_and_limit() -> None:
    assert suggest_cities("Portlnd", region="ME")[0] == "Portland"
    assert "Seattle" not in suggest_cities("Seatle", region="TX")
    assert len(suggest_cities("Springfeld", limit=1)) == 1
    assert suggest_cities("Springfeld", limit=0) == []
    assert suggest_cities("Seatle", region="Narnia") == []


# --- geometry -----------------------------------------------------------------------


def test_haversine() -> None:
    la, sf = (34.0522, -118.2437), (37.7749, -122.4194)
    assert abs(haversine_mi(*la, *sf) - 347) <= 5
    assert haversine_mi(*la, *la) == 0
    assert abs(haversine_mi(0, 0, 0, 180) - math.pi * 3958.76) < 1
    assert haversine_mi(*la, *sf) == pytest.approx(haversine_mi(*sf, *la))


@pytest.mark.parametrize(
    "args",
    [(float("nan"), 0, 0, 0), (91, 0, 0, 0), (0, 181, 0, 0), ("x", 0, 0, 0), (None, 0, 0, 0), (0, float("inf"), 0, 0)],
)
def test_haversine_bad_input_is_infinitely_far(args: tuple) -> None:
    assert haversine_mi(*args) == math.inf


def _destination(lat: float, lon: float, dist_mi: float, bearing_deg: float) -> tuple[float, float]:
    r = dist_mi / 3958.7613
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(34.02, -118.49, 25), (45.52, -122.68, 100), (61.2, -149.9, 300), (0, 0, 10), (-33.9, 151.2, 50),
     (64.8, -147.7, 1), (25.77, -80.19, 0.5)],
)
def test_bbox_contains_circle(lat: float, lon: float, radius: float) -> None:
    min_lat, max_lat, min_lon, max_lon = bbox(lat, lon, radius)
    assert min_lat < lat < max_lat and min_lon < lon < max_lon
    for bearing in range(0, 360, 5):
        plat, plon = _destination(lat, lon, radius, bearing)
        assert haversine_mi(lat, lon, plat, plon) == pytest.approx(radius, rel=1e-9)
        assert min_lat <= plat <= max_lat and min_lon <= plon <= max_lon, bearing
    # Tight: the box is not much bigger than the circle in latitude.
    assert (max_lat - min_lat) / 2 == pytest.approx(radius / 69.09, rel=0.01)


def test_bbox_edge_cases() -> None:
    assert bbox(89.9, 0, 50)[2:] == (-180.0, 180.0)  # reaches the pole
    assert bbox(51.0, 179.9, 50)[2:] == (-180.0, 180.0)  # crosses the antimeridian
    assert bbox(10, 10, -5) == bbox(10, 10, 0)
    lo_lat, hi_lat, lo_lon, hi_lon = bbox(float("nan"), 0, 5)
    assert lo_lat > hi_lat and lo_lon > hi_lon  # empty box: matches nothing


# --- latency (generous bounds; they catch accidental linear scans, not jitter) ------


def _mean_seconds(fn, args_list: list[tuple], n: int) -> float:
    samples = []
    for i in range(n):
        t = time.perf_counter()
        fn(*args_list[i % len(args_list)])
        samples.append(time.perf_counter() - t)
    return statistics.mean(samples)


def test_latency_after_warm_up() -> None:
    queries = [("Los Angeles, CA",), ("90401",), ("santa monica ca",), ("NYC",), ("nowhere land",)]
    assert _mean_seconds(resolve_place, queries, 500) < 0.001
    assert _mean_seconds(geocode, [("Austin", "TX", ""), ("", "", "97205"), ("Nowhere", "CA", "")], 500) < 0.001
    assert _mean_seconds(suggest_cities, [("Los Angelas",), ("Pheonix",), ("xqzzv",)], 60) < 0.020


# --- fuzz: attacker-controlled text never raises ---------------------------------------


@contextlib.contextmanager
def no_logged_errors():
    """The public functions swallow exceptions; make sure none actually happened."""
    records: list[logging.LogRecord] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Grab(level=logging.ERROR)
    logger = logging.getLogger("kapdir")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not records, [r.getMessage() for r in records]


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
ADDRESS_WORDS = st.lists(
    st.sampled_from(
        ["1420", "Ocean", "Ave", "Suite", "#200", "Ste.", "St", "Santa", "Monica", ",", "\n", "CA", "ca",
         "California", "90401", "90401-1234", "USA", "New", "York", "NY", "P.O.", "Box", "NE", "M5V", "2T6",
         "ON", "Canada", "France", "Lebanon", "D.C.", "Washington", "LA", "or", "Calif.", "\x00", "ß", "ǅ"]
    ),
    max_size=25,
).map(" ".join)
TEXT = st.one_of(ANY_TEXT, ADDRESS_WORDS)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(TEXT)
def test_fuzz_parse_address(text: str) -> None:
    with no_logged_errors():
        out = parse_address(text)
    assert set(out) == {"street", "city", "region", "postal_code", "country"}
    assert all(isinstance(v, str) for v in out.values())


@FUZZ
@given(TEXT)
def test_fuzz_fold_and_region(text: str) -> None:
    key = fold(text)
    assert key == fold(key)  # idempotent: safe to fold twice
    assert key == key.strip() and "  " not in key
    with no_logged_errors():
        assert isinstance(normalise_region(text), str)


@FUZZ
@given(TEXT, TEXT, TEXT)
def test_fuzz_geocode(city: str, region: str, postal: str) -> None:
    with no_logged_errors():
        got = geocode(city, region, postal)
    assert got is None or (-90 <= got[0] <= 90 and -180 <= got[1] <= 180)


@FUZZ
@given(TEXT)
def test_fuzz_resolve_place(q: str) -> None:
    with no_logged_errors():
        got = resolve_place(q)
    assert got is None or (isinstance(got, Place) and got.kind in ("zip", "city"))


@FUZZ
@given(TEXT, TEXT)
def test_fuzz_normalise_city(city: str, region: str) -> None:
    with no_logged_errors():
        assert isinstance(normalise_city(city, region), str)


@FUZZ
@given(TEXT, st.integers(min_value=-5, max_value=100), TEXT)
def test_fuzz_suggest_cities(q: str, limit: int, region: str) -> None:
    with no_logged_errors():
        got = suggest_cities(q, limit=limit, region=region)
    assert isinstance(got, list) and len(got) <= max(limit, 0)


NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.none(), st.text(max_size=5))


@FUZZ
@given(NUMBERS, NUMBERS, NUMBERS, NUMBERS)
def test_fuzz_geometry(a, b, c, d) -> None:
    dist = haversine_mi(a, b, c, d)
    assert dist == math.inf or 0 <= dist <= math.pi * 3958.7613 + 1e-6
    box = bbox(a, b, c)
    assert len(box) == 4 and all(isinstance(v, float) for v in box)


def test_non_string_inputs() -> None:
    for bad in (None, 123, b"Santa Monica", ["x"], {"a": 1}):
        assert parse_address(bad) == addr()  # type: ignore[arg-type]
        assert normalise_region(bad) == ""  # type: ignore[arg-type]
        assert geocode(bad, bad, bad) is None  # type: ignore[arg-type]
        assert resolve_place(bad) is None  # type: ignore[arg-type]
        assert normalise_city(bad) == ""  # type: ignore[arg-type]
        assert suggest_cities(bad) == []  # type: ignore[arg-type]
        assert fold(bad) == ""  # type: ignore[arg-type]
