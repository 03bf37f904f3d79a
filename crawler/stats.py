"""A crawl's own counts (pages, noindex pages, robots refusals, errors by kind) kept in Scrapy's stats.

Why in the stats and not on the spider: Scrapy's stats are where an operator looks — the stats dump at the end
of every crawl, Scrapyd's job log, any stats collector a deployment plugs in — and the job record written to the
store reads the very same numbers, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping


class StatsCounter(MutableMapping):
    """A Counter whose keys live in a crawler's stats under ``prefix`` ("kapdir/pages",
    "kapdir/errors/http_404"); a missing key counts 0, as in a Counter. The stats collector is looked up on
    each use: Scrapy creates it only when the crawl starts, after the spider."""

    def __init__(self, crawler, prefix: str):
        self._crawler = crawler
        self._prefix = prefix.rstrip("/") + "/"

    @property
    def _stats(self):
        return self._crawler.stats

    def __getitem__(self, key: str) -> int:
        return self._stats.get_value(self._prefix + key, 0)

    def __setitem__(self, key: str, value: int) -> None:
        self._stats.set_value(self._prefix + key, value)

    def __delitem__(self, key: str) -> None:
        self._stats.get_stats().pop(self._prefix + key, None)

    def __iter__(self) -> Iterator[str]:
        n = len(self._prefix)
        return iter([k[n:] for k in list(self._stats.get_stats()) if k.startswith(self._prefix) and "/" not in k[n:]])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._prefix + key in self._stats.get_stats()
