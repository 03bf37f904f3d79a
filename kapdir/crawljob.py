"""The record store's side of one crawl of one source, wherever its pages were fetched.

A crawl on this machine (the Scrapy store pipeline) and a crawl run elsewhere and applied from its feed
(`kapdir ingest`) go through this one class, so both take the same per-source lock, write the same job
history, honour the same removal requests and judge the run by the same rules: only an `ok` run may retire
listings, and nothing is ever deleted. Both then bring the index up to date through `index_after_crawl`.
"""

from __future__ import annotations

import logging
import time

from kapdir.config import Paths
from kapdir.locks import SourceLock
from kapdir.records import assign_records, refresh_records
from kapdir.store import Store

log = logging.getLogger(__name__)

SUSPECT_ITEM_RATIO = 0.5      # fewer than half the listings of the last good run
SUSPECT_ERROR_RATE = 0.25     # a quarter of requests failing, when the last good run had far fewer

# What a spider counts about its pages; a feed's trailer carries the same names.
PAGE_COUNTS = ("pages", "noindex", "robots_disallowed", "skipped_not_text", "unchanged_skipped")


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


class CrawlJob:
    """Open (lock + job row), `add` each classified item, `finish` with the crawl's page counts, `close`."""

    def __init__(self, paths: Paths, source, *, take_lock: bool = True):
        self.paths = paths
        self.source = source
        self.take_lock = take_lock
        self.lock: SourceLock | None = None
        self.store: Store | None = None
        self.job_id: int | None = None
        self.touched: list[str] = []
        self.counts = {"items": 0, "published": 0, "rejected": 0, "new": 0, "changed": 0, "suppressed": 0}
        self.started = time.monotonic()

    def open(self) -> CrawlJob:
        """Raises LockedError when another crawl or ingest of this source holds its lock."""
        self.paths.ensure()
        if self.take_lock:
            self.lock = SourceLock(self.paths.locks_dir, self.source.name).acquire()
        try:
            self.store = Store(self.paths.db)
            self.job_id = self.store.start_job(self.source.name)
            self.suppressions = self.store.suppressions()
        except BaseException:
            self.close()
            raise
        return self

    def add(self, item: dict) -> bool:
        """Store one classified item; False when a removal request covers it (it is counted, not stored)."""
        self.counts["items"] += 1
        if self.store.is_suppressed(item["listing"], item["url"], self.suppressions):
            self.counts["suppressed"] += 1
            return False
        status = item["status"]
        self.counts[status] = self.counts.get(status, 0) + 1
        lid, state = self.store.upsert_listing(source=item["source"], url=item["url"], key=item["key"],
                                               data=item["listing"], status=status, reason=item["reason"],
                                               job_id=self.job_id)
        if state != "same":
            self.counts[state] += 1
        self.touched.append(lid)
        return True

    def finish(self, pages: dict, *, unchanged_urls=(), fetched_lastmod: dict | None = None,
               extra: dict | None = None) -> dict:
        """Judge the run from its page counts (`PAGE_COUNTS`, `errors`, `finish_reason`), retire only after
        an ok run, rebuild the affected records and record the job; the index is the caller's to update
        (`index_after_crawl`)."""
        store, name = self.store, self.source.name
        record_ids = assign_records(store, self.touched)
        if unchanged_urls:
            record_ids |= store.touch_listings(name, list(unchanged_urls), self.job_id)
        stats = {**{k: int(pages.get(k, 0)) for k in PAGE_COUNTS}, **self.counts,
                 "errors": dict(pages.get("errors") or {}), "finish_reason": pages.get("finish_reason"),
                 **(extra or {})}
        last_ok = store.last_job(name, statuses=("ok",))
        status = job_status(stats, last_ok)
        retired = 0
        if status == "ok":
            rids, retired = store.retire_missing(name, self.job_id, self.source.retire_after)
            record_ids |= rids
        elif status == "suspect":
            stats["suspect_reason"] = suspect_reason(stats, last_ok)
            log.error("crawl of %s is suspect (%s): nothing retired", name, stats["suspect_reason"])
        stats["retired"] = retired
        stats["records_changed"] = refresh_records(store, record_ids)
        if status in ("ok", "partial") and fetched_lastmod:
            store.save_sitemap_lastmods(name, fetched_lastmod)
        stats["seconds"] = round(time.monotonic() - self.started, 2)
        store.finish_job(self.job_id, status, stats)
        return store.last_job(name) or {"source": name, "status": status, "stats": stats}

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def index_after_crawl(paths: Paths, source: str) -> None:
    """Bring the index up to date after a crawl job of `source` was recorded: for a crawl here, the
    crawler's IndexUpdate extension calls this; for a feed, `kapdir ingest`. A failure is logged, never
    raised: the job is stored with its own status, and `kapdir index` catches up later."""
    try:
        from index.build import update_index

        with Store(paths.db) as store:
            update_index(store, paths.index_dir)
    except Exception:  # noqa: BLE001 - the store is safe; `kapdir index` can catch up later
        log.exception("index update after crawl of %s failed; run `kapdir index`", source)
