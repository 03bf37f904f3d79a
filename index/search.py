"""Queries users ask, as one function shared by the HTML pages and the JSON API.

Parameters are validated into a `SearchParams` (a bad one raises `ParamError`, which the web layer turns
into HTTP 400); queries are built from Whoosh query objects, never from strings, so nothing a user types
can change a query's structure. Repeated values of one parameter are ORed; different parameters are ANDed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from whoosh import qparser, sorting
from whoosh.query import And, Every, NullQuery, Or, Term

from index import textrank
from index.caching import LRU
from index.facets import arrays_for, cache_key, haversine
from index.schema import make_schema
from kapdir.places import (
    city_aliases,
    geocode,
    haversine_mi,
    normalise_city,
    resolve_place,
    suggest_cities,
)
from kapdir.places import fold as place_fold
from kapdir.places._text import region_code
from kapdir.records import fold
from kapdir.vocabulary import ROUTES, SETTINGS, US_STATES

SORTS = ("relevance", "name", "distance")
FACETS = ("route", "setting", "city", "certification", "serves")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_RADIUS = 500.0
MAX_EXPORT = 10_000
CITY_FACET_LIMIT = 50  # the biggest cities of a result set; a facet list of thousands helps nobody


class ParamError(ValueError):
    """A parameter a client sent is invalid; the message says which and why.

    `param` and `suggestions` let the HTML page offer "did you mean" links instead of a dead end.
    """

    def __init__(self, message: str, param: str = "", suggestions: list[str] | None = None):
        super().__init__(message)
        self.param = param
        self.suggestions = list(suggestions or [])


@dataclass
class SearchParams:
    q: str = ""
    city: str = ""
    region: str = ""
    near: str = ""
    radius_mi: float = 25.0
    routes: list[str] = field(default_factory=list)
    setting: str = ""
    certifications: list[str] = field(default_factory=list)
    serves: list[str] = field(default_factory=list)  # states served by telehealth or at home
    page: int = 1
    per_page: int = 20
    sort: str = ""
    # resolved values
    near_point: tuple[float, float] | None = None
    near_label: str = ""
    near_region: str = ""  # the state of `near`: at-home providers serving it match wherever their office is

    def as_query(self, **overrides) -> list[tuple[str, str]]:
        """The parameters as (key, value) pairs, for links (next page, JSON twin, facet toggles)."""
        pairs = [("q", self.q), ("city", self.city), ("region", self.region), ("near", self.near)]
        if self.near:
            pairs.append(("radius_mi", f"{self.radius_mi:g}"))
        pairs += [("route", r) for r in self.routes] + [("setting", self.setting)]
        pairs += [("certification", c) for c in self.certifications]
        pairs += [("serves", r) for r in self.serves]
        pairs += [("sort", self.sort), ("per_page", str(self.per_page) if self.per_page != 20 else "")]
        pairs.append(("page", str(self.page) if self.page != 1 else ""))
        out = [(k, v) for k, v in pairs if v and k not in overrides]
        for k, v in overrides.items():
            for item in v if isinstance(v, list) else [v]:
                if item not in (None, ""):
                    out.append((k, str(item)))
        return out


KNOWN_PARAMS = {"q", "city", "region", "near", "radius_mi", "route", "setting", "certification", "serves",
                "page", "per_page", "sort", "format"}


def _echo(value: str, limit: int = 40) -> str:
    """A client's value quoted back in an error: at most `limit` characters, control characters dropped."""
    shown = "".join(c for c in value[:limit] if c.isprintable())
    return shown + ("…" if len(value) > limit else "")


def _one(args, key: str, max_len: int = 200) -> str:
    values = args.getlist(key) if hasattr(args, "getlist") else ([args[key]] if key in args else [])
    values = [v for v in values if v is not None]
    if len(values) > 1:
        raise ParamError(f"'{key}' may be given only once")
    v = (values[0] if values else "").strip()
    if len(v) > max_len:
        raise ParamError(f"'{key}' is too long (at most {max_len} characters)")
    if any(ord(ch) < 32 and ch not in "\t" for ch in v):
        raise ParamError(f"'{key}' contains control characters")
    return v


