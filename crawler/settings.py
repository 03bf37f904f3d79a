"""Scrapy settings for kapdir: a polite, bounded crawler. Per-source values (delay, caps) are applied by
the spider from its source file."""

from kapdir.config import USER_AGENT

BOT_NAME = "kapdir"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Good citizen: name ourselves, obey robots.txt, go slowly, back off when a site slows down.
USER_AGENT = USER_AGENT
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "kapdir"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Bounded: no crawl trap, huge page or silent server can keep a job running forever.
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DEPTH_LIMIT = 8
# Memory guard: a runaway crawl is closed (and reported partial) before it can starve the machine.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 2048
MEMUSAGE_WARNING_MB = 1024
# Breadth-first with on-disk-friendly FIFO queues keeps the pending-request frontier small on huge sites.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
CLOSESPIDER_PAGECOUNT = 2000
CLOSESPIDER_TIMEOUT = 3600
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Conditional requests: pages are revalidated with If-Modified-Since / If-None-Match, and a page the site
# says is unchanged (304) is not extracted again. The cache lives in the data dir (set by the spider).
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_IGNORE_HTTP_CODES = [301, 302, 303, 307, 308, 401, 403, 404, 408, 429, 500, 502, 503, 504]
HTTPCACHE_GZIP = True

DOWNLOADER_MIDDLEWARES: dict[str, int] = {}

ITEM_PIPELINES = {
    "crawler.pipelines.normalise.NormalisePipeline": 100,
    "crawler.pipelines.classify.ClassifyPipeline": 200,
    "crawler.pipelines.store.StorePipeline": 900,
}

# After the store pipeline has recorded a crawl's job (crawler/signals.py: job_finished), bring the index up
# to date; KAPDIR_UPDATE_INDEX=false leaves it to `kapdir index`.
EXTENSIONS = {"crawler.extensions.IndexUpdate": 500}

# kapdir's own settings (overridable with -s or by the spider).
KAPDIR_UPDATE_INDEX = True
# "store": write the record store in the data dir (this machine holds it). "feed": hold no store and send
# raw items to the feed export (FEEDS / Scrapyd items_dir) for `kapdir ingest` on the store's machine.
KAPDIR_OUTPUT = "store"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Revalidate every cached page on every crawl (freshness is the point of a re-crawl): with max-age=0 the
# cache sends If-Modified-Since / If-None-Match and uses its copy only when the site answers 304.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.8,*/*;q=0.7",
    "Accept-Language": "en",
    "Cache-Control": "max-age=0",
}
