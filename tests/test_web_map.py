"""The server-drawn map of issue 15: where providers are, on the search page and the practitioner page.

Records go through the real store, records and index, then the real app renders the pages. What the map
must show is worked out here from the listings written, and where a point falls is checked against the
vendored state outlines themselves (point in polygon), not against the projection's own output.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import make_client, store_and_index
from webapp.usmap import AlbersUsa, project, state_paths

SCRIPT = "<script>alert(1)</script>"
GEODATA = Path(__file__).resolve().parents[1] / "webapp" / "geodata"


def _listing(name, city, region, lat, lon, serves=(), setting="in_clinic"):
    return {"kind": "directory", "via": "json-ld", "name": name, "practice": "", "credentials": ["MD"],
            "street": "1 Main St", "city": city, "region": region, "postal_code": "", "country": "US",
            "lat": lat, "lon": lon, "phone": "", "website": "", "text": "ketamine", "roster_program": "",
            "routes": [{"route": "oral", "setting": setting, "evidence": f"oral {setting}"}],
            "offers_at_home": setting == "at_home", "certifications": [], "ketamine": True,
            "serves": [{"region": r, "evidence": f"Available by telehealth in {r}."} for r in serves]}


# name, city, region, lat, lon, serves, setting; on_map: whether the office is drawn
PEOPLE = [
    ("Aster Telehealth", "Denver", "CO", 39.7392, -104.9903, ("CO", "NM", "UT"), "at_home", True),
    (f"Dr. Eve {SCRIPT} Mallory", "Austin", "TX", 30.2672, -97.7431, (), "in_clinic", True),
    ("Kai Home Care", "Honolulu", "HI", 21.3069, -157.8583, ("HI",), "at_home", True),
    ("Tundra Clinic", "Anchorage", "AK", 61.2181, -149.9003, (), "in_clinic", True),
    ("Isla Clinic", "San Juan", "PR", 18.4655, -66.1057, (), "in_clinic", False),   # located, off this map
    ("Nowhere Telehealth", "", "", None, None, ("AZ",), "at_home", False),           # no location at all
    ("Plain Nowhere", "", "", None, None, (), "in_clinic", False),                   # neither
]
ON_MAP = {p[0] for p in PEOPLE if p[7]}
SERVED = {s for p in PEOPLE for s in p[5]}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    d = store_and_index(tmp_path_factory.mktemp("map"), [_listing(*p[:7]) for p in PEOPLE])
    return make_client(d)


class MapParser(HTMLParser):
    """The map figures of a page: their circles' tooltips, their served states (by outline) and attributes."""

    def __init__(self):
        super().__init__()
        self.maps: list[dict] = []
        self.stack: list[str] = []
        self.code_of = {d: c for c, d in state_paths().items()}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("role") == "img" and "figure" in self.stack:
            self.maps.append({"circles": [], "served": set(), "states": 0, "attrs": a, "titles": []})
        elif self.maps and "svg" in self.stack:
            m = self.maps[-1]
            assert "style" not in a and not any(k.startswith("on") for k in a), (tag, a)  # strict CSP
            if tag == "circle":
                m["circles"].append("")
            elif tag == "path":
                m["states"] += 1
                if "served" in a.get("class", "").split():
                    m["served"].add(self.code_of[a["d"]])
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.maps and self.stack[-1:] == ["title"] and "circle" in self.stack:
            self.maps[-1]["circles"][-1] += data


def _maps(client, path) -> tuple[list[dict], str]:
    r = client.get(path)
    assert r.status_code == 200, path
    html = r.get_data(as_text=True)
    parser = MapParser()
    parser.feed(html)
    return parser.maps, html


def _record_id(client, name) -> str:
    results = client.get("/api/v1/search?per_page=100").get_json()["results"]
    return next(r["id"] for r in results if r["name"] == name)


# --- projection, checked against the outlines it must agree with -------------------------------------

