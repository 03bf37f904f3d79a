"""The OpenAPI 3.1 description of `/api/v1`, built from the same constants and tables the validator uses.

Deriving enums, limits and spellings from `index.search`, the region table and the programme registry keeps the
document from drifting when a route, setting, state spelling or programme is added. Clients (and Schemathesis,
tests/test_api_conformance.py) take the document at its word: a constraint the API enforces but the document
does not state turns a valid-looking request into an unexplained 400.
"""

from __future__ import annotations

import functools

from index.search import MAX_EXPORT, MAX_PAGE, MAX_PER_PAGE, MAX_RADIUS, ROUTES, SETTINGS, SORTS
from kapdir.vocabulary import US_STATES
from webapp import MAX_QUERY_BYTES, MAX_REPEATS, READ_LIMIT

# What `str.strip()` removes (`str.isspace`), spelled out: JSON Schema patterns are ECMA-262 regexes, whose `\s` is
# not Python's (it lacks U+001C-U+001F and U+0085, and has U+FEFF).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The validator's "control characters": below U+0020, tab aside (index.search._one).
_CONTROL = r"\x00-\x08\x0a-\x1f"


def text_pattern(max_len: int) -> str:
    """What `index.search._one` accepts: any text that, once stripped of surrounding white space, has at most
    `max_len` characters and no control character but tab. Stated as a pattern rather than `maxLength`, which
    would count the white space the API strips (a valid value with a leading space would read as too long)."""
    edge = r"[^\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    inner = f"[^{_CONTROL}]"
    return f"^[{_SPACE}]*(?:{edge}(?:{inner}{{0,{max_len - 2}}}{edge})?)?[{_SPACE}]*$"