def _many(args, key: str, allowed: tuple[str, ...] | set[str]) -> list[str]:
    values = args.getlist(key) if hasattr(args, "getlist") else []
    out: list[str] = []
    for raw in values:
        for v in str(raw).split(","):
            v = v.strip().lower()
            if not v:
                continue
            if v not in allowed:
                raise ParamError(f"'{key}' must be one of {', '.join(sorted(allowed))}; got '{_echo(v)}'")
            if v not in out:
                out.append(v)
    if len(out) > 20:
        raise ParamError(f"too many values for '{key}'")
    return out


def _int(args, key: str, default: int, lo: int, hi: int) -> int:
    v = _one(args, key, 12)
    if not v:
        return default
    try:
        n = int(v)
    except ValueError:
        raise ParamError(f"'{key}' must be a whole number") from None
    if not lo <= n <= hi:
        raise ParamError(f"'{key}' must be between {lo} and {hi}")
    return n


def parse_params(args, programmes: set[str] | None = None) -> SearchParams:
    """Validate request arguments (a werkzeug MultiDict or a plain dict of lists)."""
    if programmes is None:
        from kapdir.reading import PROGRAMMES

        programmes = set(PROGRAMMES)
    p = SearchParams()
    p.q = _one(args, "q", 200)
    p.city = _one(args, "city", 100)
    region = _one(args, "region", 60)
    if region:
        p.region = _region_code(region)
        if not p.region:
            raise ParamError(f"'region' must be a US state name or two-letter code; got '{_echo(region)}'")
    head, comma, tail = p.city.rpartition(",")
    if comma and head.strip() and _region_code(tail):
        # "Portland, OR" typed into the city box means city Portland in Oregon.
        if p.region and p.region != _region_code(tail):
            raise ParamError(f"'city' says {_region_code(tail)} but 'region' says {p.region}")
        p.city, p.region = head.strip(), _region_code(tail)
    p.near = _one(args, "near", 100)
    radius = _one(args, "radius_mi", 12)
    if radius:
        try:
            p.radius_mi = float(radius)
        except ValueError:
            raise ParamError("'radius_mi' must be a number of miles") from None
        if not (math.isfinite(p.radius_mi) and 0 < p.radius_mi <= MAX_RADIUS):
            raise ParamError(f"'radius_mi' must be more than 0 and at most {MAX_RADIUS:g}")
    if p.near:
        place = resolve_place(p.near)
        if place is None:
            hint = suggest_cities(p.near)
            raise ParamError(f"unknown place in 'near': '{_echo(p.near)}'" +
                             (f" (did you mean {', '.join(hint)}?)" if hint else ""), "near", hint)
        p.near_point = (place.lat, place.lon)
        p.near_label = place.postal_code or ", ".join(x for x in (place.city, place.region) if x)
        p.near_region = place.region if place.region in US_STATES else ""
    p.routes = _many(args, "route", ROUTES)
    settings = _many(args, "setting", SETTINGS)
    if len(settings) > 1:
        raise ParamError("'setting' may be given only once")
    p.setting = settings[0] if settings else ""
    p.certifications = _many(args, "certification", programmes)
    for raw in args.getlist("serves") if hasattr(args, "getlist") else []:
        for value in filter(None, (v.strip() for v in str(raw).split(","))):
            code = _region_code(value[:60])
            if code not in US_STATES:
                raise ParamError(f"'serves' must be a US state name or two-letter code; got '{_echo(value)}'")
            if code not in p.serves:
                p.serves.append(code)
    if len(p.serves) > 20:
        raise ParamError("too many values for 'serves'")
    p.page = _int(args, "page", 1, 1, MAX_PAGE)
    p.per_page = _int(args, "per_page", 20, 1, MAX_PER_PAGE)
    sort = _one(args, "sort", 20).lower()
    if sort and sort not in SORTS:
        raise ParamError(f"'sort' must be one of {', '.join(SORTS)}")
    if sort == "distance" and not p.near:
        raise ParamError("'sort=distance' needs 'near'")
    p.sort = sort
    return p


