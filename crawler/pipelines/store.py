"""Write listings to the record store; when the crawl ends, judge the run, retire what is really gone and
rebuild the affected records (all in `kapdir.crawljob`, which `kapdir ingest` shares for crawls run on other
machines), then announce the finished job (`crawler.signals.job_finished`) for what follows it: the index
update (`crawler.extensions.IndexUpdate`)."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.signals import job_finished
from kapdir.crawljob import CrawlJob
from kapdir.errors import LockedError

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.job: CrawlJob | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        return pipe

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        # Under `kapdir crawl` the CLI already holds the lock; under Scrapyd or `scrapy crawl` we take it.
        job = CrawlJob(spider.paths, spider.source, take_lock=not self.crawler.settings.getbool("KAPDIR_LOCK_HELD"))
        try:
            job.open()
        except LockedError as exc:
            log.error("%s; this run stores nothing", exc)
            spider.locked_out = True
            return
        self.job = job
        spider.known_lastmod = job.store.sitemap_lastmods(spider.source.name)
        spider.known_urls = job.store.listing_urls(spider.source.name)

    def process_item(self, item, spider=None):
        if self.job is None:
            raise DropItem("another crawl of this source holds the lock")
        if not self.job.add(item):
            raise DropItem("suppressed by a removal request")
        return item

    def spider_closed(self, spider, reason):
        if self.job is None:
            return
        try:
            job = self.job.finish(spider.page_counts(reason), unchanged_urls=spider.unchanged_urls,
                                  fetched_lastmod=spider.fetched_lastmod)
            self.crawler.signals.send_catch_log(job_finished, spider=spider, paths=self.job.paths,
                                                source=spider.source.name, job=job)
        finally:
            self.job.close()