def _caseless(word: str) -> str:
    """`word` in any case: ECMA-262 patterns have no inline flags."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else ("\\." if c == "." else c) for c in word)


@functools.cache
def region_pattern(codes: tuple[str, ...] | None = None) -> str:
    """The spellings `index.search` reads as a region (kapdir.places region_code), or as one of `codes`: codes,
    names and postal abbreviations in any case, a word's dots optional ("N.Y.", "Calif."), words apart by a
    space, hyphen or dot or two, white space around. Other spellings it folds the same way (accents, other
    punctuation, separators inside a word: "C A") are stated in words instead: following the folding letter by
    letter would make the pattern several times longer and unreadable, for spellings nobody types."""
    # region_code's own table (kept private by kapdir.places): read here, not copied, so they cannot differ.
    from kapdir.places._text import _region_tables

    table = {k: c for k, c in _region_tables()[0].items() if codes is None or c in codes}
    spaced = {k.replace(" ", "") for k in table if " " in k}
    # "newyork" is "new york" with no separator, which the pattern's optional separators already match.
    keys = sorted((k for k in table if k not in spaced or " " in k), key=lambda k: (-len(k), k))
    words = [r"[ .\-]{0,2}".join(_caseless(part) for part in key.split(" ")) for key in keys]
    return f"^[{_SPACE}]*(?:(?:{'|'.join(words)})\\.?)?[{_SPACE}]*$"


def _param(name: str, schema: dict, description: str, *, explode: bool | None = None) -> dict:
    # An empty value (`?region=`) is the parameter left out, as HTML forms send unfilled fields.
    out = {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "description": description,
           "schema": schema}
    if explode is not None:
        out.update(style="form", explode=explode)
    return out


def search_parameters(programmes: list[str]) -> list[dict]:
    # The enums are the values as the API writes them; it also reads them in any case, with white space around.
    route = {"type": "string", "enum": list(ROUTES)}
    cert = {"type": "string", "enum": programmes}
    region = {"$ref": "#/components/schemas/Region"}
    return [
        _param("q", {"type": "string", "pattern": text_pattern(200)},
               "Free text over names, practice names and the sentences that describe services and training. "
               "Any text of at most 200 characters (surrounding white space aside) without control characters; "
               "query syntax that does not parse is read as plain words."),
        _param("city", {"type": "string", "pattern": text_pattern(100)},
               "City of the practice address, at most 100 characters; case- and accent-insensitive, nicknames "
               "accepted (LA, NYC, SF). 'Portland, OR' sets the region too, and is a 400 when `region` names "
               "another state."),
        _param("region", region,
               "US state: two-letter code, name or postal abbreviation ('Calif.'), in any case. US territories "
               "and Canadian provinces are read too (no record is outside the US states)."),
        _param("near", {"type": "string", "format": "place", "pattern": text_pattern(100)},
               "A place to search around: a US ZIP code or a city ('Santa Monica, CA'), at most 100 characters. "
               "A place the gazetteer does not know is a 400 whose message suggests spellings."),
        _param("radius_mi", {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS, "default": 25},
               "Radius around `near`, in miles, written in at most 12 characters ('25', '12.5')."),
        _param("route", {"type": "array", "items": route, "maxItems": MAX_REPEATS},
               "How ketamine is given, in any case; repeat (or separate with commas) to accept any of several.",
               explode=True),
        _param("setting", {"type": "string", "enum": list(SETTINGS)},
               "Where it is given, in any case; one setting (repeating the same one changes nothing). With "
               "`route`: offers that route in that setting."),
        _param("certification", {"type": "array", "items": cert, "maxItems": MAX_REPEATS},
               "Completed training programme id, in any case; repeat (or separate with commas) to accept any "
               "of several.", explode=True),
        _param("serves", {"type": "array", "items": {"$ref": "#/components/schemas/State"},
                          "maxItems": MAX_REPEATS},
               "US state (two-letter code or name) a provider serves by telehealth or at home; repeat (or "
               "separate with commas) to accept any of several, at most 20 different states. With `near` and "
               "`setting=at_home`, providers serving the state of `near` match whatever the distance to their "
               "office.", explode=True),
        _param("sort", {"type": "string", "enum": list(SORTS)},
               "Result order, in any case. Default: relevance when `q` is given, else distance when `near` is "
               "given, else name. `distance` needs `near` (a 400 without it)."),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
               "Page number, in digits ('3', not '3.0')."),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
               "Results per page, in digits."),
    ]


def _record_schema(programmes: list[str]) -> dict:
    string = {"type": "string"}
    return {
        "type": "object",
        "required": ["id", "name", "credentials", "address", "location", "phone", "website", "routes",
                     "offers_at_home", "certifications", "sources", "updated_at"],
        "properties": {
            "id": {"type": "string", "description": "Stable id; use it with /api/v1/practitioners/{id}."},
            "name": string,
            "practice": {"type": "string", "description": "Practice or clinic name, when different."},
            "credentials": {"type": "array", "items": string},
            "address": {
                "type": "object",
                "required": ["street", "city", "region", "postal_code", "country"],
                "properties": {k: string for k in ("street", "city", "region", "postal_code", "country")},
            },
            "location": {
                "type": ["object", "null"],
                "required": ["lat", "lon"],
                "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            },
            "phone": {"type": "string", "description": "E.164 when known, else empty."},
            "website": string,
            "routes": {"type": "array", "items": {"$ref": "#/components/schemas/RouteFact"}},
            "offers_at_home": {"type": "boolean"},
            "certifications": {"type": "array", "items": {"$ref": "#/components/schemas/CertificationFact"}},
            "serves": {"type": "array", "items": {"$ref": "#/components/schemas/ServesFact"},
                       "description": "US states served by telehealth or at home, each with its sentence."},
            "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
            "updated_at": {"type": "string", "format": "date-time"},
            "distance_mi": {"type": "number",
                            "description": "Miles from `near` (search results with `near` only)."},
        },
    }


def _too_many(rate_limit: str) -> dict:
    from limits import parse_many

    limits = " and ".join(f"{item.amount} per {item.GRANULARITY.name}" if item.multiples == 1
                          else f"{item.amount} per {item.multiples} {item.GRANULARITY.name}s"
                          for item in parse_many(rate_limit))
    return {"description": f"Too many requests from this client address (searches, CSV exports and records count "
                           f"together: {limits}). Wait the seconds in `Retry-After`.",
            "headers": {"Retry-After": {"description": "Seconds until a request is answered again.",
                                        "schema": {"type": "integer", "minimum": 0}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document(programmes: list[str], rate_limit: str = READ_LIMIT) -> dict:
    """`rate_limit` is the site's KAPDIR_RATE_LIMIT ("" when off: no operation answers 429).

    Every answer an operation can give is listed, so a client (and Schemathesis, tests/test_api_conformance.py)
    can tell a documented refusal from a fault: the query-string limits apply to every path, not only searches.
    """
    string = {"type": "string"}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    repeated = f"a query parameter repeated more than {MAX_REPEATS} times"
    err = {"description": f"An invalid parameter (see each parameter's schema and description), or {repeated}. "
                          "The message names the parameter and quotes at most 40 characters of its value.",
           "content": error_body}
    err_repeated = {"description": f"{repeated[0].upper()}{repeated[1:]}.", "content": error_body}
    too_long = {"description": f"The query string is longer than {MAX_QUERY_BYTES // 1024} KB ({MAX_QUERY_BYTES} "
                               "bytes); nothing runs.", "content": error_body}
    unavailable = {"description": "The search index cannot be read (being rebuilt); try again shortly.",
                   "content": error_body}
    params = search_parameters(programmes)
    limited = {"429": _too_many(rate_limit)} if rate_limit else {}
    get_only = "Only GET (and HEAD, OPTIONS) is answered here: any other method is a 405 whose `Allow` header " \
               "lists these."
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kapdir API",
            "version": "1",
            "description": "Ketamine-assisted psychotherapy practitioners found on public listings. Every route "
                           "and training fact carries the sentence it came from and its source. Not medical "
                           "advice. Errors are JSON `{\"error\": \"…\"}`; a method a path does not answer is a 405 "
                           "with `Allow`.",
        },
        "paths": {
            "/api/v1/search": {"description": get_only, "get": {
                "operationId": "search",
                "summary": "Search practitioners; parameters combine with AND, repeated values with OR.",
                "parameters": params,
                "responses": {
                    "200": {"description": "One page of results with facet counts over the whole result set.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    "400": err,
                    "414": too_long,
                    **limited,
                    "503": unavailable,
                },
            }},
            "/api/v1/search.csv": {"description": get_only, "get": {
                "operationId": "searchCsv",
                "summary": f"Every record the same search matches (at most {MAX_EXPORT}) as CSV with a header "
                           "row; `page` and `per_page` are ignored.",
                "parameters": params,
                "responses": {
                    "200": {"description": "CSV, one row per practitioner; lists are joined with ';' and "
                                           "routes written route:setting.",
                            "headers": {"Content-Disposition": {
                                "description": "`attachment; filename=\"kapdir-search.csv\"`.", "schema": string}},
                            "content": {"text/csv": {"schema": string}}},
                    "400": err,
                    "414": too_long,
                    **limited,
                    "503": unavailable,
                },
            }},
            "/api/v1/practitioners/{id}": {"description": get_only, "get": {
                "operationId": "getPractitioner",
                "summary": "One practitioner record.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": string,
                                "description": "A record's `id`, as search results give it."}],
                "responses": {
                    "200": {"description": "The record.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Record"}}}},
                    "400": err_repeated,
                    "404": {"description": "No such record.", "content": error_body},
                    "414": too_long,
                    **limited,
                    "503": unavailable,
                },
            }},
            "/api/v1/openapi.json": {"description": get_only, "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              "400": err_repeated,
                              "414": too_long},
            }},
        },
        "components": {"schemas": {
            "Region": {"type": "string", "pattern": region_pattern(),
                       "description": "A US state (or territory, or Canadian province) as a two-letter code, name "
                                      "or postal abbreviation, in any case, white space around ignored; empty "
                                      "for none. Spellings that differ from these only by accents or punctuation "
                                      "(even inside a word: 'C.A', 'Québec') are read the same way."},
            "State": {"type": "string", "pattern": region_pattern(US_STATES),
                      "description": "One of the 50 US states or DC, spelled as `Region` is (control characters "
                                     "between words read as separators too)."},
            "Error": {"type": "object", "required": ["error"], "additionalProperties": False,
                      "properties": {"error": {"type": "string", "description": "What was wrong, and why."}}},
            "RouteFact": {"type": "object", "required": ["route", "setting", "evidence", "source"],
                          "properties": {"route": {"type": "string", "enum": list(ROUTES)},
                                         "setting": {"type": "string", "enum": list(SETTINGS)},
                                         "evidence": string, "source": string}},
            "CertificationFact": {"type": "object", "required": ["program", "evidence", "source"],
                                  "properties": {"program": string, "evidence": string, "source": string}},
            "ServesFact": {"type": "object", "required": ["region", "evidence", "source"],
                           "properties": {"region": {"type": "string", "enum": list(US_STATES)},
                                          "evidence": string, "source": string}},
            "Source": {"type": "object", "required": ["source", "url", "first_seen", "last_seen"],
                       "properties": {"source": string, "url": string,
                                      "first_seen": {"type": "string", "format": "date-time"},
                                      "last_seen": {"type": "string", "format": "date-time"}}},
            "Record": _record_schema(programmes),
            "SearchResult": {
                "type": "object",
                "required": ["total", "page", "per_page", "results", "facets"],
                "properties": {
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1},
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                    "facets": {"type": "object", "required": ["route", "setting", "city", "certification", "serves"],
                               "properties": {k: counts for k in ("route", "setting", "city", "certification",
                                                                  "serves")}},
                    "did_you_mean": {"type": "object", "description": "Present when a city matched nothing.",
                                     "properties": {"city": {"type": "array", "items": string}}},
                    "near": {"type": "object", "description": "The place `near` resolved to.",
                             "required": ["place", "lat", "lon", "radius_mi"],
                             "properties": {"place": string, "lat": {"type": "number"},
                                            "lon": {"type": "number"}, "radius_mi": {"type": "number"},
                                            "region": {"type": "string", "description": "The US state of the "
                                                       "place (at-home providers serving it match)."}}},
                },
            },
        }},
    }
