"""The OpenAPI 3.1 description of `/api/v1`, built from the same constants the validator uses.

Deriving enums and limits from `index.search` and the programme registry keeps the document from drifting
when a route, setting or programme is added; tests check that every parameter the validator reads is here.
"""

from __future__ import annotations

from index.search import MAX_EXPORT, MAX_PAGE, MAX_PER_PAGE, MAX_RADIUS, ROUTES, SETTINGS, SORTS
from kapdir.vocabulary import US_STATES
from webapp import MAX_QUERY_BYTES, MAX_REPEATS, READ_LIMIT


def _param(name: str, schema: dict, description: str, *, explode: bool | None = None) -> dict:
    out = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if explode is not None:
        out.update(style="form", explode=explode)
    return out


def search_parameters(programmes: list[str]) -> list[dict]:
    route = {"type": "string", "enum": list(ROUTES)}
    cert = {"type": "string", "enum": programmes}
    return [
        _param("q", {"type": "string", "maxLength": 200},
               "Free text over names, practice names and the sentences that describe services and training. "
               "Any text is accepted; query syntax that does not parse is read as plain words."),
        _param("city", {"type": "string", "maxLength": 100},
               "City of the practice address; case- and accent-insensitive, nicknames accepted (LA, NYC, SF). "
               "'Portland, OR' sets the region too."),
        _param("region", {"type": "string", "maxLength": 60}, "US state: two-letter code or full name."),
        _param("near", {"type": "string", "maxLength": 100},
               "A place to search around: a US ZIP code or a city ('Santa Monica, CA'). An unknown place is a "
               "400 whose message suggests spellings."),
        _param("radius_mi", {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS, "default": 25},
               "Radius around `near`, in miles."),
        _param("route", {"type": "array", "items": route, "maxItems": 20},
               "How ketamine is given; repeat (or separate with commas) to accept any of several.", explode=True),
        _param("setting", {"type": "string", "enum": list(SETTINGS)},
               "Where it is given. With `route`: offers that route in that setting."),
        _param("certification", {"type": "array", "items": cert, "maxItems": 20},
               "Completed training programme id; repeatable (any of them).", explode=True),
        _param("serves", {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 20},
               "US state (two-letter code or name) a provider serves by telehealth or at home; repeatable (any "
               "of them). With `near` and `setting=at_home`, providers serving the state of `near` match whatever "
               "the distance to their office.", explode=True),
        _param("sort", {"type": "string", "enum": list(SORTS)},
               "Result order. Default: relevance when `q` is given, else distance when `near` is given, "
               "else name. `distance` needs `near`."),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
               "Results per page."),
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
    """`rate_limit` is the site's KAPDIR_RATE_LIMIT ("" when off: no operation answers 429)."""
    string = {"type": "string"}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    err = {"description": f"An invalid parameter, or one parameter repeated more than {MAX_REPEATS} times. The "
                          "message names the parameter and quotes at most 40 characters of its value.",
           "content": error_body}
    too_long = {"description": f"The query string is longer than {MAX_QUERY_BYTES // 1024} KB ({MAX_QUERY_BYTES} "
                               "bytes); no search runs.", "content": error_body}
    params = search_parameters(programmes)
    limited = {"429": _too_many(rate_limit)} if rate_limit else {}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kapdir API",
            "version": "1",
            "description": "Ketamine-assisted psychotherapy practitioners found on public listings. Every route "
                           "and training fact carries the sentence it came from and its source. Not medical "
                           "advice.",
        },
        "paths": {
            "/api/v1/search": {"get": {
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
                },
            }},
            "/api/v1/search.csv": {"get": {
                "operationId": "searchCsv",
                "summary": f"Every record the same search matches (at most {MAX_EXPORT}) as CSV with a header "
                           "row; `page` and `per_page` are ignored.",
                "parameters": params,
                "responses": {
                    "200": {"description": "CSV, one row per practitioner; lists are joined with ';' and "
                                           "routes written route:setting.",
                            "content": {"text/csv": {"schema": string}}},
                    "400": err,
                    "414": too_long,
                    **limited,
                },
            }},
            "/api/v1/practitioners/{id}": {"get": {
                "operationId": "getPractitioner",
                "summary": "One practitioner record.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": string}],
                "responses": {
                    "200": {"description": "The record.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Record"}}}},
                    "404": {"description": "No such record.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}},
                    **limited,
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": {
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
