"""`kapdir ingest FEED...`: apply a crawl run on another machine to this machine's record store.

Scrapyd nodes elsewhere crawl with `KAPDIR_OUTPUT=feed` and keep no store; their feed (JSON lines of raw
items, then a trailer with the crawl's page counts; see crawler/pipelines/feed.py) is read here from a
file or from the node's HTTP items URL. Only the store's machine writes the store, so SQLite never sits
on a network filesystem. Each item goes through the spider's own loader (cleaning and caps) and the same
normalise and classify pipelines, then `CrawlJob`: the same lock, removal requests, job history and
rules for retiring listings as a local crawl.

The whole feed is checked before anything is written: a broken line names its number and key, and
leaves the store untouched. A feed already applied, or older than the source's last crawl, is refused,
so replaying an old file can never roll a source back.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from kapdir.config import USER_AGENT, Paths
from kapdir.errors import KapdirError
from kapdir.sources import load_source

MAX_FEED_BYTES = 2 * 1024 * 1024 * 1024   # a feed of tens of thousands of pages is far smaller
MAX_LINE_BYTES = 1024 * 1024              # one raw item: text is capped at 20,000 characters by the loader
FETCH_TIMEOUT = 60


class FeedError(KapdirError):
    pass


def _scalar(v) -> bool:
    return v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool)


def _shown(location: str) -> str:
    """A URL as recorded in the job history: never its password."""
    p = urlsplit(location)
    if p.scheme in ("http", "https") and p.password:
        return urlunsplit(p._replace(netloc=f"{p.username}:***@{p.hostname}" + (f":{p.port}" if p.port else "")))
    return location


def fetch(location: str, dest: Path) -> None:
    """Copy a feed (file path, `-` for stdin, or http(s) URL such as Scrapyd's items URL) to ``dest``."""
    if location == "-":
        src = sys.stdin.buffer
    elif urlsplit(location).scheme in ("http", "https"):
        req = urllib.request.Request(location, headers={"User-Agent": USER_AGENT})
        try:
            src = urllib.request.urlopen(req, timeout=FETCH_TIMEOUT)  # noqa: S310 - http(s) only, checked above
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise FeedError(f"cannot fetch feed {_shown(location)}: {reason}") from None
    else:
        path = Path(location)
        if not path.is_file():
            raise FeedError(f"feed {location}: no such file")
        src = path.open("rb")
    try:
        with dest.open("wb") as out:
            copied = 0
            while chunk := src.read(1 << 20):
                copied += len(chunk)
                if copied > MAX_FEED_BYTES:
                    raise FeedError(f"feed {_shown(location)} is larger than {MAX_FEED_BYTES >> 20} MB")
                out.write(chunk)
    except OSError as exc:
        raise FeedError(f"cannot read feed {_shown(location)}: {exc}") from None
    finally:
        if src is not sys.stdin.buffer:
            src.close()


def read_feed(path: Path, item_fields: frozenset[str]) -> tuple[str, list[dict], dict | None, str]:
    """Check every line; return (source name, raw items, trailer or None, sha256 of the file)."""
    from crawler.pipelines.feed import FEED_VERSION, TRAILER_KEY

    digest = hashlib.sha256()
    items: list[dict] = []
    trailer: dict | None = None
    source = ""
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            digest.update(raw)
            if not raw.strip():
                continue
            where = f"line {n}"
            if len(raw) > MAX_LINE_BYTES:
                raise FeedError(f"{where}: longer than {MAX_LINE_BYTES >> 10} KB")
            if trailer is not None:
                raise FeedError(f"{where}: data after the feed's trailer")
            try:
                obj = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise FeedError(f"{where}: not JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise FeedError(f"{where}: must be a JSON object")
            if TRAILER_KEY in obj:
                trailer = _check_trailer(obj, where, FEED_VERSION, TRAILER_KEY)
                name = trailer["source"]
            else:
                _check_item(obj, where, item_fields)
                items.append(obj)
                name = obj["source"]
            if source and name != source:
                raise FeedError(f"{where}: key 'source' is '{name}', but the feed began with '{source}'"
                                " (one feed holds one source's crawl)")
            source = name
    if not source:
        raise FeedError("the feed is empty: no items and no trailer")
    return source, items, trailer, digest.hexdigest()


def _check_item(obj: dict, where: str, item_fields: frozenset[str]) -> None:
    for k, v in obj.items():
        if k not in item_fields:
            raise FeedError(f"{where}: unknown key '{k}' (a raw item from a kapdir spider has "
                            f"{', '.join(sorted(item_fields))})")
        if not _scalar(v):
            raise FeedError(f"{where}: key '{k}' must be a string or a number")
    for k in ("source", "url"):
        if not isinstance(obj.get(k), str) or not obj[k]:
            raise FeedError(f"{where}: key '{k}' is missing")
    if urlsplit(obj["url"]).scheme not in ("http", "https"):
        raise FeedError(f"{where}: key 'url' must be an http(s) URL")


def _check_trailer(obj: dict, where: str, version: int, key: str) -> dict:
    if obj.get(key) != version:
        raise FeedError(f"{where}: key '{key}' is {obj.get(key)!r}; this kapdir reads feed version {version}")
    if not isinstance(obj.get("source"), str) or not obj["source"]:
        raise FeedError(f"{where}: trailer key 'source' is missing")
    stats = obj.get("stats")
    if not isinstance(stats, dict):
        raise FeedError(f"{where}: trailer key 'stats' must be an object")
    for k, v in stats.items():
        if k == "errors":
            if not isinstance(v, dict) or not all(isinstance(x, int) for x in v.values()):
                raise FeedError(f"{where}: trailer key 'stats.errors' must map error kinds to counts")
        elif k == "finish_reason":
            if not isinstance(v, str):
                raise FeedError(f"{where}: trailer key 'stats.finish_reason' must be a string")
        elif not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise FeedError(f"{where}: trailer key 'stats.{k}' must be a count")
    if not isinstance(obj.get("items"), int):
        raise FeedError(f"{where}: trailer key 'items' must be a count")
    for k in ("started_at", "finished_at"):
        try:
            datetime.fromisoformat(str(obj.get(k)).replace("Z", "+00:00"))
        except ValueError:
            raise FeedError(f"{where}: trailer key '{k}' must be an ISO time") from None
    lastmod = obj.get("fetched_lastmod", {})
    if not isinstance(lastmod, dict) or not all(isinstance(v, str) for v in lastmod.values()):
        raise FeedError(f"{where}: trailer key 'fetched_lastmod' must map URLs to dates")
    return obj


def _crawled_at(job: dict) -> str | None:
    """When a job's pages were fetched: its start for a local crawl, its trailer's for an applied feed
    (unknown for a feed that lost its trailer)."""
    stats = job.get("stats") or {}
    return stats.get("crawled_at") if "feed" in stats else job["started_at"]


def _time(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _refuse_replay(store, source: str, digest: str, trailer: dict | None) -> None:
    history = store.jobs(source=source, limit=10_000)
    for job in history:
        if (job.get("stats") or {}).get("feed_sha256") == digest:
            raise FeedError(f"this feed was already applied as job {job['id']} ({job['started_at']}); nothing done")
    if trailer is None:
        return
    for job in history:  # newest first: the latest stored crawl whose time is known
        when = _crawled_at(job) if job["status"] in ("ok", "partial", "suspect") else None
        if when:
            if _time(trailer["started_at"]) < _time(when):
                raise FeedError(f"this feed's crawl began {trailer['started_at']}, before the crawl of job "
                                f"{job['id']} of {source} ({when}); applying it would roll the source back")
            return


def ingest(paths: Paths, location: str) -> dict:
    """Apply one feed; return its finished job (as `kapdir jobs` shows it)."""
    from crawler.items import ListingItem, ListingLoader
    from crawler.pipelines.classify import ClassifyPipeline
    from crawler.pipelines.normalise import NormalisePipeline
    from kapdir.crawljob import CrawlJob, index_after_crawl
    from kapdir.store import Store

    fields = frozenset(ListingItem.fields)
    paths.ensure()
    with tempfile.TemporaryDirectory(prefix="kapdir-ingest-") as tmp:
        local = Path(tmp) / "feed.jl"
        fetch(location, local)
        name, raws, trailer, digest = read_feed(local, fields)
    source = load_source(paths.sources_dir, name)
    with Store(paths.db) as store:
        _refuse_replay(store, name, digest, trailer)

    job = CrawlJob(paths, source).open()
    try:
        errors: Counter[str] = Counter()
        context = SimpleNamespace(errors=errors)
        normalise, classify = NormalisePipeline(), ClassifyPipeline()
        for raw in raws:
            loader = ListingLoader()
            for k, v in raw.items():
                if v not in (None, ""):
                    loader.add_value(k, v)
            item = classify.process_item(normalise.process_item(loader.load_item(), context), context)
            job.add(item)
        if trailer is None:
            # Killed, stopped at a cap, or the file cut short: what it holds is stored, nothing is retired.
            pages = {"pages": len(raws), "errors": {}, "finish_reason": "feed_without_trailer"}
        else:
            pages = dict(trailer["stats"])
            if trailer["items"] != len(raws):
                errors["feed_items_missing"] += abs(trailer["items"] - len(raws))
        pages["errors"] = dict(Counter(pages.get("errors") or {}) + errors)
        extra = {"feed": _shown(location), "feed_sha256": digest}
        if trailer:
            extra["crawled_at"] = trailer["started_at"]
        done = job.finish(pages, fetched_lastmod=(trailer or {}).get("fetched_lastmod"), extra=extra)
        index_after_crawl(paths, name)  # what a local crawl's IndexUpdate extension does
        return done
    finally:
        job.close()

