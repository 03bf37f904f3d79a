"""`KAPDIR_OUTPUT = "feed"`: a crawl on a machine without the record store.

The spider's raw items go, unclassified, to Scrapy's feed export (Scrapyd's `items_dir`, or `-o FILE.jl`);
the store's machine applies the file with `kapdir ingest`, through the same loader, pipelines, lock and
job history as a local crawl. The last line of a finished crawl's feed is a trailer with the crawl's
page counts: without it (a crawl stopped at a cap, killed, or a file cut short) the ingest is judged
partial and retires nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy import signals

FEED_VERSION = 1
TRAILER_KEY = "kapdir_feed"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FeedPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.items = 0
        self.started_at = _now()
        self.trailer_sent = False

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler)
        crawler.signals.connect(pipe.spider_idle, signal=signals.spider_idle)
        return pipe

    def process_item(self, item, spider=None):
        self.items += 1
        return item

    def spider_idle(self, spider):
        """Idle means every request is done and the crawl will close as `finished`: write the trailer now,
        while the feed is still open (at spider_closed the feed exporter may already have closed it)."""
        if self.trailer_sent:
            return
        self.trailer_sent = True
        trailer = {TRAILER_KEY: FEED_VERSION, "source": spider.source.name, "items": self.items,
                   "started_at": self.started_at, "finished_at": _now(),
                   "stats": spider.page_counts("finished"), "fetched_lastmod": dict(spider.fetched_lastmod)}
        self.crawler.signals.send_catch_log(signal=signals.item_scraped, item=trailer, response=None,
                                            spider=spider)
