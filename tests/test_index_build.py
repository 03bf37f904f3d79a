"""Full rebuilds split over processes: same documents as one writer, in the same order; incremental updates
and deletions afterwards reach every segment; a failure or a kill leaves the old index and no worker behind."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from bench.seed import seed
from index import build
from index.build import INDEX_NAME, update_index
from kapdir.errors import KapdirError
from kapdir.store import Store
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    data = tmp_path_factory.mktemp("build")
    seed(data, 400, 5, quiet=True)
    return data


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    monkeypatch.setattr(build, "REBUILD_PROCESSES", 2)
    # Earlier tests may leave idle server threads behind; the workers here touch no lock those could hold.
    monkeypatch.setattr(build.threading, "active_count", lambda: 1)


def _docs(index_dir) -> tuple[list[dict], int]:
    """(stored fields in docnum order, number of segments)."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    try:
        with ix.searcher() as s:
            return [s.stored_fields(d) for d in s.reader().all_doc_ids()], len(list(s.reader().leaf_readers()))
    finally:
        ix.close()


def _copy(seeded, tmp_path):
    shutil.copy(seeded / "kapdir.sqlite3", tmp_path / "kapdir.sqlite3")
    return Store(tmp_path / "kapdir.sqlite3")


def test_parallel_rebuild_matches_a_single_writer(seeded, tmp_path, parallel, monkeypatch):
    with _copy(seeded, tmp_path) as store:
        res = update_index(store, tmp_path / "index", rebuild=True)
        parallel_docs, segments = _docs(tmp_path / "index")
        monkeypatch.setattr(build, "REBUILD_PROCESSES", 1)
        update_index(store, tmp_path / "index", rebuild=True)
        single_docs, single_segments = _docs(tmp_path / "index")
        published = store.count_records()
    assert (segments, single_segments) == (2, 1)
    assert res["documents"] == res["added_or_updated"] == len(parallel_docs) == published
    assert parallel_docs == single_docs  # same stored fields, same docnum order
    assert [d["id"] for d in parallel_docs] == sorted(d["id"] for d in parallel_docs)


def test_incremental_update_and_delete_after_a_parallel_rebuild(seeded, tmp_path, parallel):
    with _copy(seeded, tmp_path) as store:
        update_index(store, tmp_path / "index", rebuild=True)
        docs, segments = _docs(tmp_path / "index")
        assert segments == 2
        ids = [d["id"] for d in docs]
        first, last, gone = ids[0], ids[-1], ids[len(ids) // 2]  # worker's segment, parent's, either
        with store.tx() as c:
            for rid in (first, last):
                store.put_record(c, rid, {**store.record(rid), "practice": "Zebrafinch Wellness"}, True)
            store.delete_record(c, gone)
        res = update_index(store, tmp_path / "index")
        published = store.count_records()
    assert not res["rebuilt"] and (res["added_or_updated"], res["removed"]) == (2, 1)
    docs, _segments = _docs(tmp_path / "index")
    ids_now = [d["id"] for d in docs]
    assert len(ids_now) == len(set(ids_now)) == published == len(ids) - 1
    assert gone not in ids_now
    for d in docs:
        assert (json.loads(d["record"])["practice"] == "Zebrafinch Wellness") == (d["id"] in (first, last))
    ix = whoosh_index.open_dir(str(tmp_path / "index"), indexname=INDEX_NAME)
    with ix.searcher() as s:
        hits = s.search(QueryParser("practice", ix.schema).parse("zebrafinch"), limit=None)
        assert sorted(h["id"] for h in hits) == sorted([first, last])
    ix.close()


@pytest.mark.parametrize("where", ["parent", "worker"])
def test_failed_parallel_rebuild_keeps_the_old_index(seeded, tmp_path, parallel, monkeypatch, where):
    with _copy(seeded, tmp_path) as store:
        update_index(store, tmp_path / "index", rebuild=True)
        before = _docs(tmp_path / "index")
        live = (tmp_path / "index").resolve()
        ids = [d["id"] for d in before[0]]
        bad = ids[-3] if where == "parent" else ids[3]
        real = build.to_document

        def failing(record):
            if record["id"] == bad:
                raise RuntimeError("boom")
            return real(record)

        monkeypatch.setattr(build, "to_document", failing)
        with pytest.raises(RuntimeError if where == "parent" else KapdirError):
            update_index(store, tmp_path / "index", rebuild=True)
    assert multiprocessing.active_children() == []
    assert (tmp_path / "index").resolve() == live
    assert sorted(p.name for p in tmp_path.glob("index-*")) == [live.name]
    assert _docs(tmp_path / "index") == before


def test_tiny_store_with_an_empty_range(tmp_path, parallel):
    with Store(tmp_path / "kapdir.sqlite3") as store:
        with store.tx() as c:
            store.put_record(c, "only-one", {"id": "only-one", "name": "Ada Marsh"}, True)
        res = update_index(store, tmp_path / "index", rebuild=True)
    docs, segments = _docs(tmp_path / "index")
    assert res["documents"] == 1 and [d["id"] for d in docs] == ["only-one"] and segments == 1


def test_threaded_process_rebuilds_in_one_process(seeded, tmp_path, monkeypatch):
    """fork() in a threaded process (crawler, web admin) could copy a lock another thread holds."""
    monkeypatch.setattr(build, "PARALLEL_FROM", 0)
    monkeypatch.setattr(build, "REBUILD_PROCESSES", 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with _copy(seeded, tmp_path) as store:
            update_index(store, tmp_path / "index", rebuild=True)
    finally:
        stop.set()
        other.join()
    assert _docs(tmp_path / "index")[1] == 1


KILLED_PARENT = """
import sys, time
from pathlib import Path
from index import build
from kapdir.store import Store
build.PARALLEL_FROM, build.REBUILD_PROCESSES = 0, 2
real = build.to_document
def slow(record):
    time.sleep(0.2)  # a worker left to itself would run for ~40 s
    return real(record)
build.to_document = slow
with Store(Path(sys.argv[1])) as store:
    build.update_index(store, Path(sys.argv[2]), rebuild=True)
"""


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")
def test_killed_rebuild_leaves_no_worker_behind(seeded, tmp_path):
    with _copy(seeded, tmp_path):
        pass
    p = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(tmp_path / "kapdir.sqlite3"),
                          str(tmp_path / "index")], cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (workers := _children(p.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers, "no rebuild worker started"
    time.sleep(0.5)
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    # the write lock the worker inherited is free again: the next run repairs
    with Store(tmp_path / "kapdir.sqlite3") as store:
        res = update_index(store, tmp_path / "index")
        assert res["rebuilt"] and res["documents"] == store.count_records()
