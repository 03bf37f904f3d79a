"""Filters, facets and ordering from in-memory arrays, one set per index generation.

Whoosh answers free text well but counts facets slowly: `groupedby` walks every matching document on every
request. A directory's filters are all low-cardinality (5 routes, 3 settings, a dozen programmes, a few
thousand cities), so each web process keeps, per committed index generation, one small numpy array per
filter (bit masks for multi-valued fields, integer codes for cities and regions, coordinates, name ranks),
read once from a compact column. A query becomes a handful of vectorised comparisons; facet counts are
`bincount`s; only free text (`q`) goes to Whoosh. At 100k records the arrays take a few MB.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import threading

import numpy as np

from index.caching import LRU
from index.whoosh_private import index_folder, segment_key
from kapdir.vocabulary import ROUTES, SETTINGS, US_STATES

_tokens = itertools.count(1)
ROUTE_SETTINGS = tuple(f"{r}:{s}" for r in ROUTES for s in SETTINGS)
EARTH_MI = 3958.7613


class _SegmentRows:
    """The facet column of one segment, parsed once: segments never change (deletions are applied per
    generation), so after an incremental commit only the new, small segment is read."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        self.route = np.zeros(n, dtype=np.uint8)
        self.setting = np.zeros(n, dtype=np.uint8)
        self.route_setting = np.zeros(n, dtype=np.uint16)
        self.cert = np.zeros(n, dtype=np.uint64)  # bits of this segment's own programme codes
        self.serves = np.zeros(n, dtype=np.uint64)  # bits of US_STATES (fixed order)
        self.city = np.full(n, -1, dtype=np.int32)
        self.region = np.full(n, -1, dtype=np.int32)
        self.lat = np.full(n, np.nan)
        self.lon = np.full(n, np.nan)
        self.names = [""] * n
        self.certs: list[str] = []
        self.city_keys: list[str] = []
        self.city_names: list[str] = []
        self.regions: list[str] = []
        if not reader.has_column("facets"):
            return
        column = reader.column_reader("facets")
        raws = [column[d] for d in range(n)]
        was_enabled = gc.isenabled()
        gc.disable()  # 100k new dicts would set off full collections over the whole process: 3x slower
        try:
            self._parse(json.loads(b"[" + b",".join(r or b"{}" for r in raws) + b"]"))
        finally:
            if was_enabled:
                gc.enable()

    def _parse(self, rows: list[dict]) -> None:
        certs: dict[str, int] = {}
        cities: dict[str, int] = {}
        regions: dict[str, int] = {}
        combos: dict[tuple, tuple[int, int, int, int]] = {}
        combo = [(0, 0, 0, 0)] * len(rows)
        for d, f in enumerate(rows):
            if not f:
                continue
            key = (tuple(f.get("r", ())), tuple(f.get("s", ())), tuple(f.get("rs", ())), tuple(f.get("c", ())))
            bits = combos.get(key)
            if bits is None:
                bits = combos[key] = self._bits(key, certs)
            combo[d] = bits
            ck = f.get("ck")
            if ck:
                if ck not in cities:
                    self.city_names.append(f.get("cn") or ck)
                self.city[d] = _intern(cities, self.city_keys, ck)
            if f.get("rg"):
                self.region[d] = _intern(regions, self.regions, f["rg"])
            if f.get("sv"):
                self.serves[d] = sum(1 << US_STATES.index(c) for c in set(f["sv"]) if c in US_STATES)
            if f.get("la") is not None and f.get("lo") is not None:
                self.lat[d], self.lon[d] = f["la"], f["lo"]
            self.names[d] = f.get("n", "")
        self.certs = list(certs)
        if combo:
            route, setting, pairs, cert = zip(*combo, strict=True)
            self.route[:] = route
            self.setting[:] = setting
            self.route_setting[:] = pairs
            self.cert[:] = np.array(cert, dtype=np.uint64)

    @staticmethod
    def _bits(key: tuple, certs: dict[str, int]) -> tuple[int, int, int, int]:
        routes, settings, pairs, programmes = key
        cert = 0
        for c in programmes:
            code = certs.setdefault(c, len(certs))
            if code < 64:
                cert |= 1 << code
        return (sum(1 << ROUTES.index(r) for r in set(routes) if r in ROUTES),
                sum(1 << SETTINGS.index(x) for x in set(settings) if x in SETTINGS),
                sum(1 << ROUTE_SETTINGS.index(x) for x in set(pairs) if x in ROUTE_SETTINGS), cert)


