"""Read-only access to the index for web processes, picking up new commits without a restart.

Each thread keeps its own searcher and checks at the start of a request whether a newer generation was
committed (then it opens a fresh searcher) or a rebuild was swapped in (a new ``epoch`` in the meta file:
then the index itself is reopened). Whoosh commits are atomic and old files stay readable while open, so a
request always sees one whole generation. Web processes never write, so several of them can share (or be
shipped) one index directory.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from whoosh import index as whoosh_index

from index.build import INDEX_NAME, META, read_meta

log = logging.getLogger(__name__)


class IndexReader:
    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._ix = None
        self._epoch = None
        self._meta_mtime = None
        self._version = 0
        self._local = threading.local()
        self._lock = threading.Lock()

    def _check_epoch(self) -> None:
        try:
            mtime = os.stat(self.index_dir / META).st_mtime_ns
        except OSError:
            mtime = None
        if mtime == self._meta_mtime and self._ix is not None:
            return
        with self._lock:
            epoch = read_meta(self.index_dir).get("epoch")
            if self._ix is None or epoch != self._epoch:
                if whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                    self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME, readonly=True)
                    self._epoch = epoch
                    self._version += 1
            self._meta_mtime = mtime

    def searcher(self):
        """A current searcher for this thread, or None when no index has been built yet."""
        self._check_epoch()
        ix = self._ix
        if ix is None:
            return None
        s = getattr(self._local, "searcher", None)
        if s is not None and getattr(self._local, "version", None) != self._version:
            s.close()  # a rebuilt index was swapped in: the old searcher belongs to the old one
            s = None
        if s is None:
            s = ix.searcher()
        elif not s.up_to_date():
            # A fresh searcher rather than refresh(): refresh() shares segment readers with the old one,
            # so closing the old one would close readers still in use.
            old, s = s, ix.searcher()
            old.close()
        self._local.searcher = s
        self._local.version = self._version
        return s

    @property
    def epoch(self):
        """The epoch of the index this process reads (checked against the meta file on every request)."""
        return self._epoch

    def meta(self) -> dict:
        return read_meta(self.index_dir)
