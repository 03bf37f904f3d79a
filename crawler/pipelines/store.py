"""Write listings to the record store, then, when the crawl ends, rebuild affected records and the index.

Nothing is ever deleted here: a failed crawl leaves every stored listing and record as it was.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals

from kapdir.records import assign_record, refresh_records
from kapdir.store import Store

log = logging.getLogger(__name__)


def job_status(stats: dict) -> str:
    """ok: finished cleanly; partial: finished with errors or stopped at a cap; failed: nothing fetched."""
    if not stats.get("pages"):
        return "failed"
    if stats.get("errors") or stats.get("finish_reason") not in ("finished", None):
        return "partial"
    return "ok"


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: Store | None = None
        self.job_id: int | None = None
        self.touched: list[str] = []
        self.counts = {"items": 0, "published": 0, "rejected": 0, "new_or_changed": 0}
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        return pipe

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        spider.paths.ensure()
        self.store = Store(spider.paths.db)
        self.job_id = self.store.start_job(spider.source.name)
        spider.known_lastmod = self.store.sitemap_lastmods(spider.source.name)
        spider.known_urls = self.store.listing_urls(spider.source.name)

    def process_item(self, item, spider=None):
        self.counts["items"] += 1
        status = item["status"]
        self.counts[status] = self.counts.get(status, 0) + 1
        lid, changed = self.store.upsert_listing(source=item["source"], url=item["url"], key=item["key"],
                                                 data=item["listing"], status=status, reason=item["reason"],
                                                 job_id=self.job_id)
        self.counts["new_or_changed"] += int(changed)
        self.touched.append(lid)
        return item

    def spider_closed(self, spider, reason):
        if self.store is None:
            return
        record_ids: set[str] = set()
        with self.store.tx() as c:
            for lid in self.touched:
                rid = assign_record(self.store, c, lid)
                if rid:
                    record_ids.add(rid)
        if spider.unchanged_urls:
            record_ids |= self.store.touch_listings(spider.source.name, spider.unchanged_urls, self.job_id)
        changed_records = refresh_records(self.store, record_ids)
        stats = {
            "pages": spider.counts.get("pages", 0),
            "noindex": spider.counts.get("noindex", 0),
            "robots_disallowed": spider.counts.get("robots_disallowed", 0),
            "skipped_not_text": spider.counts.get("skipped_not_text", 0),
            **self.counts,
            "records_changed": changed_records,
            "errors": dict(spider.errors),
            "finish_reason": reason,
            "seconds": round(time.monotonic() - self.started, 2),
        }
        stats["unchanged_skipped"] = spider.counts.get("unchanged_skipped", 0)
        status = job_status(stats)
        if status in ("ok", "partial") and spider.fetched_lastmod:
            self.store.save_sitemap_lastmods(spider.source.name, spider.fetched_lastmod)
        self.store.finish_job(self.job_id, status, stats)
        if self.crawler.settings.getbool("KAPDIR_UPDATE_INDEX"):
            try:
                from index.build import update_index

                update_index(self.store, spider.paths.index_dir)
            except Exception:  # noqa: BLE001 - the store is safe; `kapdir index` can catch up later
                log.exception("index update after crawl of %s failed; run `kapdir index`", spider.source.name)
        self.store.close()