def _region_code(text: str) -> str:
    """Two-letter code of a US state (or territory, or province) we know, else ''; "ZZ" is not one."""
    return region_code(text.strip(), extra=True)


_SCHEMA = make_schema()


def _text_parser() -> qparser.QueryParser:
    """A forgiving parser: words, quotes, AND/OR/NOT, grouping; no field:, wildcards, ranges or boosts."""
    parser = qparser.MultifieldParser(["name", "practice", "body"], _SCHEMA, group=qparser.AndGroup)
    for plugin in (qparser.FieldsPlugin, qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin,
                   qparser.FuzzyTermPlugin, qparser.RegexPlugin):
        parser.remove_plugin_class(plugin)
    return parser


_PARSER = _text_parser()


def text_query(q: str):
    """The free-text part of a query; text with nothing searchable in it ("*", "()") matches everything."""
    if not any(ch.isalnum() for ch in q):
        return Every()
    try:
        query = _PARSER.parse(q)
        return Every() if isinstance(query, type(NullQuery)) else query
    except Exception:  # noqa: BLE001 - a user's syntax slip must never become an error
        words = [w for w in q.split() if w.isalnum()]
        return And([Or([Term(f, w.lower()) for f in ("name", "practice", "body")]) for w in words]) if words \
            else Every()


def city_keys(city: str, region: str = "") -> list[str]:
    """Folded keys a city may be indexed under: as typed, its alias ("LA"), and its canonical spelling."""
    key = fold(city)
    keys = [key]
    alias = city_aliases().get(place_fold(city))
    if alias:
        keys.append(fold(alias))
    keys.append(fold(normalise_city(city, region)))
    return [k for k in dict.fromkeys(keys) if k]


def build_query(p: SearchParams):
    parts = []
    if p.city:
        parts.append(Or([Term("city", k) for k in city_keys(p.city, p.region)]))
    if p.region:
        parts.append(Term("region", p.region))
    if p.routes and p.setting:
        parts.append(Or([Term("route_setting", f"{r}:{p.setting}") for r in p.routes]))
    elif p.routes:
        parts.append(Or([Term("route", r) for r in p.routes]))
    elif p.setting:
        parts.append(Term("setting", p.setting))
    if p.certifications:
        parts.append(Or([Term("certification", c) for c in p.certifications]))
    if p.serves:
        parts.append(Or([Term("serves", r) for r in p.serves]))
    if p.q:
        tq = text_query(p.q)
        if not isinstance(tq, Every):
            parts.append(tq)
    return And(parts) if parts else Every()


def _facet_spec() -> sorting.Facets:
    facets = sorting.Facets()
    facets.add_field("route", allow_overlap=True)
    facets.add_field("setting", allow_overlap=True)
    facets.add_field("city_name")
    facets.add_field("certification", allow_overlap=True)
    facets.add_field("serves", allow_overlap=True)
    return facets


def _clean_facets(groups: dict[str, dict]) -> dict[str, dict[str, int]]:
    out = {}
    for name, key in (("route", "route"), ("setting", "setting"), ("city", "city_name"),
                      ("certification", "certification"), ("serves", "serves")):
        counts = {}
        for k, v in (groups.get(key) or {}).items():
            if isinstance(k, bytes):
                k = k.decode("utf-8", "replace")
            if k in (None, "", "-"):
                continue
            counts[k] = len(v) if isinstance(v, list) else int(v)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out[name] = dict(ranked[:CITY_FACET_LIMIT] if name == "city" else ranked)
    return out