def _inside(pt, d) -> bool:
    x, y, inside = *pt, False
    for ring in re.findall(r"M([^MZ]+)Z", d):
        pts = [tuple(map(float, p.split(","))) for p in ring.split()]
        for (xi, yi), (xj, yj) in zip(pts, pts[-1:] + pts[:-1], strict=True):
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                inside = not inside
    return inside


@pytest.mark.parametrize("lon, lat, state", [
    (-104.9903, 39.7392, "CO"),   # Denver
    (-157.8583, 21.3069, "HI"),   # Honolulu (inset)
    (-155.0900, 19.7297, "HI"),   # Hilo, on the Big Island (inset)
    (-149.9003, 61.2181, "AK"),   # Anchorage (inset)
    (-134.4197, 58.3019, "AK"),   # Juneau, in the panhandle (inset)
    (-80.1918, 25.7617, "FL"),    # Miami
    (-122.3321, 47.6062, "WA"),   # Seattle
    (-71.0589, 42.3601, "MA"),    # Boston
    (-106.6504, 35.0844, "NM"),   # Albuquerque
])
def test_albers_usa_puts_cities_inside_their_state_outline(lon, lat, state):
    pt = project(lon, lat)
    assert pt is not None and 0 <= pt[0] <= 975 and 0 <= pt[1] <= 610
    assert [c for c, d in state_paths().items() if _inside(pt, d)] == [state]


@pytest.mark.parametrize("lon, lat", [(-66.1057, 18.4655), (-0.1276, 51.5072), (151.2, -33.9), (-99.13, 10.0),
                                      (float("nan"), 40.0), (-200.0, 40.0)])
def test_points_off_the_map_are_none(lon, lat):
    assert project(lon, lat) is None


@pytest.mark.parametrize("lon, lat, xy", [
    # d3.geoAlbersUsa().scale(1300).translate([487.5, 305])([lon, lat]) with d3-geo 3.1.2 under node
    (-122.4194, 37.7749, (34.84109325358304, 261.43554026274137)),    # San Francisco
    (-104.9903, 39.7392, (342.8453612727705, 273.8845837383973)),     # Denver
    (-157.8583, 21.3069, (266.95994676863154, 549.1903729395863)),    # Honolulu
    (-149.9003, 61.2181, (112.277427569713, 544.2779162203778)),      # Anchorage
    (-134.4197, 58.3019, (176.93702274402565, 556.0837861629693)),    # Juneau
    (-80.1918, 25.7617, (822.7383158297632, 572.5407791128295)),      # Miami
])
def test_projection_matches_d3(lon, lat, xy):
    assert project(lon, lat) == pytest.approx(xy, abs=1e-6)
    # d3's default geoAlbersUsa() (scale 1070, translate [480, 250]) for San Francisco: the same function
    assert AlbersUsa(1070, 480, 250)(-122.4194, 37.7749) == pytest.approx((107.42689983179525, 214.14309852394865))


def test_vendored_geometry_is_small_complete_and_licensed():
    data = json.loads((GEODATA / "us_states.json").read_text())
    assert (GEODATA / "us_states.json").stat().st_size < 150_000
    assert len(data) == 51 and {"CO", "HI", "AK", "DC"} <= set(data)
    assert all(re.fullmatch(r"(M[-0-9., ]+Z)+", d) for d in data.values())
    readme, licence = (GEODATA / "README.md").read_text(), (GEODATA / "LICENSE-us-atlas").read_text()
    assert "us-atlas" in readme and "3.0.1" in readme and "states-albers-10m.json" in readme
    assert "public domain" in readme and "Copyright 2013-2019 Michael Bostock" in licence


# --- the search page -----------------------------------------------------------------------------------

