"""Run crawls in this process (one Scrapy reactor, several sources at once) and summarise them.

Scrapy's reactor cannot be restarted, so a process runs at most one batch: the CLI is a fresh process
per command, and the demo and tests run `kapdir crawl` as a subprocess.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from kapdir.config import Paths
from kapdir.errors import KapdirError
from kapdir.sources import Source, load_all, load_source, schedule_interval
from kapdir.store import Store


def select_sources(paths: Paths, names: list[str], *, all_: bool = False, due: bool = False) -> list[Source]:
    if names and (all_ or due):
        raise KapdirError("give source names, or --all, or --due — not both")
    if names:
        return [load_source(paths.sources_dir, n) for n in dict.fromkeys(names)]
    if not (all_ or due):
        raise KapdirError("name at least one source, or use --all or --due")
    sources = [s for s in load_all(paths.sources_dir) if s.enabled]
    if due:
        paths.ensure()
        with Store(paths.db) as store:
            sources = [s for s in sources if is_due(store, s)]
    return sources


def _parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def is_due(store: Store, source: Source, now: datetime | None = None) -> bool:
    """Due when the schedule has elapsed since the last *successful* crawl (ok or partial) began."""
    now = now or datetime.now(UTC)
    last = store.last_job(source.name, statuses=("ok", "partial"))
    if not last:
        return True
    started = _parse_ts(last["started_at"])
    interval = schedule_interval(source.schedule)
    if interval is not None:
        return now - started >= interval
    from croniter import croniter

    return croniter(source.schedule, started).get_next(datetime) <= now


def acquire_locks(paths: Paths, sources: list[Source], *, skip_locked: bool) -> tuple[list[Source], list, list[str]]:
    """Lock every source before crawling; a locked one is an error when named, skipped under --all/--due."""
    from kapdir.errors import LockedError
    from kapdir.locks import SourceLock

    paths.ensure()
    held, ok, notes = [], [], []
    for src in sources:
        lock = SourceLock(paths.locks_dir, src.name)
        try:
            lock.acquire()
        except LockedError as exc:
            if not skip_locked:
                for other in held:
                    other.release()
                raise
            notes.append(f"{src.name}: skipped — {str(exc).split(' is ', 1)[1]}")
            continue
        if lock.stale_cleared:
            notes.append(f"{src.name}: cleared a stale lock left by pid {lock.stale_cleared.get('pid')}")
        held.append(lock)
        ok.append(src)
    return ok, held, notes


def run(paths: Paths, sources: list[Source], *, log_level: str = "INFO") -> list[dict]:
    """Crawl the sources together (their locks already held); return each one's finished job."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.source import SourceSpider

    paths.ensure()
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    settings.set("LOG_FILE", str(paths.logs_dir / f"crawl-{stamp}.log"))
    settings.set("LOG_LEVEL", log_level)
    settings.set("KAPDIR_LOCK_HELD", True)
    with Store(paths.db) as store:
        before = {s.name: (store.last_job(s.name) or {}).get("id", 0) for s in sources}
    process = CrawlerProcess(settings)
    for src in sources:
        process.crawl(SourceSpider, name=src.name, sources_dir=str(paths.sources_dir),
                      data_dir=str(paths.data_dir))
    process.start()
    logging.getLogger().handlers.clear()
    results = []
    with Store(paths.db) as store:
        for src in sources:
            job = store.last_job(src.name)
            if not job or job["id"] == before[src.name]:
                job = {"source": src.name, "status": "failed", "stats": {"errors": {"did_not_start": 1}}}
            results.append(job)
    return results


def summary_line(job: dict) -> str:
    s = job.get("stats") or {}
    errors = s.get("errors") or {}
    err = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "no errors"
    if s.get("finish_reason") not in (None, "finished"):
        err += f", stopped: {s['finish_reason']}"
    return (f"{job['source']}: {job['status']} — {s.get('pages', 0)} pages, {s.get('items', 0)} items "
            f"({s.get('published', 0)} published, {s.get('rejected', 0)} rejected), {err}"
            + (f", {s['seconds']}s" if "seconds" in s else ""))
