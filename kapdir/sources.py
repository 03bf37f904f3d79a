"""Source files (`sources/<name>.toml`): the only thing a maintainer writes to add a site.

Validation is strict and specific because a maintainer fixing a file needs to know *which key* is wrong;
every problem becomes one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from kapdir.errors import KapdirError

KINDS = ("directory", "roster", "clinic")
SELECTOR_KEYS = ("item", "name", "credentials", "address", "street", "city", "region", "postal_code",
                 "phone", "website", "text", "detail_link")
API_KEYS = ("items", "next", "fields")
API_FIELD_KEYS = ("id", "name", "credentials", "street", "city", "region", "postal_code", "address",
                  "lat", "lon", "phone", "website", "text", "providers")
NAME_RE = re.compile(r"^[a-z0-9-]+$")
INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# key -> (expected python type(s), default)
_KEYS: dict[str, tuple[tuple[type, ...], object]] = {
    "name": ((str,), None),
    "title": ((str,), ""),
    "kind": ((str,), "directory"),
    "start_urls": ((list,), []),
    "allowed_domains": ((list,), None),
    "follow": ((list,), []),
    "detail": ((list,), []),
    "sitemap_urls": ((list,), []),
    "certification": ((str,), ""),
    "download_delay": ((int, float), 1.0),
    "schedule": ((str,), "7d"),
    "enabled": ((bool,), True),
    "max_pages": ((int,), 2000),
    "max_depth": ((int,), 8),
    "retire_after": ((int,), 2),
    "download_timeout": ((int, float), 20),
    "notes": ((str,), ""),
    "selectors": ((dict,), {}),
    "api": ((dict,), {}),
}


@dataclass
class Source:
    """A validated source file. Regexes are kept as strings for Scrapy and compiled for our own matching."""

    name: str
    path: Path
    title: str = ""
    kind: str = "directory"
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)
    sitemap_urls: list[str] = field(default_factory=list)
    certification: str = ""
    download_delay: float = 1.0
    schedule: str = "7d"
    enabled: bool = True
    max_pages: int = 2000
    max_depth: int = 8
    retire_after: int = 2
    download_timeout: float = 20
    notes: str = ""
    selectors: dict[str, str] = field(default_factory=dict)
    api: dict = field(default_factory=dict)

    def is_detail(self, url: str) -> bool:
        return any(re.search(p, url) for p in self.detail)

    def is_follow(self, url: str) -> bool:
        return any(re.search(p, url) for p in self.follow)


def _fail(path: Path, key: str | None, msg: str) -> KapdirError:
    where = f"{path}: key '{key}'" if key else f"{path}"
    return KapdirError(f"{where}: {msg}")


def schedule_interval(spec: str) -> timedelta | None:
    """`12h`/`7d`/`30m`/`2w` as an interval; None means the spec is a cron expression."""
    m = INTERVAL_RE.match(spec)
    if not m:
        return None
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def _check_schedule(path: Path, spec: str) -> None:
    if schedule_interval(spec) is not None:
        return
    try:
        from croniter import croniter

        ok = croniter.is_valid(spec)
    except Exception:  # noqa: BLE001 - any croniter failure means "not a valid expression"
        ok = False
    if not ok:
        raise _fail(path, "schedule", f"'{spec}' is neither an interval like 12h/7d nor a cron expression")


def _known_programmes() -> set[str]:
    try:
        from kapdir.reading import PROGRAMMES

        return set(PROGRAMMES)
    except Exception:  # noqa: BLE001 - registry not importable: fall back to the contract's fixed ids
        return {"polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps", "spravato-rems",
                "journey-clinical", "onca", "sage", "living-medicine"}


def _check_regexes(path: Path, key: str, values: list) -> None:
    for v in values:
        if not isinstance(v, str):
            raise _fail(path, key, f"every entry must be a string, got {type(v).__name__}")
        try:
            re.compile(v)
        except re.error as exc:
            raise _fail(path, key, f"bad regex {v!r}: {exc}") from None


def _check_url(path: Path, key: str, url: object) -> None:
    if not isinstance(url, str):
        raise _fail(path, key, f"every entry must be a string, got {type(url).__name__}")
    if key == "sitemap_urls" and url == "robots":
        return
    p = urlparse(url)
    if p.scheme not in ("http", "https") or not p.hostname:
        raise _fail(path, key, f"{url!r} is not an http(s) URL")


def parse_source(path: Path, text: str | None = None) -> Source:
    """Parse and validate one source file; raise KapdirError naming the first wrong key."""
    path = Path(path)
    try:
        raw = tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, None, "no such source file") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, None, f"malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, None, f"cannot read: {exc}") from None

    for key in raw:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(path, key, f"unknown key{hint}")
    for key, (types, _default) in _KEYS.items():
        if key not in raw:
            continue
        value = raw[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            want = " or ".join(t.__name__ for t in types)
            raise _fail(path, key, f"must be {want}, got {type(value).__name__}")

    name = raw.get("name")
    if not name:
        raise _fail(path, "name", "missing")
    if not NAME_RE.match(name):
        raise _fail(path, "name", f"'{name}' must match [a-z0-9-]+")
    if path.suffix == ".toml" and path.stem != name:
        raise _fail(path, "name", f"'{name}' must equal the file name '{path.stem}'")
    kind = raw.get("kind", "directory")
    if kind not in KINDS:
        raise _fail(path, "kind", f"'{kind}' must be one of {', '.join(KINDS)}")

    start_urls = raw.get("start_urls", [])
    sitemap_urls = raw.get("sitemap_urls", [])
    if not start_urls and not sitemap_urls:
        raise _fail(path, "start_urls", "missing: give start_urls (or sitemap_urls)")
    for u in start_urls:
        _check_url(path, "start_urls", u)
    for u in sitemap_urls:
        _check_url(path, "sitemap_urls", u)
    if "robots" in sitemap_urls and not start_urls:
        raise _fail(path, "sitemap_urls", '"robots" needs start_urls to know which site\'s robots.txt to read')
    _check_regexes(path, "follow", raw.get("follow", []))
    _check_regexes(path, "detail", raw.get("detail", []))

    allowed = raw.get("allowed_domains")
    if allowed is None:
        hosts = [urlparse(u).hostname for u in start_urls + [s for s in sitemap_urls if s != "robots"]]
        allowed = sorted({h for h in hosts if h})
    for d in allowed:
        if not isinstance(d, str) or not d or "/" in d:
            raise _fail(path, "allowed_domains", f"{d!r} must be a bare host name like example.org")

    cert = raw.get("certification", "")
    if cert and cert not in _known_programmes():
        raise _fail(path, "certification", f"unknown programme id '{cert}'")

    delay = float(raw.get("download_delay", 1.0))
    if delay < 0 or delay > 600:
        raise _fail(path, "download_delay", f"{delay} must be between 0 and 600 seconds")
    if not 1 <= float(raw.get("download_timeout", 20)) <= 300:
        raise _fail(path, "download_timeout", "must be between 1 and 300 seconds")
    schedule = raw.get("schedule", "7d")
    _check_schedule(path, schedule)
    for key in ("max_pages", "max_depth", "retire_after"):
        if key in raw and raw[key] < 1:
            raise _fail(path, key, "must be at least 1")

    selectors = raw.get("selectors", {})
    for k, v in selectors.items():
        if k not in SELECTOR_KEYS:
            raise _fail(path, f"selectors.{k}", "unknown selector")
        if not isinstance(v, str):
            raise _fail(path, f"selectors.{k}", "must be a CSS selector string")
        if v:
            _check_css(path, f"selectors.{k}", v)

    api = raw.get("api", {})
    for k, v in api.items():
        if k not in API_KEYS:
            raise _fail(path, f"api.{k}", "unknown key")
        if k == "fields":
            if not isinstance(v, dict):
                raise _fail(path, "api.fields", "must be a table")
            for fk, fv in v.items():
                if fk not in API_FIELD_KEYS:
                    raise _fail(path, f"api.fields.{fk}", "unknown field")
                if not isinstance(fv, str):
                    raise _fail(path, f"api.fields.{fk}", "must be a dotted path string")
        elif not isinstance(v, str):
            raise _fail(path, f"api.{k}", "must be a dotted path string")

    return Source(
        name=name, path=path, title=raw.get("title", "") or name, kind=kind,
        start_urls=list(start_urls), allowed_domains=list(allowed), follow=list(raw.get("follow", [])),
        detail=list(raw.get("detail", [])), sitemap_urls=list(sitemap_urls), certification=cert,
        download_delay=delay, schedule=schedule, enabled=raw.get("enabled", True),
        max_pages=raw.get("max_pages", 2000), max_depth=raw.get("max_depth", 8),
        retire_after=raw.get("retire_after", 2), download_timeout=float(raw.get("download_timeout", 20)), notes=raw.get("notes", ""),
        selectors=dict(selectors), api=dict(api),
    )


def _check_css(path: Path, key: str, css: str) -> None:
    try:
        from cssselect import SelectorError
        from parsel.csstranslator import HTMLTranslator

        HTMLTranslator().css_to_xpath(css)
    except ImportError:
        return
    except SelectorError as exc:
        raise _fail(path, key, f"bad CSS selector {css!r}: {exc}") from None


def source_path(sources_dir: Path, name: str) -> Path:
    return Path(sources_dir) / f"{name}.toml"


def load_source(sources_dir: Path, name: str) -> Source:
    if not NAME_RE.match(name or ""):
        raise KapdirError(f"unknown source '{name}': names are [a-z0-9-]+")
    path = source_path(sources_dir, name)
    if not path.exists():
        known = [p.stem for p in sorted(Path(sources_dir).glob("*.toml"))]
        hint = f" (known: {', '.join(known)})" if known else f" (no sources in {sources_dir})"
        raise KapdirError(f"unknown source '{name}'{hint}")
    return parse_source(path)


def list_source_files(sources_dir: Path) -> list[Path]:
    d = Path(sources_dir)
    if not d.is_dir():
        raise KapdirError(f"sources dir {d} does not exist")
    return sorted(d.glob("*.toml"))


def load_all(sources_dir: Path) -> list[Source]:
    return [parse_source(p) for p in list_source_files(sources_dir)]
