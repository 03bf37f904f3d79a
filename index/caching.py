"""Per-process caches for the search path: one bounded LRU.

A Whoosh segment never changes once written (deletions are applied per generation, not to its files), so
anything derived from one segment — facet rows, posting arrays, field lengths — stays valid for as long as
the segment exists, keyed by `index.whoosh_private.segment_key`, and an incremental commit only adds work for
its new segment.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class LRU:
    """Most recently used first; evicts the oldest once the summed `cost` of the entries passes `limit`
    (cost 1 per entry bounds the count; bytes bound the memory). The newest entry is always kept."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key, value, cost: int = 1) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, cost)
            self.size += cost
            while self.size > self.limit and len(self._items) > 1:
                _key, (_value, old) = self._items.popitem(last=False)
                self.size -= old

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0

