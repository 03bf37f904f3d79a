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
