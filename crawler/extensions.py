"""Scrapy extensions: what a crawl does besides fetching and storing pages."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from crawler.signals import job_finished
from kapdir.crawljob import index_after_crawl


class IndexUpdate:
    """Brings the search index up to date once the store pipeline has finished the crawl's job.

    The index is derived from the store and belongs to another layer, so the pipeline that writes the store
    does not update it; `kapdir ingest`, which runs no Scrapy, calls the same `index_after_crawl`. Off with
    KAPDIR_UPDATE_INDEX=false (the crawl then leaves the index to `kapdir index`). A failed update is logged
    with that hint and changes neither the stored job nor its status.
    """

    @classmethod
    def from_crawler(cls, crawler) -> IndexUpdate:
        if not crawler.settings.getbool("KAPDIR_UPDATE_INDEX"):
            raise NotConfigured("KAPDIR_UPDATE_INDEX is off")
        ext = cls()
        crawler.signals.connect(ext.job_finished, signal=job_finished)
        return ext

    def job_finished(self, paths, source: str) -> None:
        index_after_crawl(paths, source)
