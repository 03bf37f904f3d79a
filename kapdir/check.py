"""`kapdir sources check NAME`: validate a source file, crawl a few pages, print what each would yield.

Nothing is written to the record store: this is the maintainer's dry run while writing a source file.
"""

from __future__ import annotations

import json
import os

from kapdir.config import Paths
from kapdir.sources import Source

_printed: list[dict] = []


class PrintPipeline:
    """Collect items instead of storing them."""

    def process_item(self, item, spider=None):
        _printed.append(item)
        return item


def check_source(paths: Paths, source: Source, pages: int = 5) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.source import SourceSpider

    print(f"{source.path}: valid ({source.kind}, {len(source.start_urls)} start URL(s), "
          f"{len(source.follow)} follow / {len(source.detail)} detail pattern(s))")
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ITEM_PIPELINES", {"crawler.pipelines.normalise.NormalisePipeline": 100,
                                    "crawler.pipelines.classify.ClassifyPipeline": 200,
                                    "kapdir.check.PrintPipeline": 900})
    settings.set("LOG_LEVEL", "CRITICAL")  # the summary line says what failed
    settings.set("HTTPCACHE_ENABLED", False, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SourceSpider)
    process.crawl(crawler, name=source.name, sources_dir=str(paths.sources_dir), data_dir=str(paths.data_dir),
                  check_pages=max(1, pages))
    process.start()
    spider = crawler.spider
    fetched = spider.counts.get("pages", 0) if spider else 0
    for item in _printed:
        lst = item["listing"]
        line = {"status": item["status"], "reason": item["reason"] or None, "url": item["url"], "name": lst["name"],
                "credentials": lst["credentials"], "city": lst["city"], "region": lst["region"],
                "phone": lst["phone"], "routes": [f"{r['route']}:{r['setting']}" for r in lst.get("routes", [])],
                "certifications": [c["program"] for c in lst.get("certifications", [])]}
        print(json.dumps({k: v for k, v in line.items() if v not in (None, "", [])}, ensure_ascii=False))
    errors = dict(spider.errors) if spider else {}
    print(f"{source.name}: fetched {fetched} page(s), {len(_printed)} item(s)"
          + (f", errors: {errors}" if errors else ""))
    return 0 if fetched else 1
