"""Write listings to the record store; when the crawl ends, judge the run, retire what is really gone,
rebuild the affected records and bring the index up to date.

Nothing is ever deleted here. Only an `ok` run may retire listings: a failed, partial or suspect run
(errors, or far fewer listings than the last good run) leaves everything stored as it was.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DropItem

from kapdir.errors import LockedError
from kapdir.locks import SourceLock
from kapdir.records import assign_records, refresh_records
from kapdir.store import Store

log = logging.getLogger(__name__)

SUSPECT_ITEM_RATIO = 0.5      # fewer than half the listings of the last good run
SUSPECT_ERROR_RATE = 0.25     # a quarter of requests failing, when the last good run had far fewer


def job_status(stats: dict, last_ok: dict | None = None) -> str:
    """ok: finished cleanly; partial: errors or stopped at a cap; failed: nothing fetched;
    suspect: finished but the result looks broken compared with the last good run."""
    if not stats.get("pages"):
        return "failed"
    seen = stats.get("items", 0) + stats.get("unchanged_skipped", 0)
    errors = sum((stats.get("errors") or {}).values())
    rate = errors / max(stats.get("pages", 0) + errors, 1)
    if last_ok:
        prev = last_ok.get("stats") or {}
        prev_seen = prev.get("items", 0) + prev.get("unchanged_skipped", 0)
        prev_errors = sum((prev.get("errors") or {}).values())
        prev_rate = prev_errors / max(prev.get("pages", 0) + prev_errors, 1)
        if prev_seen >= 4 and seen < SUSPECT_ITEM_RATIO * prev_seen:
            return "suspect"
        if rate >= SUSPECT_ERROR_RATE and rate > 3 * prev_rate:
            return "suspect"
    if errors or stats.get("finish_reason") not in ("finished", None):
        return "partial"
    return "ok"


def suspect_reason(stats: dict, last_ok: dict) -> str:
    prev = last_ok.get("stats") or {}
    seen = stats.get("items", 0) + stats.get("unchanged_skipped", 0)
    prev_seen = prev.get("items", 0) + prev.get("unchanged_skipped", 0)
    if prev_seen and seen < SUSPECT_ITEM_RATIO * prev_seen:
        return f"{seen} listings against {prev_seen} in the last good run"
    return "error rate spiked against the last good run"


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: Store | None = None
        self.lock: SourceLock | None = None
        self.locked_out = False
        self.job_id: int | None = None
        self.touched: list[str] = []
        self.counts = {"items": 0, "published": 0, "rejected": 0, "new": 0, "changed": 0, "suppressed": 0}
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        return pipe

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        spider.paths.ensure()
        if not self.crawler.settings.getbool("KAPDIR_LOCK_HELD"):
            # Run by Scrapyd or `scrapy crawl`: take the per-source lock ourselves.
            try:
                self.lock = SourceLock(spider.paths.locks_dir, spider.source.name).acquire()
            except LockedError as exc:
                log.error("%s; this run stores nothing", exc)
                self.locked_out = True
                spider.locked_out = True
                return
        self.store = Store(spider.paths.db)
        self.job_id = self.store.start_job(spider.source.name)
        spider.known_lastmod = self.store.sitemap_lastmods(spider.source.name)
        spider.known_urls = self.store.listing_urls(spider.source.name)
        self.suppressions = self.store.suppressions()

    def process_item(self, item, spider=None):
        if self.store is None:
            raise DropItem("another crawl of this source holds the lock")
        self.counts["items"] += 1
        if self.store.is_suppressed(item["listing"], item["url"], self.suppressions):
            self.counts["suppressed"] += 1
            raise DropItem("suppressed by a removal request")
        status = item["status"]
        self.counts[status] = self.counts.get(status, 0) + 1
        lid, state = self.store.upsert_listing(source=item["source"], url=item["url"], key=item["key"],
                                               data=item["listing"], status=status, reason=item["reason"],
                                               job_id=self.job_id)
        if state != "same":
            self.counts[state] += 1
        self.touched.append(lid)
        return item

    def spider_closed(self, spider, reason):
        if self.store is None:
            return
        try:
            self._finish(spider, reason)
        finally:
            self.store.close()
            if self.lock:
                self.lock.release()

    def _finish(self, spider, reason):
        store, name = self.store, spider.source.name
        record_ids = assign_records(store, self.touched)
        if spider.unchanged_urls:
            record_ids |= store.touch_listings(name, spider.unchanged_urls, self.job_id)
        stats = {
            "pages": spider.counts.get("pages", 0),
            "noindex": spider.counts.get("noindex", 0),
            "robots_disallowed": spider.counts.get("robots_disallowed", 0),
            "skipped_not_text": spider.counts.get("skipped_not_text", 0),
            "unchanged_skipped": spider.counts.get("unchanged_skipped", 0),
            **self.counts,
            "errors": dict(spider.errors),
            "finish_reason": reason,
        }
        last_ok = store.last_job(name, statuses=("ok",))
        status = job_status(stats, last_ok)
        retired = 0
        if status == "ok":
            rids, retired = store.retire_missing(name, self.job_id, spider.source.retire_after)
            record_ids |= rids
        elif status == "suspect":
            stats["suspect_reason"] = suspect_reason(stats, last_ok)
            log.error("crawl of %s is suspect (%s): nothing retired", name, stats["suspect_reason"])
        stats["retired"] = retired
        stats["records_changed"] = refresh_records(store, record_ids)
        if status in ("ok", "partial") and spider.fetched_lastmod:
            store.save_sitemap_lastmods(name, spider.fetched_lastmod)
        stats["seconds"] = round(time.monotonic() - self.started, 2)
        store.finish_job(self.job_id, status, stats)
        if self.crawler.settings.getbool("KAPDIR_UPDATE_INDEX"):
            try:
                from index.build import update_index

                update_index(store, spider.paths.index_dir)
            except Exception:  # noqa: BLE001 - the store is safe; `kapdir index` can catch up later
                log.exception("index update after crawl of %s failed; run `kapdir index`", name)