def _sortedby(p: SearchParams):
    """Relevance needs words to be relevant to; without `q` every order but name order is arbitrary."""
    if p.q and (p.sort == "relevance" or not p.sort):
        return None
    return sorting.FieldFacet("name_sort")


def _selection(searcher, p: SearchParams) -> tuple:
    """(arrays, mask of the matching documents, distances or None, the key they are ordered by): what a
    search's page and an export's rows are both taken from."""
    arrays = arrays_for(searcher)
    mask = arrays.live.copy()
    if p.city:
        mask &= arrays.city_mask(city_keys(p.city, p.region))
    if p.region:
        mask &= arrays.region_mask(p.region)
    if p.routes or p.setting:
        mask &= arrays.route_mask(p.routes, p.setting)
    if p.certifications:
        mask &= arrays.cert_mask(p.certifications)
    if p.serves:
        mask &= arrays.serves_mask(p.serves)
    dist = None
    if p.near_point:
        dist = arrays.distances(p.near_point[0], p.near_point[1], p.radius_mi)
        near = dist <= p.radius_mi
        if _serves_near(p):
            serving = arrays.serves_mask([p.near_region]) & mask & ~near
            # `distances` measures only rows near the point; a provider serving the state from afar gets its
            # true distance too (inf without coordinates), so results stay in distance order.
            far = np.flatnonzero(serving)
            if len(far):
                d = haversine(p.near_point[0], p.near_point[1], arrays.lat[far], arrays.lon[far])
                dist[far] = np.where(np.isnan(d), np.inf, d)
            near |= serving
        mask &= near
    tq = text_query(p.q) if p.q else None
    order = arrays.name_rank
    if tq is not None and not isinstance(tq, Every):
        matched, text_order = _text_match(searcher, arrays, tq)
        mask &= matched
        if p.sort == "relevance" or (not p.sort and not p.near_point):
            order = text_order
    if order is arrays.name_rank and dist is not None and p.sort != "name":
        order = dist
    return arrays, mask, dist, order


def search(searcher, p: SearchParams, *, raw: bool = False) -> dict:
    """Filters and facets from the per-generation arrays (index.facets); only free text goes to Whoosh.

    With `raw`, results are the records' stored JSON texts rather than dicts: the JSON API splices them
    into its answer (see `json_body`) instead of parsing each one only to encode it again."""
    arrays, mask, dist, order = _selection(searcher, p)
    total = int(np.count_nonzero(mask))
    page = list(arrays.page_by(mask, order, (p.page - 1) * p.per_page, p.per_page)) if total else []
    hits_out = _page_records(searcher, arrays.token, page, dist, raw)
    return _envelope(p, total, hits_out, _facets(searcher, arrays, mask, p), searcher)


def export_csv(searcher, p: SearchParams, out, cap: int = MAX_EXPORT) -> int:
    """Every record a search matches (in its order, at most `cap`) as CSV, header first; returns the rows.

    The rows are the ones the index keeps per record (kapdir.export.csv_line): an export of thousands joins
    them instead of reading, parsing and flattening each record (~300 ms for a big city at 100k records)."""
    from kapdir.export import csv_line, header_line

    out.write(header_line())
    if searcher is None:
        return 0
    arrays, mask, _dist, order = _selection(searcher, p)
    docs = arrays.page_by(mask, order, 0, cap) if np.count_nonzero(mask) else []
    reader = searcher.reader()
    column = reader.column_reader("csv") if reader.has_column("csv") else None
    for d in docs:
        row = column[int(d)] if column is not None else b""
        out.write(row.decode("utf-8") if row else csv_line(json.loads(_record_text(searcher, arrays.token, int(d),
                                                                                        cache=False))))
    return len(docs)


# Facet counts per index generation and filter set: the most expensive part of a search answer that does not
# depend on the page or the order, so paging through a search, re-sorting it and the same popular search
# asked again (a city's page) count once per process. Callers read the counts and never change them.
FACET_CACHE_BYTES = 8 * 1024 * 1024
_FACETS = LRU(FACET_CACHE_BYTES)


