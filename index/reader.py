"""Read-only access to the index for web processes, picking up new commits without a restart.

Each thread keeps its own searcher and refreshes it at the start of a request; Whoosh commits are atomic,
so a refreshed searcher sees a whole new index generation and an old one keeps reading the files it had
open. Web processes never write, so several of them can share (or be shipped) one index directory.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from whoosh import index as whoosh_index

from index.build import INDEX_NAME, read_meta

log = logging.getLogger(__name__)


class IndexReader:
    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._ix = None
        self._local = threading.local()
        self._lock = threading.Lock()

    def _open(self):
        with self._lock:
            if self._ix is None and whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME, readonly=True)
            return self._ix

    def searcher(self):
        """A current searcher for this thread, or None when no index has been built yet."""
        ix = self._ix or self._open()
        if ix is None:
            return None
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = ix.searcher()
        else:
            try:
                if not s.up_to_date():
                    # A fresh searcher rather than refresh(): refresh() shares segment readers with the old
                    # one, so closing the old one would close readers still in use.
                    old, s = s, ix.searcher()
                    old.close()
            except Exception:  # noqa: BLE001 - a vanished segment after a rebuild: reopen from scratch
                log.warning("index searcher refresh failed; reopening %s", self.index_dir)
                with self._lock:
                    self._ix = None
                ix = self._open()
                s = ix.searcher() if ix else None
        self._local.searcher = s
        return s

    def meta(self) -> dict:
        return read_meta(self.index_dir)