def _intern(table: dict[str, int], values: list[str], key: str) -> int:
    """The code of `key`, numbering keys in order of first sight."""
    code = table.get(key)
    if code is None:
        code = table[key] = len(values)
        values.append(key)
    return code


_segments = LRU(64)  # parsed segments kept per process


def _segment_rows(reader) -> _SegmentRows:
    key = segment_key(reader)
    if key is None:  # not a segment of a stored index: nothing to share
        return _SegmentRows(reader)
    rows = _segments.get(key)
    if rows is None:
        rows = _SegmentRows(reader)
        _segments.put(key, rows)
    return rows


def _join(parts: list[np.ndarray], n: int, dtype, fill) -> np.ndarray:
    out = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
    if len(out) != n:  # a reader whose segments do not add up (cannot happen with Whoosh): pad or cut
        out = np.concatenate([out, np.full(max(0, n - len(out)), fill, dtype=dtype)])[:n]
    return out


class FacetArrays:
    """Per-document filter values for one searcher (one index generation)."""

    def __init__(self, searcher):
        self.token = next(_tokens)  # unique per build: caches keyed on it never outlive a generation
        reader = searcher.reader()
        n = reader.doc_count_all()
        self.n = n
        self.live = np.zeros(n, dtype=bool)
        for d in reader.all_doc_ids():
            self.live[d] = True
        self.cities: list[str] = []          # display names by code
        self.city_codes: dict[str, int] = {}  # folded key -> code
        self.regions: list[str] = []
        self.region_codes: dict[str, int] = {}
        self.certs: list[str] = []
        self.cert_codes: dict[str, int] = {}
        parts = [(_segment_rows(r), offset) for r, offset in reader.leaf_readers()]
        self.route = _join([p.route for p, _o in parts], n, np.uint8, 0)
        self.setting = _join([p.setting for p, _o in parts], n, np.uint8, 0)
        self.route_setting = _join([p.route_setting for p, _o in parts], n, np.uint16, 0)
        self.lat = _join([p.lat for p, _o in parts], n, np.float64, np.nan)
        self.lon = _join([p.lon for p, _o in parts], n, np.float64, np.nan)
        self.cert = _join([self._global_certs(p) for p, _o in parts], n, np.uint64, 0)
        self.serves = _join([p.serves for p, _o in parts], n, np.uint64, 0)
        self.city = _join([self._global_codes(p.city, p.city_keys, self.city_codes, self.cities, p.city_names)
                           for p, _o in parts], n, np.int32, -1)
        self.region = _join([self._global_codes(p.region, p.regions, self.region_codes, self.regions)
                             for p, _o in parts], n, np.int32, -1)
        names = np.array([name for p, _o in parts for name in p.names] or [""], dtype=str)
        names = np.resize(names, n) if len(names) != n else names
        dead = ~self.live  # deleted rows count for nothing: blank, as if never indexed
        for arr, blank in ((self.route, 0), (self.setting, 0), (self.route_setting, 0), (self.cert, 0),
                           (self.serves, 0),
                           (self.city, -1), (self.region, -1), (self.lat, np.nan), (self.lon, np.nan),
                           (names, "")):
            arr[dead] = blank
        order = np.argsort(names, kind="stable")  # by name, then document number (as Whoosh sorts)
        self.name_rank = np.empty(n, dtype=np.int64)
        self.name_rank[order] = np.arange(n)
        self.by_name = order.astype(np.intp)  # document numbers in name order
        self._facet_tables()
        self._geo_tables()

    def _facet_tables(self) -> None:
        """Codes that let `facets` count with one gather and two `bincount`s per request.

        Each document gets the code of its (routes, settings, programmes) combination (a few thousand
        distinct ones at 100k records): counting combinations and multiplying by a combination x label
        matrix of 0/1 gives every route, setting and programme count at once, instead of one masked copy
        and one comparison per label. City labels are numbered in label order, so ties in the top-50 city
        list break by number alone.
        """
        ncert = min(len(self.certs), 64)
        rs = self.route.astype(np.int64) | (self.setting.astype(np.int64) << len(ROUTES))
        cert_values, cert_code = np.unique(self.cert, return_inverse=True)
        keys, combo = np.unique(cert_code.reshape(-1) * 256 + rs, return_inverse=True)
        self.combo = combo.reshape(-1).astype(np.intp)  # intp: bincount would convert anything else
        rs_of, cert_of = keys % 256, cert_values[keys // 256]
        nbits = len(ROUTES) + len(SETTINGS)
        bits = (rs_of[:, None] >> np.arange(nbits)) & 1
        cbits = (cert_of[:, None] >> np.arange(ncert, dtype=np.uint64)) & np.uint64(1)
        self.combo_labels = np.hstack([bits, cbits.astype(np.int64)]).astype(np.float64)
        self.label_names = [("route", lab) for lab in ROUTES] + [("setting", lab) for lab in SETTINGS] + [
            ("certification", lab) for lab in self.certs[:64]]
        # City labels in sorted order; 0 is "no city or no usable label".
        labels = sorted({c for c in self.cities if c not in ("", "-")})
        label_id = {c: i + 1 for i, c in enumerate(labels)}
        by_code = np.array([label_id.get(c, 0) for c in self.cities] + [0], dtype=np.int32)
        self.city_label = by_code[self.city].astype(np.intp)  # city -1 picks the trailing 0
        self.city_labels = [""] + labels
        # Counts over every row, so a result set bigger than half the index is counted through its
        # complement (all minus the rest) and no request gathers more than half the rows.
        self.combo_all = np.bincount(self.combo, minlength=len(self.combo_labels))
        self.city_all = np.bincount(self.city_label, minlength=len(self.city_labels))
        # Rows of each city or region code, contiguous: a filter sets those rows instead of comparing all.
        self.city_rows, self.city_bounds = _postings(self.city, len(self.cities))
        self.region_rows, self.region_bounds = _postings(self.region, len(self.regions))
        # One read-only boolean column per route, setting, route:setting and programme: a filter on one
        # value is that column itself, on several an OR of a few.
        self.route_cols = _columns(self.route, len(ROUTES))
        self.setting_cols = _columns(self.setting, len(SETTINGS))
        self.route_setting_cols = _columns(self.route_setting, len(ROUTE_SETTINGS))
        self.cert_cols = _columns(self.cert, min(len(self.certs), 64))
        self.serves_cols = _columns(self.serves, len(US_STATES))

    def _geo_tables(self) -> None:
        """Rows sorted by (1-degree latitude band, longitude), so the bounding box of a circle is a few
        contiguous runs found by binary search; and each row as a unit vector, so a distance is the chord
        to the centre (2R asin(chord / 2), the great-circle distance) with no trigonometry per row."""
        band = np.clip(np.floor(self.lat + 90.0), 0, 180)
        key = band * 1000.0 + (self.lon + 180.0) % 360.0
        key[np.isnan(key)] = np.inf  # rows without coordinates sort last, beyond any box
        self.geo_order = np.argsort(key, kind="stable")
        self.geo_key = key[self.geo_order]
        self.xyz = _unit_vectors(self.lat, self.lon)

    def _global_certs(self, rows: _SegmentRows) -> np.ndarray:
        out = np.zeros(len(rows.cert), dtype=np.uint64)
        for local, name in enumerate(rows.certs):
            code = _intern(self.cert_codes, self.certs, name)
            if code < 64:
                out |= ((rows.cert >> np.uint64(local)) & np.uint64(1)) << np.uint64(code)
        return out

    def _global_codes(self, local: np.ndarray, keys: list[str], table: dict[str, int], values: list[str],
                      display: list[str] | None = None) -> np.ndarray:
        """A segment's own codes (first seen, first numbered) as this generation's codes."""
        remap = np.empty(len(keys) + 1, dtype=np.int32)
        remap[-1] = -1
        for i, key in enumerate(keys):
            code = table.get(key)
            if code is None:
                code = table[key] = len(values)
                values.append(display[i] if display is not None else key)
            remap[i] = code
        return remap[local]

    # -- filters ----------------------------------------------------------------------------------
    def city_mask(self, keys: list[str]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for code in {self.city_codes[k] for k in keys if k in self.city_codes}:
            mask[self.city_rows[self.city_bounds[code]:self.city_bounds[code + 1]]] = True
        return mask

    def region_mask(self, region: str) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        code = self.region_codes.get(region)
        if code is not None:
            mask[self.region_rows[self.region_bounds[code]:self.region_bounds[code + 1]]] = True
        return mask

    def route_mask(self, routes: list[str], setting: str) -> np.ndarray:
        """Read-only: combine it into a mask of your own (`mask &= ...`)."""
        if routes and setting:
            cols = [self.route_setting_cols[ROUTE_SETTINGS.index(f"{r}:{setting}")] for r in routes]
        elif routes:
            cols = [self.route_cols[ROUTES.index(r)] for r in routes]
        else:
            cols = [self.setting_cols[SETTINGS.index(setting)]]
        return _any(cols, self.n)

    def cert_mask(self, certs: list[str]) -> np.ndarray:
        """Read-only, as `route_mask`."""
        codes = [self.cert_codes.get(c) for c in certs]
        return _any([self.cert_cols[code] for code in codes if code is not None and code < 64], self.n)

    def serves_mask(self, regions: list[str]) -> np.ndarray:
        """Read-only, as `route_mask`: rows serving any of these states by telehealth or at home."""
        return _any([self.serves_cols[US_STATES.index(r)] for r in regions if r in US_STATES], self.n)

    def distances(self, lat0: float, lon0: float, radius: float) -> np.ndarray:
        """Great-circle miles from a point; inf for rows outside the radius's bounding box.

        The box holds every point within `radius` (its longitude half-width is asin(sin r / cos lat0),
        the exact widest point of a circle on the sphere, and it spans all longitudes when the circle
        reaches a pole), padded a little against rounding; only its rows get a distance.
        """
        out = np.full(self.n, np.inf)
        idx = self.candidates(lat0, lon0, radius)
        if len(idx):
            x0, y0, z0 = _unit_vectors(lat0, lon0)
            x, y, z = self.xyz
            c2 = x[idx] - x0
            c2 *= c2
            for col, v0 in ((y, y0), (z, z0)):
                d = col[idx] - v0
                d *= d
                c2 += d
            np.sqrt(c2, out=c2)
            c2 *= 0.5
            np.minimum(c2, 1.0, out=c2)
            out[idx] = 2 * EARTH_MI * np.arcsin(c2)
        return out

    def candidates(self, lat0: float, lon0: float, radius: float) -> np.ndarray:
        """Rows inside the bounding box of a circle (a superset of those within `radius` miles)."""
        ang = radius / EARTH_MI
        dlat = math.degrees(ang) * (1 + 1e-9) + 1e-9
        spans = [(0.0, 360.0)]  # longitudes as (lon + 180) % 360
        ratio = math.sin(ang) / math.cos(math.radians(lat0)) if abs(lat0) + dlat < 90.0 else 1.0
        if ratio < 1.0:  # else the circle holds a pole: every longitude
            dlon = math.degrees(math.asin(ratio)) * (1 + 1e-9) + 1e-9
            x0 = (lon0 + 180.0) % 360.0
            lo, hi = x0 - dlon, x0 + dlon
            if dlon >= 180.0:
                pass
            elif lo < 0.0:
                spans = [(lo + 360.0, 360.0), (0.0, hi)]
            elif hi > 360.0:
                spans = [(lo, 360.0), (0.0, hi - 360.0)]
            else:
                spans = [(lo, hi)]
        b0 = max(0, math.floor(lat0 - dlat + 90.0))
        b1 = min(180, math.floor(lat0 + dlat + 90.0))
        if b0 > b1:
            return np.zeros(0, dtype=np.intp)
        bands = np.arange(b0, b1 + 1, dtype=np.float64)[:, None] * 1000.0
        starts = np.searchsorted(self.geo_key, (bands + [s[0] for s in spans]).ravel(), side="left")
        ends = np.searchsorted(self.geo_key, (bands + [s[1] for s in spans]).ravel(), side="right")
        runs = [self.geo_order[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True) if e > s]
        return np.concatenate(runs) if runs else np.zeros(0, dtype=np.intp)

    # -- facets -----------------------------------------------------------------------------------
    def facets(self, mask: np.ndarray, city_limit: int = 50) -> dict[str, dict[str, int]]:
        """Counts per label over the masked rows, each facet ordered by count (desc) then label; the city
        facet keeps its `city_limit` biggest, chosen with a partition rather than a full sort."""
        if np.count_nonzero(mask) * 2 <= self.n:
            idx = np.flatnonzero(mask)
            combos = np.bincount(self.combo[idx], minlength=len(self.combo_labels))
            cities = np.bincount(self.city_label[idx], minlength=len(self.city_labels))
        else:
            rest = np.flatnonzero(~mask)
            combos = self.combo_all - np.bincount(self.combo[rest], minlength=len(self.combo_labels))
            cities = self.city_all - np.bincount(self.city_label[rest], minlength=len(self.city_labels))
        counts = combos @ self.combo_labels
        out: dict[str, dict[str, int]] = {"route": {}, "setting": {}, "certification": {}, "city": {}}
        for i in sorted(np.flatnonzero(counts).tolist(), key=lambda i: (-counts[i], self.label_names[i][1])):
            facet, label = self.label_names[i]
            if label not in ("", "-"):
                out[facet][label] = int(counts[i])
        cities[0] = 0
        out["city"] = {self.city_labels[i]: int(cities[i]) for i in top_counts(cities, city_limit)}
        # Few records serve states at all: count the bits of those that do, not of every masked row.
        served = self.serves[mask]
        served = served[served != 0]
        counts = {c: int(np.count_nonzero(served & np.uint64(1 << i))) for i, c in enumerate(US_STATES)} \
            if len(served) else {}
        out["serves"] = dict(sorted(((c, v) for c, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))
        return out

    def page_by(self, mask: np.ndarray, key: np.ndarray, start: int, count: int) -> np.ndarray:
        """Document numbers start..start+count of the masked set ordered by `key` (then docnum).

        In name order (`key` is `name_rank`) a big result set is paged by walking the precomputed name
        order until enough members turn up, instead of gathering and partially sorting all of them.
        """
        end = start + count
        if key is self.name_rank and end > 0:
            total = int(np.count_nonzero(mask))
            span = (end * self.n // total) * 5 // 4 + 64 if total else self.n
            if span < self.n // 4:
                while True:
                    rows = self.by_name[:span]
                    hits = rows[mask[rows]]
                    if len(hits) >= end or span >= self.n:
                        return hits[start:end]
                    span *= 4
        idx = np.flatnonzero(mask)
        if not len(idx):
            return idx
        end = min(end, len(idx))
        keys = key[idx]
        part = None
        if end < len(idx) // 4:
            # A key from a strided sample that about 2 x end rows fall at or under: every row of the true
            # first `end` has a key at most that (ties included), so sorting only those rows is exact.
            step = max(1, len(idx) // 2048)
            sample = keys[::step]
            j = min(len(sample) - 1, 2 * end // step + 8)
            cand = np.flatnonzero(keys <= np.partition(sample, j)[j])
            if len(cand) >= end:
                part = cand[np.lexsort((idx[cand], keys[cand]))[:end]]
        if part is None:
            part = np.lexsort((idx, keys))[:end]
        return idx[part][start:end]


def _postings(codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by code (code c's rows are rows[bounds[c]:bounds[c + 1]]); code -1 rows come first."""
    rows = np.argsort(codes, kind="stable")
    return rows, np.searchsorted(codes[rows], np.arange(count + 1))


def _columns(bits: np.ndarray, count: int) -> list[np.ndarray]:
    cols = []
    for i in range(count):
        col = (bits & bits.dtype.type(1 << i)) != 0
        col.setflags(write=False)
        cols.append(col)
    return cols


def _any(cols: list[np.ndarray], n: int) -> np.ndarray:
    if not cols:
        return np.zeros(n, dtype=bool)
    return cols[0] if len(cols) == 1 else np.logical_or.reduce(cols)


def _unit_vectors(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    cos_la = np.cos(la)
    return cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)


def haversine(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle miles from one point to many."""
    la1, lo1 = math.radians(lat0), math.radians(lon0)
    la2, lo2 = np.radians(lat), np.radians(lon)
    a = np.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_MI * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def top_counts(counts: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest non-zero counts, by count (desc) then position (asc): the order a full
    sort gives, including which of several equal counts at the k-th place make the cut."""
    nz = np.flatnonzero(counts)
    if k <= 0:
        return nz[:0]
    if len(nz) > k:
        kth = np.partition(counts[nz], len(nz) - k)[len(nz) - k]  # the k-th largest count
        nz = nz[counts[nz] >= kth]  # all ties at the cut stay candidates; position order breaks them
    return nz[np.argsort(-counts[nz], kind="stable")][:k]


_cache: dict[tuple, FacetArrays] = {}
_lock = threading.Lock()
KEEP_GENERATIONS = 2  # per index: the newest, and the one requests that started before it still use


def cache_key(searcher) -> tuple:
    """(index folder, generation, segment ids): what the arrays of a searcher are cached under.

    Keyed by the segments' ids as well as the generation: a rebuilt index swapped in under the same
    path starts again at generation 1, and must not be answered with the arrays of the index it replaced.
    """
    try:
        reader = searcher.reader()
        segments = tuple(k for r, _offset in reader.leaf_readers() if (k := segment_key(r)) is not None)
        return (index_folder(searcher), reader.generation(), segments)
    except AttributeError:
        return (id(searcher.reader()), 0, ())


def arrays_for(searcher) -> FacetArrays:
    """The arrays for this searcher's index generation, built once and shared by every thread.

    A generation already built is answered without waiting: while one is being built (by a request or by the
    warm-up thread, index.reader), requests on a generation already built are not held up by it.
    """
    key = cache_key(searcher)
    arrays = _cache.get(key)
    if arrays is not None:
        return arrays
    with _lock:
        arrays = _cache.get(key)
        if arrays is None:
            arrays = FacetArrays(searcher)
            same = [k for k in _cache if k[0] == key[0]]
            for old in same[:max(0, len(same) - KEEP_GENERATIONS + 1)]:
                del _cache[old]  # older searchers are closing
            _cache[key] = arrays
    return arrays
