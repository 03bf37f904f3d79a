"""Issue 16, defaults that use the machine: `kapdir serve` runs a process per core unless told otherwise,
and every web process warms what first queries pay for, after start and after each new index generation."""

from __future__ import annotations

import time

import numpy as np
import pytest
from whoosh import index as whoosh_index

from bench.seed import practitioners, seed
from index import facets, textrank
from index.build import INDEX_NAME, update_index
from index.reader import IndexReader
from kapdir import cli, workers
from kapdir.records import assign_records, refresh_records
from kapdir.store import Store


def cores(monkeypatch, n: int) -> None:
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: set(range(n)))


@pytest.mark.parametrize(("n", "expected"), [(1, 1), (2, 2), (6, 6), (64, workers.MAX_DEFAULT_WORKERS)])
def test_default_worker_count_follows_the_usable_cores(monkeypatch, n, expected):
    cores(monkeypatch, n)
    assert workers.default_workers() == expected


@pytest.fixture
def served(monkeypatch, tmp_path):
    """Run `kapdir serve ARGS` in-process with the servers replaced by recorders; returns what ran."""
    import flask
    import waitress

    calls: list = []
    monkeypatch.setenv("KAPDIR_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setattr(workers, "serve_workers", lambda app, **kw: calls.append(("gunicorn", kw["workers"])))
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(("waitress", 1)))
    monkeypatch.setattr(flask.Flask, "run", lambda self, **kw: calls.append(("debug", 1)))
    monkeypatch.setattr(IndexReader, "start_warming", lambda self, *a, **kw: calls.append(("warm", 0)))

    def run(*args: str, ncores: int = 4) -> list:
        cores(monkeypatch, ncores)
        calls.clear()
        assert cli.main(["--data-dir", str(tmp_path / "d"), "serve", *args]) == 0
        return list(calls)

    return run


def test_serve_runs_a_process_per_core_by_default(served):
    assert served() == [("gunicorn", 4)]
    assert served(ncores=2) == [("gunicorn", 2)]
    assert served(ncores=32) == [("gunicorn", workers.MAX_DEFAULT_WORKERS)]
    assert served("--workers", "3") == [("gunicorn", 3)]


def test_one_worker_and_debug_keep_the_single_process(served):
    # One process warms its own caches before serving; gunicorn workers do it after forking (below).
    assert served("--workers", "1") == [("warm", 0), ("waitress", 1)]
    assert served(ncores=1) == [("warm", 0), ("waitress", 1)]
    assert served("--debug") == [("warm", 0), ("debug", 1)]


def test_each_gunicorn_worker_starts_warming_after_fork(monkeypatch):
    from gunicorn.app.base import BaseApplication

    seen: dict = {}
    monkeypatch.setattr(BaseApplication, "run", lambda self: seen.update(cfg=self.cfg))

    class Index:
        started = 0

        def start_warming(self):
            Index.started += 1

    class App:
        extensions = {"kapdir_index": Index()}

    workers.serve_workers(App(), host="127.0.0.1", port=1, workers=2, threads=2)
    assert seen["cfg"].workers == 2 and Index.started == 0  # not in the master: threads die at fork
    seen["cfg"].post_fork(None, None)
    assert Index.started == 1


def wait_for(cond, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def warmed_for(index_dir) -> tuple:
    """The cache key of the index generation on disk now, read with a searcher of our own (building nothing)."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, readonly=True)
    with ix.searcher() as s:
        key = facets.cache_key(s)
        leaves = [(leaf, facets.segment_key(leaf)) for leaf, _o in s.reader().leaf_readers()]
        word = b"ketamin"  # "ketamine" as the stemming analyser indexes it: in every seeded record
        postings = [textrank._POSTINGS.get((*seg, "body", word)) for leaf, seg in leaves if (("body", word) in leaf)]
        return key, key in facets._cache, postings


def test_warm_up_runs_at_start_and_after_each_new_generation(tmp_path, monkeypatch):
    import index.reader

    # The once-per-process part (query parser, place gazetteers: seconds) is counted, not run, to stay fast.
    process_warms = []
    monkeypatch.setattr(index.reader, "warm_process", lambda: process_warms.append(1) or {"process_s": 0.0})
    data = tmp_path / "d"
    seed(data, 150, 3, quiet=True)
    facets._cache.clear()
    textrank.clear_caches()
    reader = IndexReader(data / "index")
    key, built, postings = warmed_for(data / "index")
    assert not built and postings == [None]  # nothing warm before the thread runs
    reader.start_warming(interval=0.02)
    try:
        wait_for(lambda: reader.warmed >= 1)
        key, built, postings = warmed_for(data / "index")
        assert built, "the generation's arrays were not built at start"
        assert postings and all(p is not None and len(p[0]) > 100 for p in postings)
        assert reader.last_warm["postings"] > 0 and process_warms == [1]

        # A crawl commit: one more practitioner, an incremental update (a new small segment).
        with Store(data / "kapdir.sqlite3") as store:
            job = store.start_job("t")
            source, url, listing = next(practitioners(1, 99))
            lid, _ = store.upsert_listing(source="t", url=url + "new", key="", data=listing, status="published",
                                          job_id=job)
            refresh_records(store, assign_records(store, [lid]))
            store.finish_job(job, "ok", {"pages": 1, "items": 1})
            assert update_index(store, data / "index")["documents"] >= 1
        new_key, _built, _p = warmed_for(data / "index")
        assert new_key != key
        wait_for(lambda: reader.warmed >= 2)
        new_key, built, postings = warmed_for(data / "index")
        assert built, "the new generation's arrays were not built in the background"
        assert len(postings) >= 2 and all(p is not None for p in postings)  # the new segment's word too
        assert process_warms == [1]  # the process part is paid once

        # A rebuild swapped in: a new epoch, warmed again, and the arrays match a fresh build.
        with Store(data / "kapdir.sqlite3") as store:
            update_index(store, data / "index", rebuild=True)
        wait_for(lambda: reader.warmed >= 3)
        rebuilt_key, built, _p = warmed_for(data / "index")
        assert built and rebuilt_key != new_key
        s = reader.searcher()
        warm_arrays = facets.arrays_for(s)
        fresh = facets.FacetArrays(s)
        assert warm_arrays.n == fresh.n == 151
        assert np.array_equal(warm_arrays.name_rank, fresh.name_rank)
    finally:
        reader.stop_warming()
    assert not reader._warm_thread.is_alive()
