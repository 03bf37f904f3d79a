"""kapdir's own Scrapy signals.

Scrapy's `spider_closed` cannot order what happens after a crawl: extensions connect to it before the item
pipelines are built, so their handlers run before the store pipeline has judged and recorded the job. What
must follow the stored job listens to `job_finished` instead.
"""

# Sent by the store pipeline (crawler/pipelines/store.py) once `CrawlJob.finish` has recorded the job, with
# `spider`, `paths` (the data dir's kapdir.config.Paths), `source` (the source's name) and `job` (the
# finished job, as `kapdir jobs` shows it). Not sent when the run stored nothing (its lock was held).
job_finished = object()