def _facets(searcher, arrays, mask: np.ndarray, p: SearchParams) -> dict:
    key = (cache_key(searcher), p.q, p.city, p.region, tuple(p.routes), p.setting, tuple(p.certifications),
           tuple(p.serves), p.near_point, p.radius_mi if p.near_point else None, p.near_region)
    hit = _FACETS.get(key)
    if hit is None:
        hit = arrays.facets(mask, CITY_FACET_LIMIT)
        _FACETS.put(key, hit, 300 + 80 * sum(len(v) for v in hit.values()))
    return hit


def _serves_near(p: SearchParams) -> bool:
    """At home, where the patient lives is what counts: a provider serving the state of `near` by telehealth
    or at home matches however far its office is. In a clinic, distance alone."""
    return p.setting == "at_home" and bool(p.near_region)


_TEXT_CACHE = LRU(64)  # Whoosh's answers to texts index.textrank does not handle


def _text_match(searcher, arrays, tq) -> tuple[np.ndarray, np.ndarray]:
    """Documents matching the free text, and a key that orders them best first (Whoosh's BM25F score
    descending; `page_by` breaks ties by document number, as Whoosh does).

    index.textrank scores the text box's usual queries from cached posting arrays; anything it does not
    handle (quoted phrases) is asked of Whoosh, whose answers are kept for the most recent texts of this
    index generation, since scoring every match in Python takes a few hundred ms at 100k records."""
    try:
        matched, scores = textrank.evaluate(searcher, tq, arrays.n)
        return matched, -scores
    except textrank.Unsupported:
        pass
    key = (arrays.token, str(tq))
    value = _TEXT_CACHE.get(key)
    if value is not None:
        return value
    ranked = np.fromiter((h.docnum for h in searcher.search(tq, limit=None)), dtype=np.int64)
    ranked = ranked[ranked < arrays.n]
    matched = np.zeros(arrays.n, dtype=bool)
    matched[ranked] = True
    order = np.full(arrays.n, np.inf)
    order[ranked] = np.arange(len(ranked))
    value = (matched, order)
    for a in value:
        a.setflags(write=False)
    _TEXT_CACHE.put(key, value)
    return value


def search_reference(searcher, p: SearchParams) -> dict:
    """The same search done by Whoosh alone (groupedby facets): slower, kept to cross-check `search`."""
    query = build_query(p)
    if p.near_point:
        return _search_near(searcher, query, p)
    facets = _facet_spec()
    start = (p.page - 1) * p.per_page
    results = searcher.search(query, limit=start + p.per_page, sortedby=_sortedby(p), groupedby=facets,
                              maptype=sorting.Count)
    groups = {name: results.groups(name) for name in facets.names()}
    hits = [json.loads(h["record"]) for h in results[start:start + p.per_page]]
    return _envelope(p, len(results), hits, _clean_facets(groups), searcher)


def _search_near(searcher, query, p: SearchParams) -> dict:
    """Exact great-circle distance for every match (slow, but this path only cross-checks `search`)."""
    lat0, lon0 = p.near_point
    found = []
    for hit in searcher.search(query, limit=None, sortedby=_sortedby(p)):
        located = hit.get("lat") is not None and hit.get("lon") is not None
        d = haversine_mi(lat0, lon0, hit["lat"], hit["lon"]) if located else math.inf
        serves = _serves_near(p) and p.near_region in (hit.get("serves") or "").split(",")
        if d <= p.radius_mi or serves:
            found.append((d, hit.score or 0.0, hit.fields()))
    if p.sort == "name":
        pass  # already in name order from the index
    elif p.sort == "relevance" and p.q:
        found.sort(key=lambda t: -t[1])
    else:
        found.sort(key=lambda t: t[0])
    counts: dict[str, Counter] = {k: Counter() for k in ("route", "setting", "city_name", "certification", "serves")}
    for _d, _s, f in found:
        for k in ("route", "setting", "certification", "serves"):
            counts[k].update(v for v in (f.get(k) or "").split(",") if v)
        counts["city_name"][f.get("city_name", "-")] += 1
    start = (p.page - 1) * p.per_page
    hits = []
    for d, _s, f in found[start:start + p.per_page]:
        rec = json.loads(f["record"])
        if math.isfinite(d):
            rec["distance_mi"] = round(d, 1)
        hits.append(rec)
    return _envelope(p, len(found), hits, _clean_facets(counts), searcher)


