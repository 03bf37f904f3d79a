"""Read-only access to the index for web processes, picking up new commits without a restart.

Each thread keeps its own searcher and checks at the start of a request whether a newer generation was
committed (then it opens a fresh searcher) or a rebuild was swapped in (a new ``epoch`` in the meta file:
then the index itself is reopened). Whoosh commits are atomic and old files stay readable while open, so a
request always sees one whole generation. Web processes never write, so several of them can share (or be
shipped) one index directory.

Asking Whoosh whether a searcher is current lists the index directory; instead, each request stats the
meta file and the directory. A commit creates and renames files in the directory (and every update also
replaces the meta file), which changes the directory's mtime, ctime or inode; while neither has changed
since a thread last asked Whoosh, the answer cannot have changed either. File times tick coarsely (a few ms
on most file systems, 2 s on some), so a second commit in the same tick could leave the same stamps: stamps
younger than `SETTLE_NS` are not trusted, and until they settle every request asks Whoosh as before.

Warming (`start_warming`, which `kapdir serve` calls in every web process): the first query of an index
generation, and the first use of each word, used to pay for work done once and kept (profiled at 20k-100k
records): the generation's filter and facet arrays (`index.facets`, seconds at 100k), each segment's field
length columns and each word's posting arrays (`index.textrank`, up to ~80 ms for a common word), and, once
per process, the query parser and the place gazetteers (a first ZIP code in `near` loads the ZIP table). A
daemon thread per process pays for them in the background, right after start and again whenever a new
generation is committed or a rebuild swapped in (it looks as cheaply as a request does, every
`WARM_INTERVAL_S`). It only reads; requests never wait for it except where they would have done the same
work themselves (a request needing arrays the thread is building waits for that build, not for another).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index

from index.build import INDEX_NAME, META, read_meta

log = logging.getLogger(__name__)
SETTLE_NS = 3_000_000_000
WARM_INTERVAL_S = 0.25  # how often the warm-up thread looks for a new generation (two stat calls)
WARM_BYTES = 48 * 1024 * 1024  # posting arrays warmed per generation, most frequent words first
WARM_TERMS = 50_000  # at most this many (segment, field, word) posting lists per generation


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_size


class IndexReader:
    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._meta_path = self.index_dir / META
        self._ix = None
        self._epoch = None
        self._meta_stamp = None
        self._version = 0
        self._local = threading.local()
        self._lock = threading.Lock()
        self.warmed = 0  # generations warmed by this process's warm-up thread (tests and logs read it)
        self.last_warm: dict = {}  # what the last warm-up did, and how long it took
        self._warm_thread: threading.Thread | None = None
        self._warm_pid = None
        self._warm_stop = threading.Event()

    def _check_epoch(self) -> tuple[tuple, bool]:
        """Reopen the index if a rebuild was swapped in; returns the directory's stamps and whether they
        are old enough to be trusted (see the module docstring)."""
        now = time.time_ns()
        meta, folder = _stamp(self._meta_path), _stamp(self.index_dir)
        settled = meta is not None and folder is not None and now - max(meta[0], meta[1], folder[0],
                                                                          folder[1]) > SETTLE_NS
        if meta != self._meta_stamp or self._ix is None:
            with self._lock:
                epoch = read_meta(self.index_dir).get("epoch")
                if self._ix is None or epoch != self._epoch:
                    if whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                        self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME, readonly=True)
                        self._epoch = epoch
                        self._version += 1
                self._meta_stamp = meta
        return (meta, folder), settled

    def searcher(self):
        """A current searcher for this thread, or None when no index has been built yet."""
        stamps, settled = self._check_epoch()
        ix = self._ix
        if ix is None:
            return None
        local = self._local
        s = getattr(local, "searcher", None)
        if s is not None and getattr(local, "version", None) != self._version:
            s.close()  # a rebuilt index was swapped in: the old searcher belongs to the old one
            s = None
        if s is None:
            s = ix.searcher()
        elif settled and getattr(local, "stamps", None) == stamps:
            pass  # nothing in the directory changed since this searcher was last found current
        elif not s.up_to_date():
            # A fresh searcher rather than refresh(): refresh() shares segment readers with the old one,
            # so closing the old one would close readers still in use.
            old, s = s, ix.searcher()
            old.close()
        local.searcher = s
        local.version = self._version
        local.stamps = stamps
        return s

    @property
    def epoch(self):
        """The epoch of the index this process reads (checked against the meta file on every request)."""
        return self._epoch

    def meta(self) -> dict:
        return read_meta(self.index_dir)

    # -- warming ------------------------------------------------------------------------------------
    def start_warming(self, interval: float = WARM_INTERVAL_S) -> None:
        """Start this process's warm-up thread (once per process: a forked worker starts its own)."""
        if self._warm_thread is not None and self._warm_pid == os.getpid() and self._warm_thread.is_alive():
            return
        self._warm_stop = threading.Event()
        self._warm_pid = os.getpid()
        self._warm_thread = threading.Thread(target=self._warm_loop, args=(interval, self._warm_stop),
                                             name="kapdir-warm", daemon=True)
        self._warm_thread.start()

    def stop_warming(self, timeout: float = 10) -> None:
        self._warm_stop.set()
        if self._warm_thread is not None:
            self._warm_thread.join(timeout)

    def _warm_loop(self, interval: float, stop: threading.Event) -> None:
        warmed_key = None
        process_warm = True
        while not stop.is_set():
            try:
                s = self.searcher()  # this thread's own searcher, kept current exactly as a request's
                key = generation_key(s) if s is not None else None
                if key is not None and key != warmed_key:
                    self.last_warm = warm(s, process=process_warm)
                    process_warm = False
                    warmed_key = key
                    self.warmed += 1
                    log.info("kapdir: warmed index generation %s: %s", key[1], self.last_warm)
            except Exception as exc:  # noqa: BLE001 - warming is an optimisation: never let it stop the process
                # Typically a rebuild swapped in while warming (its files went away): the next tick warms it.
                log.warning("kapdir: index warm-up interrupted (%s: %s); retrying", type(exc).__name__, exc)
                log.debug("warm-up failure", exc_info=True)
            stop.wait(interval)


