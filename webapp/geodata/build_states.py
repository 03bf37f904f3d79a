"""Convert us-atlas's projected state outlines into the small file the map draws from (run once, offline).

    cd /tmp && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python webapp/geodata/build_states.py /tmp/package/states-albers-10m.json > webapp/geodata/us_states.json

`states-albers-10m.json` is TopoJSON already projected with d3.geoAlbersUsa().scale(1300).translate([487.5, 305])
into a 975x610 box (Alaska and Hawaii as insets). Each arc is decoded (delta-encoded integers, then the
topology's transform), thinned by dropping points nearer than MIN_STEP px to the last kept one (per shared
arc, so neighbouring states keep the same border), rounded to 0.1 px, and every state's rings are written
as one SVG path string keyed by its USPS code. Pure Python, standard library only.
"""

from __future__ import annotations

import json
import math
import sys

MIN_STEP = 0.5  # px in the 975x610 viewport

# State FIPS code -> USPS code (the 50 states and DC that us-atlas's `states` object holds).
FIPS_USPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP",
    "72": "PR", "78": "VI",
}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    tr = topo.get("transform")
    out = []
    for arc in topo["arcs"]:
        pts, x, y = [], 0, 0
        for pos in arc:
            if tr:  # quantized: positions are deltas of integers
                x, y = x + pos[0], y + pos[1]
                pts.append((x * tr["scale"][0] + tr["translate"][0], y * tr["scale"][1] + tr["translate"][1]))
            else:
                pts.append((pos[0], pos[1]))
        out.append(pts)
    return out


def thin(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep both ends (shared with the neighbouring arcs) and every point MIN_STEP from the last kept one."""
    if len(pts) <= 2:
        return pts
    kept = [pts[0]]
    for p in pts[1:-1]:
        if math.dist(p, kept[-1]) >= MIN_STEP:
            kept.append(p)
    if len(kept) > 1 and math.dist(pts[-1], kept[-1]) < MIN_STEP:
        kept.pop()
    kept.append(pts[-1])
    return kept


def ring(arcs: list[list[tuple[float, float]]], refs: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in refs:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def fmt(v: float) -> str:
    s = f"{v:.1f}"
    s = s[:-2] if s.endswith(".0") else s
    return "0" if s == "-0" else s


def path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for r in rings:
        pts = []
        for x, y in r:
            p = (fmt(x), fmt(y))
            if not pts or p != pts[-1]:
                pts.append(p)
        if len(pts) > 1 and pts[-1] == pts[0]:
            pts.pop()
        if len(pts) < 3:
            continue  # an islet smaller than a pixel
        parts.append("M" + " ".join(f"{x},{y}" for x, y in pts) + "Z")
    return "".join(parts)


def build(topo: dict) -> dict[str, str]:
    arcs = [thin(a) for a in decode_arcs(topo)]
    out = {}
    for g in topo["objects"]["states"]["geometries"]:
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        rings = [ring(arcs, refs) for poly in polys for refs in poly]
        out[FIPS_USPS[g["id"]]] = path(rings)
    return dict(sorted(out.items()))


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as fh:
        topo = json.load(fh)
    json.dump(build(topo), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
