"""The shortcuts that keep a search cheap (index.facets, index.reader, the JSON API's record splicing) must
give exactly what the plain computation gives: same facet order (ties included), same radius set (poles and
the antimeridian included), same pages, and a commit visible to the very next request."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from werkzeug.datastructures import MultiDict

import index.reader as reader_mod
from bench.seed import practitioners, seed
from index.build import update_index
from index.facets import EARTH_MI, FacetArrays, arrays_for, haversine, top_counts
from index.reader import IndexReader
from index.search import json_body, parse_params, search
from kapdir.records import assign_records, refresh_records
from kapdir.store import Store
from kapdir.vocabulary import US_STATES


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fastpaths")
    seed(d, 700, 5, quiet=True)
    return d


@pytest.fixture(scope="module")
def arrays(data) -> FacetArrays:
    return arrays_for(IndexReader(data / "index").searcher())


def full_sort(counts: np.ndarray, k: int) -> list[int]:
    return sorted((i for i in range(len(counts)) if counts[i]), key=lambda i: (-counts[i], i))[:k]


def test_top_counts_equals_the_full_sort_with_ties_at_the_cut():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(0, 400))
        counts = rng.integers(0, int(rng.integers(1, 6)), n)  # few distinct values: many ties at the cut
        for k in (0, 1, 5, 50, n, n + 3):
            assert top_counts(counts, k).tolist() == full_sort(counts, k)


def reference_facets(a: FacetArrays, mask: np.ndarray, limit: int) -> dict:
    """The straightforward count: every label of every masked row, then sorted (count desc, label)."""
    out: dict[str, dict[str, int]] = {}
    rows = np.flatnonzero(mask)
    for name, labels in (("route", [lab for _f, lab in a.label_names[:5]]),
                         ("setting", [lab for _f, lab in a.label_names[5:8]])):
        arr = a.route if name == "route" else a.setting
        out[name] = {lab: int(np.count_nonzero(arr[rows] & (1 << i))) for i, lab in enumerate(labels)}
    out["certification"] = {lab: int(np.count_nonzero(a.cert[rows] & (np.uint64(1) << np.uint64(i))))
                            for i, lab in enumerate(a.certs[:64])}
    cities: dict[str, int] = {}
    for d in rows:
        if a.city[d] >= 0:
            cities[a.cities[a.city[d]]] = cities.get(a.cities[a.city[d]], 0) + 1
    out["city"] = cities
    out["serves"] = {lab: int(np.count_nonzero(a.serves[rows] & (np.uint64(1) << np.uint64(i))))
                     for i, lab in enumerate(US_STATES)}
    for k in out:
        items = sorted(((v, c) for v, c in out[k].items() if c and v not in ("", "-")), key=lambda kv: (-kv[1], kv[0]))
        out[k] = dict(items[:limit] if k == "city" else items)
    return out


def test_facets_equal_the_plain_count_in_the_same_order(arrays):
    rng = np.random.default_rng(3)
    masks = [arrays.live.copy(), np.zeros(arrays.n, dtype=bool)]
    masks += [arrays.live & (rng.random(arrays.n) < p) for p in (0.9, 0.6, 0.3, 0.05)]
    masks += [arrays.live & arrays.route_mask(["iv"], "in_clinic"), arrays.live & arrays.cert_mask(["maps"])]
    assert len(arrays.city_labels) > 60  # enough cities for the cut at 50 to fall among ties
    for mask in masks:
        for limit in (50, 10, 1):
            fast, ref = arrays.facets(mask, limit), reference_facets(arrays, mask, limit)
            assert fast == ref
            assert [list(v.items()) for v in fast.values()] == [list(v.items()) for v in ref.values()]


def test_filter_masks_equal_plain_comparisons(arrays):
    for routes, setting in (([], "at_home"), (["iv"], ""), (["iv", "oral"], ""), (["im", "oral"], "in_clinic")):
        if routes and setting:
            from index.facets import ROUTE_SETTINGS
            want = np.zeros(arrays.n, dtype=bool)
            for r in routes:
                want |= (arrays.route_setting & (1 << ROUTE_SETTINGS.index(f"{r}:{setting}"))) != 0
        elif routes:
            from index.facets import ROUTES
            want = (arrays.route & sum(1 << ROUTES.index(r) for r in routes)) != 0
        else:
            from index.facets import SETTINGS
            want = (arrays.setting & (1 << SETTINGS.index(setting))) != 0
        assert (arrays.route_mask(routes, setting) == want).all()
    for certs in ([], ["maps"], ["maps", "polaris"], ["nobody-runs-this"]):
        bits = sum(1 << arrays.cert_codes[c] for c in certs if c in arrays.cert_codes)
        assert (arrays.cert_mask(certs) == ((arrays.cert & np.uint64(bits)) != 0)).all()
    keys = list(arrays.city_codes)
    for chosen in ([], keys[:1], keys[3:7], ["no such city"]):
        want = np.isin(arrays.city, [arrays.city_codes[k] for k in chosen if k in arrays.city_codes])
        assert (arrays.city_mask(chosen) == want).all()
    for region in [*arrays.regions[:5], "ZZ"]:
        code = arrays.region_codes.get(region, -2)
        assert (arrays.region_mask(region) == (arrays.region == code)).all()


def test_name_order_pages_equal_a_full_sort(arrays):
    rng = np.random.default_rng(11)
    order = np.lexsort((np.arange(arrays.n), arrays.name_rank))
    for p in (1.0, 0.7, 0.3, 0.02, 0.0):
        mask = arrays.live & (rng.random(arrays.n) < p)
        whole = order[mask[order]]
        for start, count in ((0, 20), (20, 20), (0, 100), (len(whole) - 5, 20), (len(whole) + 40, 20)):
            start = max(start, 0)
            assert arrays.page_by(mask, arrays.name_rank, start, count).tolist() == whole[start:start + count].tolist()


def test_pages_by_any_key_equal_a_full_sort(arrays):
    """Relevance and distance pages pick their rows through a sampled threshold: ties, infinities and
    NaN must come out exactly as a full (key, docnum) sort puts them."""
    rng = np.random.default_rng(5)
    big = object.__new__(FacetArrays)  # big enough for the threshold to come from a strided sample
    big.n, big.name_rank = 120_000, None
    for a in (arrays, big):
        page_by_any_key(a, rng)


def page_by_any_key(arrays, rng):
    n = arrays.n
    keys = [rng.random(n), rng.integers(0, 3, n).astype(float), -rng.integers(0, 40, n).astype(float),
            np.where(rng.random(n) < 0.3, np.inf, rng.random(n)), np.where(rng.random(n) < 0.5, np.nan, rng.random(n))]
    for key in keys:
        for p in (1.0, 0.5, 0.1, 0.01):
            mask = rng.random(n) < p
            idx = np.flatnonzero(mask)
            whole = idx[np.lexsort((idx, key[idx]))]
            for start, count in ((0, 20), (0, 1), (40, 20), (0, 100), (len(whole) - 3, 20)):
                start = max(start, 0)
                assert arrays.page_by(mask, key, start, count).tolist() == whole[start:start + count].tolist()


def geo_arrays(lat: np.ndarray, lon: np.ndarray) -> FacetArrays:
    a = object.__new__(FacetArrays)
    a.n, a.lat, a.lon = len(lat), lat, lon
    a._geo_tables()
    return a


@pytest.mark.parametrize("centre", [(34.05, -118.24), (0.0, 179.9), (-12.0, -179.95), (89.7, 10.0), (-89.9, -120.0),
                                    (64.8, -147.7), (71.0, 179.5), (45.0, 0.0)])
def test_radius_prefilter_equals_brute_force_haversine(centre):
    rng = np.random.default_rng(abs(hash(centre)) % 2**32)
    lat0, lon0 = centre
    near_lat = np.clip(lat0 + rng.normal(0, 6, 4000), -90, 90)
    near_lon = (lon0 + rng.normal(0, 25, 4000) + 180) % 360 - 180
    lat = np.concatenate([near_lat, rng.uniform(-90, 90, 4000), [90, -90, np.nan, 10.0], np.full(20, lat0)])
    lon = np.concatenate([near_lon, rng.uniform(-180, 180, 4000), [0, 0, 5.0, np.nan], np.full(20, lon0)])
    lon[:50] = np.where(lon[:50] > 0, 180.0, -180.0)  # both spellings of the antimeridian
    a = geo_arrays(lat, lon)
    brute = haversine(lat0, lon0, lat, lon)
    for radius in (0.5, 10, 25, 100, 250, 500, 3000):
        dist = a.distances(lat0, lon0, radius)
        inside = np.flatnonzero(dist <= radius)
        assert inside.tolist() == np.flatnonzero(brute <= radius).tolist(), radius
        assert np.allclose(dist[inside], brute[inside], rtol=1e-12, atol=1e-9)
    # a radius past a pole from the other side
    far = 180 * EARTH_MI * math.pi / 180
    assert np.count_nonzero(a.distances(lat0, lon0, far) <= far) == np.count_nonzero(~np.isnan(brute))


@pytest.mark.parametrize("query", [[("city", "Los Angeles")], [("near", "90012"), ("radius_mi", "40")],
                                   [("route", "iv"), ("setting", "in_clinic"), ("per_page", "50")],
                                   [("certification", "maps"), ("page", "2")], [("q", "lozenges")],
                                   [("city", "Nowhereville")]])
def test_json_api_body_is_the_same_document(data, query):
    s = IndexReader(data / "index").searcher()
    p = parse_params(MultiDict(query))
    assert json.loads(json_body(search(s, p, raw=True))) == search(s, p)
    assert json_body(search(s, p, raw=True)).endswith("}\n")


def add_records(data: Path, n: int, seed_value: int) -> None:
    with Store(data / "kapdir.sqlite3") as store:
        job = store.start_job("more")
        lids = [store.upsert_listing(source=src, url=url.replace("/p/", f"/more{seed_value}/"), key="", data=d,
                                     status="published", job_id=job)[0]
                for src, url, d in practitioners(n, seed_value)]
        refresh_records(store, assign_records(store, lids))
        store.finish_job(job, "ok", {})
        assert update_index(store, data / "index")["rebuilt"] is False


@pytest.mark.parametrize("settle_ns", [0, reader_mod.SETTLE_NS])
def test_a_commit_is_seen_by_the_next_request(tmp_path, monkeypatch, settle_ns):
    """With stamps trusted at once (settle 0) as well as with the default, the request right after an
    incremental commit gets the new generation; and while nothing changes, Whoosh is not asked again."""
    seed(tmp_path, 40, 9, quiet=True)
    monkeypatch.setattr(reader_mod, "SETTLE_NS", settle_ns)
    asked = []
    from whoosh.searching import Searcher
    real = Searcher.up_to_date
    monkeypatch.setattr(Searcher, "up_to_date", lambda self: asked.append(1) or real(self))
    reader = IndexReader(tmp_path / "index")
    first = reader.searcher()
    before = first.doc_count()
    assert reader.searcher() is first
    asked.clear()
    reader.searcher()
    if settle_ns == 0:
        assert not asked  # unchanged directory: no listing of it
    add_records(tmp_path, 15, 10)
    after = reader.searcher()
    assert after is not first and after.doc_count() > before
    assert after.reader().generation() == after._ix.latest_generation()


def test_a_rebuild_at_the_same_generation_gets_its_own_arrays(tmp_path):
    """A rebuilt index swapped in under the same path starts at generation 1 again, like the one it
    replaced: the next search must count the new documents, not reuse the old index's arrays."""
    seed(tmp_path, 30, 1, quiet=True)
    reader = IndexReader(tmp_path / "index")
    first = reader.searcher()
    assert search(first, parse_params(MultiDict()))["total"] == first.doc_count() == 30
    seed(tmp_path, 45, 2, quiet=True)  # seeds more records and rebuilds
    again = reader.searcher()
    assert again.reader().generation() == first.reader().generation()
    assert search(again, parse_params(MultiDict()))["total"] == again.doc_count() > 30


def test_facet_counts_are_kept_per_generation_and_filter_set(tmp_path):
    """Paging and re-sorting a search reuse its facet counts; another filter set, or a commit that adds
    records, counts again (the counts of the old generation are never served for the new one)."""
    from index import search as search_module

    seed(tmp_path, 60, 3, quiet=True)
    reader = IndexReader(tmp_path / "index")
    s = reader.searcher()
    one = search(s, parse_params(MultiDict([("route", "iv")])))
    two = search(s, parse_params(MultiDict([("route", "iv"), ("page", "2"), ("sort", "name")])))
    assert two["facets"] is one["facets"]  # the same counts, counted once
    other = search(s, parse_params(MultiDict([("route", "im")])))
    assert other["facets"] is not one["facets"]
    search_module._FACETS.clear()
    assert search(s, parse_params(MultiDict([("route", "iv")])))["facets"] == one["facets"]
    before = search(s, parse_params(MultiDict()))["facets"]
    add_records(tmp_path, 25, 4)
    after = reader.searcher()
    now = search(after, parse_params(MultiDict()))["facets"]
    assert sum(now["setting"].values()) > sum(before["setting"].values())