def generation_key(searcher) -> tuple:
    """What identifies a searcher's generation for the caches: (folder, generation, segment ids)."""
    from index.facets import cache_key

    return cache_key(searcher)


def warm_process() -> dict:
    """Once per process: the query parser and the place gazetteers, loaded on first use otherwise."""
    from werkzeug.datastructures import MultiDict

    from index.search import parse_params, suggest_cities, text_query

    t = time.perf_counter()
    for args in ({"q": ["ketamine infusion OR clinic"]}, {"near": ["10001"]}, {"near": ["Denver, CO"]},
                 {"city": ["Portland, OR"]}, {"serves": ["NM"], "certification": ["maps"]}):
        parse_params(MultiDict([(k, v) for k, vs in args.items() for v in vs]))
    text_query('"nasal spray" -home')
    suggest_cities("Bostn")
    return {"process_s": round(time.perf_counter() - t, 3)}


def warm(searcher, *, process: bool = False, budget_bytes: int = WARM_BYTES, max_terms: int = WARM_TERMS) -> dict:
    """Pay in advance for what the first queries of this searcher's generation would pay for.

    The caches are keyed by segment (postings, field lengths, parsed facet rows) or by generation (the
    joined arrays), not by searcher, so what is warmed here serves every thread's searcher of the same
    generation. After an incremental commit only the new segment's entries are missing: the rest is hits.
    """
    from index import textrank
    from index.facets import arrays_for
    from index.whoosh_private import segment_key

    out: dict = {}
    t = time.perf_counter()
    arrays_for(searcher)  # every query starts from these
    out["arrays_s"] = round(time.perf_counter() - t, 3)
    if process:
        out.update(warm_process())
    t = time.perf_counter()
    candidates = []  # (doc frequency, segment reader, segment key, field, word)
    for leaf, _offset in searcher.reader().leaf_readers():
        seg = segment_key(leaf)
        if seg is None:
            continue
        live = next(iter(leaf.all_doc_ids()), None)
        if live is not None:
            try:
                leaf.stored_fields(live)  # opens the stored-fields column a page's records are read from
            except (TypeError, KeyError, OSError):
                pass  # a segment without stored fields of its own (only deletions): nothing to open
        for field in textrank.TEXT_FIELDS:
            if field not in leaf.schema:
                continue
            try:
                textrank.field_lengths(leaf, seg, field)
            except textrank.Unsupported:
                continue
            candidates += [(info.doc_frequency(), leaf, seg, field, text)
                           for text, info in leaf.iter_field(field)]
    candidates.sort(key=lambda c: -c[0])
    spent = terms = 0
    for _df, leaf, seg, field, text in candidates:
        if spent >= budget_bytes or terms >= max_terms:
            break
        ids, weights, lengths = textrank.segment_postings(leaf, seg, field, text)
        spent += ids.nbytes + weights.nbytes + lengths.nbytes
        terms += 1
    out.update(postings=terms, of=len(candidates), postings_mb=round(spent / 2**20, 1),
               postings_s=round(time.perf_counter() - t, 3))
    return out
