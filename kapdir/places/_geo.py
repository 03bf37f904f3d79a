"""Great-circle distance and the bounding box used to prefilter radius searches."""

from __future__ import annotations

import math

# Mean Earth radius. haversine_mi and bbox must share it, otherwise a point the
# distance check accepts could fall outside the prefilter box.
EARTH_RADIUS_MI = 3958.7613
# Returned for unusable input: no finite radius admits it, so bad rows drop out of
# "within N miles" filters instead of raising mid-request.
_FAR = math.inf
# An inverted box (min > max) matches nothing in a BETWEEN-style prefilter.
_EMPTY_BOX = (1.0, -1.0, 1.0, -1.0)
# Float slack so points exactly on the circle are never excluded by rounding.
_EPS_DEG = 1e-9


def _num(x: object) -> float | None:
    if isinstance(x, bool):
        return None
    try:
        v = float(x)  # type: ignore[arg-type]  # any object may arrive here
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def _valid_lat_lon(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def haversine_mi(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in miles; ``inf`` for unusable coordinates so they never match a radius."""
    a1, o1, a2, o2 = _num(lat1), _num(lon1), _num(lat2), _num(lon2)
    if a1 is None or o1 is None or a2 is None or o2 is None:
        return _FAR
    if not (_valid_lat_lon(a1, o1) and _valid_lat_lon(a2, o2)):
        return _FAR
    p1, p2 = math.radians(a1), math.radians(a2)
    dp = p2 - p1
    dl = math.radians(o2 - o1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    h = min(1.0, max(0.0, h))
    return 2 * EARTH_RADIUS_MI * math.asin(math.sqrt(h))


def bbox(lat: float, lon: float, radius_mi: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that encloses the circle.

    Uses the exact spherical extent in longitude (the tangent meridians), not the
    cruder ``r / cos(lat)``, so the box is tight but never too small. When the circle
    reaches a pole or crosses the antimeridian the longitude range widens to the full
    [-180, 180], which is a correct (if loose) prefilter.
    """
    a, o, r = _num(lat), _num(lon), _num(radius_mi)
    if a is None or o is None or r is None or not _valid_lat_lon(a, o):
        return _EMPTY_BOX
    r = max(0.0, r)
    ang = r / EARTH_RADIUS_MI  # angular radius, radians
    if ang >= math.pi:
        return (-90.0, 90.0, -180.0, 180.0)
    dlat = math.degrees(ang) + _EPS_DEG
    min_lat, max_lat = a - dlat, a + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return (max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    s = math.sin(ang) / math.cos(math.radians(a))
    if s >= 1.0:
        return (min_lat, max_lat, -180.0, 180.0)
    dlon = math.degrees(math.asin(s)) + _EPS_DEG
    min_lon, max_lon = o - dlon, o + dlon
    if min_lon < -180.0 or max_lon > 180.0:
        return (min_lat, max_lat, -180.0, 180.0)
    return (min_lat, max_lat, min_lon, max_lon)