def test_search_map_has_one_dot_per_located_result_and_shades_served_states(client):
    maps, _html = _maps(client, "/search?per_page=100")
    assert len(maps) == 1
    m = maps[0]
    assert m["states"] == len(SERVED)  # only the served states are inline; the rest is the cached base image
    assert sorted(t.split(" — ")[0] for t in m["circles"]) == sorted(ON_MAP)
    assert m["served"] == SERVED == {"CO", "NM", "UT", "HI", "AZ"}
    assert m["attrs"]["aria-describedby"] == "results-map-desc"


def test_the_outlines_are_one_cached_image_not_inline(client):
    from webapp.usmap import BASE_SVG, base_svg

    assert BASE_SVG.read_text(encoding="utf-8") == base_svg()  # regenerate with `python -m webapp.usmap`
    assert base_svg().count("<path ") == 51 and "style" not in base_svg()
    html = client.get("/search?per_page=100").get_data(as_text=True)
    assert '<img class="map-base" src="/static/us-states.svg" alt=""' in html
    r = client.get("/static/us-states.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    # The page carries the dots and the served states only: a few KB, not the 100 KB of every outline.
    figure = html[html.index('<figure class="usmap'):html.index("</figure>")]
    assert len(figure) < 12_000


def test_search_map_summary_is_text(client):
    _maps_, html = _maps(client, "/search?per_page=100")
    summary = re.search(r'<p id="results-map-desc"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert summary.startswith(f"Map: {len(ON_MAP)} practitioners in {len(ON_MAP)} states;")
    assert "Arizona, Colorado, Hawaii, New Mexico, Utah" in summary
    assert "3 without a mapped office not shown" in summary


def test_search_map_shows_only_the_current_page(client):
    first = client.get("/api/v1/search?sort=name&per_page=2&page=1").get_json()["results"]
    maps, _ = _maps(client, "/search?sort=name&per_page=2&page=1")
    names = [r["name"] for r in first]
    assert names == ["Aster Telehealth", f"Dr. Eve {SCRIPT} Mallory"]
    assert sorted(t.split(" — ")[0] for t in maps[0]["circles"]) == sorted(names)
    assert maps[0]["served"] == {"CO", "NM", "UT"}


def test_search_map_escapes_a_hostile_name(client):
    maps, html = _maps(client, "/search?per_page=100")
    assert f"Dr. Eve {SCRIPT} Mallory — Austin, TX" in maps[0]["circles"]    # the text, as text
    assert "<title>Dr. Eve &lt;script&gt;alert(1)&lt;/script&gt; Mallory — Austin, TX</title>" in html
    assert SCRIPT not in html


def test_no_map_without_results_or_without_a_located_result(client):
    assert len(_maps(client, "/search?q=Aster")[0]) == 1          # the same page, one located result: a map
    maps, html = _maps(client, "/search?q=zzzznothingmatches")
    assert maps == [] and "<svg" not in html
    maps, html = _maps(client, "/search?q=Nowhere")     # two results, neither has an office location
    assert "Nowhere Telehealth" in html and maps == [] and "results-map" not in html


# --- the practitioner page -----------------------------------------------------------------------------

def test_practitioner_map_has_its_office_and_served_states(client):
    maps, _ = _maps(client, f"/practitioners/{_record_id(client, 'Aster Telehealth')}")
    assert len(maps) == 1
    assert maps[0]["circles"] == ["Aster Telehealth — Denver, CO"]
    assert maps[0]["served"] == {"CO", "NM", "UT"}
    maps, _ = _maps(client, f"/practitioners/{_record_id(client, 'Tundra Clinic')}")
    assert maps[0]["circles"] == ["Tundra Clinic — Anchorage, AK"] and maps[0]["served"] == set()


def test_practitioner_map_without_an_office_shows_served_states_or_nothing(client):
    maps, _ = _maps(client, f"/practitioners/{_record_id(client, 'Nowhere Telehealth')}")
    assert maps[0]["circles"] == [] and maps[0]["served"] == {"AZ"}
    maps, html = _maps(client, f"/practitioners/{_record_id(client, 'Plain Nowhere')}")
    assert maps == [] and "<svg" not in html
