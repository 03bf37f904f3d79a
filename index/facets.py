"""Filters, facets and ordering from in-memory arrays, one set per index generation.

Whoosh answers free text well but counts facets slowly: `groupedby` walks every matching document on every
request. A directory's filters are all low-cardinality (5 routes, 3 settings, a dozen programmes, a few
thousand cities), so each web process keeps, per committed index generation, one small numpy array per
filter (bit masks for multi-valued fields, integer codes for cities and regions, coordinates, name ranks),
read once from a compact column. A query becomes a handful of vectorised comparisons; facet counts are
`bincount`s; only free text (`q`) goes to Whoosh. At 100k records the arrays take a few MB.
"""

from __future__ import annotations

import itertools
import json
import math
import threading

import numpy as np

_tokens = itertools.count(1)
ROUTES = ("iv", "im", "intranasal", "oral", "subcutaneous")
SETTINGS = ("in_clinic", "at_home", "unspecified")
ROUTE_SETTINGS = tuple(f"{r}:{s}" for r in ROUTES for s in SETTINGS)
EARTH_MI = 3958.7613


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
        self.route = np.zeros(n, dtype=np.uint8)
        self.setting = np.zeros(n, dtype=np.uint8)
        self.route_setting = np.zeros(n, dtype=np.uint16)
        self.cert = np.zeros(n, dtype=np.uint64)
        self.city = np.full(n, -1, dtype=np.int32)
        self.region = np.full(n, -1, dtype=np.int32)
        self.lat = np.full(n, np.nan)
        self.lon = np.full(n, np.nan)
        self.cities: list[str] = []          # display names by code
        self.city_codes: dict[str, int] = {}  # folded key -> code
        self.regions: list[str] = []
        self.region_codes: dict[str, int] = {}
        self.certs: list[str] = []
        self.cert_codes: dict[str, int] = {}
        names = [""] * n
        display: dict[int, str] = {}
        if reader.has_column("facets"):
            column = reader.column_reader("facets")
            for d in np.nonzero(self.live)[0]:
                raw = column[int(d)]
                if not raw:
                    continue
                f = json.loads(raw)
                self._load(int(d), f, names, display)
        self.cities = [display.get(i, "") for i in range(len(self.city_codes))]
        order = sorted(range(n), key=lambda d: (names[d], d))
        self.name_rank = np.empty(n, dtype=np.int64)
        self.name_rank[order] = np.arange(n)

    def _code(self, table: dict[str, int], values: list[str], key: str) -> int:
        code = table.get(key)
        if code is None:
            code = table[key] = len(values)
            values.append(key)
        return code

    def _load(self, d: int, f: dict, names: list[str], display: dict[int, str]) -> None:
        for r in f.get("r", []):
            if r in ROUTES:
                self.route[d] |= 1 << ROUTES.index(r)
        for s in f.get("s", []):
            if s in SETTINGS:
                self.setting[d] |= 1 << SETTINGS.index(s)
        for rs in f.get("rs", []):
            if rs in ROUTE_SETTINGS:
                self.route_setting[d] |= 1 << ROUTE_SETTINGS.index(rs)
        for c in f.get("c", []):
            code = self._code(self.cert_codes, self.certs, c)
            if code < 64:
                self.cert[d] |= np.uint64(1) << np.uint64(code)
        if f.get("ck"):
            code = self.city_codes.get(f["ck"])
            if code is None:
                code = self.city_codes[f["ck"]] = len(self.city_codes)
                display[code] = f.get("cn") or f["ck"]
            self.city[d] = code
        if f.get("rg"):
            self.region[d] = self._code(self.region_codes, self.regions, f["rg"])
        if f.get("la") is not None and f.get("lo") is not None:
            self.lat[d], self.lon[d] = f["la"], f["lo"]
        names[d] = f.get("n", "")

    # -- filters ----------------------------------------------------------------------------------
    def city_mask(self, keys: list[str]) -> np.ndarray:
        codes = [self.city_codes[k] for k in keys if k in self.city_codes]
        return np.isin(self.city, codes) if codes else np.zeros(self.n, dtype=bool)

    def region_mask(self, region: str) -> np.ndarray:
        code = self.region_codes.get(region)
        return self.region == code if code is not None else np.zeros(self.n, dtype=bool)

    def route_mask(self, routes: list[str], setting: str) -> np.ndarray:
        if routes and setting:
            bits = sum(1 << ROUTE_SETTINGS.index(f"{r}:{setting}") for r in routes)
            return (self.route_setting & bits) != 0
        if routes:
            return (self.route & sum(1 << ROUTES.index(r) for r in routes)) != 0
        return (self.setting & (1 << SETTINGS.index(setting))) != 0

    def cert_mask(self, certs: list[str]) -> np.ndarray:
        bits = 0
        for c in certs:
            code = self.cert_codes.get(c)
            if code is not None and code < 64:
                bits |= 1 << code
        return (self.cert & np.uint64(bits)) != 0 if bits else np.zeros(self.n, dtype=bool)

    def distances(self, lat0: float, lon0: float, radius: float) -> np.ndarray:
        """Great-circle miles from a point (inf outside a bounding box, so most rows cost one comparison)."""
        dlat = radius / 69.0
        dlon = radius / max(69.0 * math.cos(math.radians(lat0)), 1e-6)
        box = (np.abs(self.lat - lat0) <= dlat) & (np.abs(((self.lon - lon0 + 180) % 360) - 180) <= dlon)
        out = np.full(self.n, np.inf)
        idx = np.nonzero(box)[0]
        if len(idx):
            la1, lo1 = math.radians(lat0), math.radians(lon0)
            la2, lo2 = np.radians(self.lat[idx]), np.radians(self.lon[idx])
            a = np.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
            out[idx] = 2 * EARTH_MI * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
        return out

    # -- facets -----------------------------------------------------------------------------------
    def facets(self, mask: np.ndarray, city_limit: int = 50) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name, arr, labels in (("route", self.route, ROUTES), ("setting", self.setting, SETTINGS)):
            sel = arr[mask]
            out[name] = {lab: int(np.count_nonzero(sel & (1 << i))) for i, lab in enumerate(labels)}
        sel = self.cert[mask]
        out["certification"] = {lab: int(np.count_nonzero(sel & (np.uint64(1) << np.uint64(i))))
                                for i, lab in enumerate(self.certs[:64])}
        cities = self.city[mask]
        cities = cities[cities >= 0]
        counts = np.bincount(cities, minlength=len(self.cities)) if len(cities) else np.zeros(0, dtype=np.int64)
        top = np.nonzero(counts)[0]
        out["city"] = {self.cities[i]: int(counts[i]) for i in top}
        for k in out:
            items = sorted(((v, c) for v, c in out[k].items() if c and v not in ("", "-")), key=lambda kv: (-kv[1], kv[0]))
            out[k] = dict(items[:city_limit] if k == "city" else items)
        return out

    def page_by(self, mask: np.ndarray, key: np.ndarray, start: int, count: int) -> np.ndarray:
        """Document numbers start..start+count of the masked set ordered by `key` (then docnum)."""
        idx = np.nonzero(mask)[0]
        if not len(idx):
            return idx
        end = min(start + count, len(idx))
        keys = key[idx]
        if end < len(idx) // 4:
            part = np.argpartition(keys, end - 1)[:end]
            part = part[np.lexsort((idx[part], keys[part]))]
        else:
            part = np.lexsort((idx, keys))[:end]
        return idx[part][start:end]


_cache: dict[tuple, FacetArrays] = {}
_lock = threading.Lock()


def arrays_for(searcher) -> FacetArrays:
    """The arrays for this searcher's index generation, built once and shared by every thread."""
    try:
        key = (str(getattr(searcher._ix.storage, "folder", id(searcher._ix))), searcher.reader().generation())
    except AttributeError:
        key = (id(searcher.reader()), 0)
    with _lock:
        arrays = _cache.get(key)
        if arrays is None:
            arrays = FacetArrays(searcher)
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]  # one generation per index is enough: older searchers are closing
            _cache[key] = arrays
    return arrays
