"""Where providers are, drawn by the server as an inline SVG map of the United States (issue 15).

No tiles, no script, no inline style: state outlines come from a vendored file (webapp/geodata/us_states.json,
built once from the us-atlas package by webapp/geodata/build_states.py, Census Bureau data), offices are
projected here with d3's Albers USA projection (the one that file was drawn with), and the page's stylesheet
colours the classes. Names in the dots' tooltips are crawled text: they go through a Jinja template with
autoescaping, never into a string by hand.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from flask import render_template
from markupsafe import Markup

WIDTH, HEIGHT = 975, 610  # us-atlas's albers viewport
_GEODATA = Path(__file__).parent / "geodata" / "us_states.json"
_RAD = math.pi / 180
_EPS = 1e-6


class _ConicEqualArea:
    """d3.geoConicEqualArea with a longitude rotation, a center, a scale and a translate (d3-geo v1/v2/v3)."""

    def __init__(self, parallels, rotate, center, scale, translate):
        sy0 = math.sin(parallels[0] * _RAD)
        self.n = (sy0 + math.sin(parallels[1] * _RAD)) / 2
        self.c = 1 + sy0 * (2 * self.n - sy0)
        self.r0 = math.sqrt(self.c) / self.n
        self.dl = rotate * _RAD
        self.k = scale
        # d3 projects the center without the rotation, then shifts it onto the translate point.
        cx, cy = self._raw(center[0] * _RAD, center[1] * _RAD)
        self.tx, self.ty = translate[0] - scale * cx, translate[1] + scale * cy

    def _raw(self, lam, phi):
        r = math.sqrt(max(0.0, self.c - 2 * self.n * math.sin(phi))) / self.n
        lam *= self.n
        return r * math.sin(lam), self.r0 - r * math.cos(lam)

    def __call__(self, lon, lat):
        lam = lon * _RAD + self.dl
        if lam > math.pi:
            lam -= 2 * math.pi
        elif lam < -math.pi:
            lam += 2 * math.pi
        x, y = self._raw(lam, lat * _RAD)
        return self.tx + self.k * x, self.ty - self.k * y


class AlbersUsa:
    """d3.geoAlbersUsa().scale(k).translate([x, y]) for points: the lower 48, then the Alaska and Hawaii
    insets, each kept only inside its clip box; a point in none of them is not on this map (None)."""

    def __init__(self, k: float = 1300, x: float = 487.5, y: float = 305):
        self.parts = [
            (_ConicEqualArea((29.5, 45.5), 96, (-0.6, 38.7), k, (x, y)),
             (x - 0.455 * k, y - 0.238 * k, x + 0.455 * k, y + 0.238 * k)),
            (_ConicEqualArea((55, 65), 154, (-2, 58.5), 0.35 * k, (x - 0.307 * k, y + 0.201 * k)),
             (x - 0.425 * k + _EPS, y + 0.120 * k + _EPS, x - 0.214 * k - _EPS, y + 0.234 * k - _EPS)),
            (_ConicEqualArea((8, 18), 157, (-3, 19.9), k, (x - 0.205 * k, y + 0.212 * k)),
             (x - 0.214 * k + _EPS, y + 0.166 * k + _EPS, x - 0.115 * k - _EPS, y + 0.234 * k - _EPS)),
        ]

    def __call__(self, lon: float, lat: float) -> tuple[float, float] | None:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            return None
        for project, (x0, y0, x1, y1) in self.parts:
            px, py = project(lon, lat)
            if x0 <= px <= x1 and y0 <= py <= y1:
                return px, py
        return None


project = AlbersUsa()


@cache
@cache
def state_paths() -> dict[str, str]:
    """USPS code -> SVG path data in the 975x610 viewport (50 states and DC)."""
    return json.loads(_GEODATA.read_text(encoding="utf-8"))


BASE_SVG = Path(__file__).parent / "static" / "us-states.svg"


def base_svg() -> str:
    """Every state's outline as one static SVG file (webapp/static/us-states.svg), which pages show as an image
    under their own small overlay: the browser fetches and caches its 100 KB once, instead of every results
    page carrying it inline. Presentation attributes, not a <style>: an image follows the site's strict CSP
    too. `python -m webapp.usmap` writes it; a test checks the file is what this gives."""
    paths = "".join(f'<path d="{d}"/>' for _code, d in sorted(state_paths().items()))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}">'
            f'<g fill="#e9edf2" stroke="#ffffff" stroke-width="1" stroke-linejoin="round">{paths}</g></svg>\n')


def _point(record) -> tuple[float, float] | None:
    loc = record.get("location") if isinstance(record, dict) else None
    if not isinstance(loc, dict):
        return None
    try:
        return project(float(loc["lon"]), float(loc["lat"]))
    except (KeyError, TypeError, ValueError):
        return None


def _regions(record) -> list[str]:
    return [s["region"] for s in record.get("serves") or [] if isinstance(s, dict) and isinstance(s.get("region"), str)]


def render_map(records, *, map_id: str = "map", small: bool = False, require_dot: bool = True) -> Markup | None:
    """The map for these records: a dot per office that projects onto the map, and the states they serve by
    telehealth or at home shaded. None when nothing would be drawn (no located office, or with
    `require_dot=False`, no office and no served state)."""
    from webapp.pages import state_name

    paths = state_paths()
    dots, office_states, unplaced = [], set(), 0
    served: set[str] = set()
    for r in records:
        served.update(c for c in _regions(r) if c in paths)
        pt = _point(r)
        if pt is None:
            unplaced += 1
            continue
        addr = r.get("address") or {}
        place = ", ".join(v for v in (addr.get("city"), addr.get("region")) if isinstance(v, str) and v)
        dots.append({"x": f"{pt[0]:.1f}", "y": f"{pt[1]:.1f}", "name": r.get("name") or "", "place": place})
        if isinstance(addr.get("region"), str) and addr["region"]:
            office_states.add(addr["region"])
    if not dots and (require_dot or not served):
        return None
    # Only the served states are drawn here: the rest are the cached base image under this overlay.
    states = [{"code": code, "d": paths[code], "served": True, "name": state_name(code)} for code in sorted(served)]
    return Markup(render_template(
        "_map.html", map_id=map_id, small=small, dots=dots, states=states, unplaced=unplaced,
        office_states=len(office_states), served=sorted(state_name(c) for c in served)))


if __name__ == "__main__":
    BASE_SVG.write_text(base_svg(), encoding="utf-8")
    print(f"{BASE_SVG}: {BASE_SVG.stat().st_size} bytes")