def _did_you_mean(searcher, p: SearchParams) -> list[str]:
    """Near-spellings of a city that matched nothing; none when the city as typed has listings."""
    keys = city_keys(p.city, p.region)
    if any(searcher.document_number(city=k) is not None for k in keys):
        return []
    sugg = [c for c in suggest_cities(p.city, region=p.region) if fold(c) not in keys]
    listed = [c for c in sugg if searcher.document_number(city=fold(c)) is not None]
    # A real city with no listings ("Boston") gets only near-spellings that have some ("Brooklin").
    return listed if listed or geocode(p.city, p.region) else sugg


_RECORDS = LRU(4096)  # ~1.7 kB each: a few MB per process


def _record_text(searcher, token: int, docnum: int, cache: bool = True) -> str:
    """A document's stored record JSON. Reading one costs a decompression, an unpickling and a dict of
    every stored field (~20-40 us); the first pages of popular searches show the same records again and
    again, so the most recent few thousand per process are kept, keyed by index generation."""
    if not cache:
        return searcher.stored_fields(docnum)["record"]
    key = (token, docnum)
    text = _RECORDS.get(key)
    if text is None:
        text = searcher.stored_fields(docnum)["record"]
        _RECORDS.put(key, text)
    return text


def _page_records(searcher, token: int, page, dist, raw: bool) -> list:
    cache = len(page) <= MAX_PER_PAGE  # an export's thousands of records would only flush the cache
    out = []
    for d in page:
        text = _record_text(searcher, token, int(d), cache)
        far = dist is None or not math.isfinite(dist[d])  # served at home, with no office to measure from
        if raw:
            if not far:  # the key goes last, as in a parsed record with it added
                text = f'{text[:-1]}{"," if len(text) > 2 else ""}"distance_mi":{round(float(dist[d]), 1)!r}}}'
            out.append(text)
        else:
            rec = json.loads(text)
            if not far:
                rec["distance_mi"] = round(float(dist[d]), 1)
            out.append(rec)
    return out


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_body(result: dict) -> str:
    """A `search(..., raw=True)` answer as JSON text: the stored record texts go in as they are (they
    were written by json.dumps, compact and with non-ASCII as is), everything else is encoded."""
    parts = []
    for k, v in result.items():
        value = "[" + ",".join(v) + "]" if k == "results" else _ENCODE(v)
        parts.append(f"{_ENCODE(k)}:{value}")
    return "{" + ",".join(parts) + "}\n"


def _envelope(p: SearchParams, total: int, hits: list[dict], facets: dict, searcher) -> dict:
    out = {"total": total, "page": p.page, "per_page": p.per_page, "results": hits, "facets": facets}
    if p.city and total == 0:
        sugg = _did_you_mean(searcher, p)
        if sugg:
            out["did_you_mean"] = {"city": sugg}
    if p.near_point:
        out["near"] = {"place": p.near_label, "lat": p.near_point[0], "lon": p.near_point[1],
                       "radius_mi": p.radius_mi}
        if p.near_region:
            out["near"]["region"] = p.near_region
    return out


def get_record(searcher, rid: str) -> dict | None:
    if not rid or len(rid) > 120:
        return None
    fields = searcher.document(id=rid)
    return json.loads(fields["record"]) if fields else None
