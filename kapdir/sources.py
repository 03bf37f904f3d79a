"""Source files (`sources/<name>.toml`): the only thing a maintainer writes to add a site.

Validation is strict and specific because a maintainer fixing a file needs to know *which key* is wrong;
every problem becomes one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kapdir.errors import KapdirError

KINDS = ("directory", "roster", "clinic")
SELECTOR_KEYS = ("item", "name", "credentials", "address", "street", "city", "region", "postal_code",
                 "phone", "website", "text")
API_KEYS = ("items", "next", "fields")
API_FIELD_KEYS = ("id", "name", "credentials", "street", "city", "region", "postal_code", "address",
                  "lat", "lon", "phone", "website", "text", "providers")
NAME_RE = re.compile(r"^[a-z0-9-]+$")
INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _fail(path: Path, key: str | None, msg: str) -> KapdirError:
    where = f"{path}: key '{key}'" if key else f"{path}"
    return KapdirError(f"{where}: {msg}")


def schedule_interval(spec: str) -> timedelta | None:
    """`12h`/`7d`/`30m`/`2w` as an interval; None means the spec is a cron expression."""
    m = INTERVAL_RE.match(spec)
    if not m:
        return None
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


# --------------------------------------------------------------------------- checks of one key's value

def _check_name(path: Path, key: str, name: str) -> None:
    if not name:
        raise _fail(path, key, "missing")
    if not NAME_RE.match(name):
        raise _fail(path, key, f"'{name}' must match [a-z0-9-]+")
    if path.suffix == ".toml" and path.stem != name:
        raise _fail(path, key, f"'{name}' must equal the file name '{path.stem}'")


def _check_kind(path: Path, key: str, kind: str) -> None:
    if kind not in KINDS:
        raise _fail(path, key, f"'{kind}' must be one of {', '.join(KINDS)}")


def _check_urls(path: Path, key: str, urls: list) -> None:
    for url in urls:
        if not isinstance(url, str):
            raise _fail(path, key, f"every entry must be a string, got {type(url).__name__}")
        if key == "sitemap_urls" and url == "robots":
            continue
        p = urlparse(url)
        if p.scheme not in ("http", "https") or not p.hostname:
            raise _fail(path, key, f"{url!r} is not an http(s) URL")


def _check_regexes(path: Path, key: str, values: list) -> None:
    for v in values:
        if not isinstance(v, str):
            raise _fail(path, key, f"every entry must be a string, got {type(v).__name__}")
        try:
            re.compile(v)
        except re.error as exc:
            raise _fail(path, key, f"bad regex {v!r}: {exc}") from None


def _check_domains(path: Path, key: str, domains: list) -> None:
    for d in domains:
        if not isinstance(d, str) or not d or "/" in d:
            raise _fail(path, key, f"{d!r} must be a bare host name like example.org")


def _known_programmes() -> set[str]:
    try:
        from kapdir.reading import PROGRAMMES

        return set(PROGRAMMES)
    except Exception:  # noqa: BLE001 - registry not importable: fall back to the contract's fixed ids
        return {"polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps", "spravato-rems",
                "journey-clinical", "onca", "sage", "living-medicine"}


def _check_programme(path: Path, key: str, cert: str) -> None:
    if cert and cert not in _known_programmes():
        raise _fail(path, key, f"unknown programme id '{cert}'")


def _seconds(lo: float, hi: float, message: str):
    def check(path: Path, key: str, value: float) -> None:
        if not lo <= float(value) <= hi:
            raise _fail(path, key, message.format(value=float(value)))
    return check


def _at_least_one(path: Path, key: str, value: int) -> None:
    if value < 1:
        raise _fail(path, key, "must be at least 1")


def _check_schedule(path: Path, key: str, spec: str) -> None:
    if schedule_interval(spec) is not None:
        return
    try:
        from croniter import croniter

        ok = croniter.is_valid(spec)
    except Exception:  # noqa: BLE001 - any croniter failure means "not a valid expression"
        ok = False
    if not ok:
        raise _fail(path, key, f"'{spec}' is neither an interval like 12h/7d nor a cron expression")


def _check_selectors(path: Path, key: str, selectors: dict) -> None:
    for k, v in selectors.items():
        if k == "detail_link":
            raise _fail(path, f"{key}.{k}", "unknown selector (detail pages are the links matching `detail`)")
        if k not in SELECTOR_KEYS:
            raise _fail(path, f"{key}.{k}", "unknown selector")
        if not isinstance(v, str):
            raise _fail(path, f"{key}.{k}", "must be a CSS selector string")
        if v:
            _check_css(path, f"{key}.{k}", v)


def _check_api(path: Path, key: str, api: dict) -> None:
    for k, v in api.items():
        if k not in API_KEYS:
            raise _fail(path, f"{key}.{k}", "unknown key")
        if k == "fields":
            if not isinstance(v, dict):
                raise _fail(path, f"{key}.fields", "must be a table")
            for fk, fv in v.items():
                if fk not in API_FIELD_KEYS:
                    raise _fail(path, f"{key}.fields.{fk}", "unknown field")
                if not isinstance(fv, str):
                    raise _fail(path, f"{key}.fields.{fk}", "must be a dotted path string")
        elif not isinstance(v, str):
            raise _fail(path, f"{key}.{k}", "must be a dotted path string")


# ------------------------------------------------------------------------------------------ the keys

@dataclass(frozen=True)
class Key:
    """One source-file key: the TOML types it accepts, its value when absent, and the check of its value.

    Declared once here; `parse_source` and `Source` are derived from this table, so a new key is one line.
    """

    types: tuple[type, ...]
    default: object
    check: Callable[[Path, str, Any], None] | None = None


# In the order a maintainer reads them (the contract's example) and in which problems are reported.
KEYS: dict[str, Key] = {
    "name": Key((str,), "", _check_name),
    "title": Key((str,), ""),
    "kind": Key((str,), "directory", _check_kind),
    "start_urls": Key((list,), (), _check_urls),
    "sitemap_urls": Key((list,), (), _check_urls),
    "follow": Key((list,), (), _check_regexes),
    "detail": Key((list,), (), _check_regexes),
    "allowed_domains": Key((list,), None, _check_domains),  # None: the hosts of the start and sitemap URLs
    "certification": Key((str,), "", _check_programme),
    "download_delay": Key((int, float), 1.0, _seconds(0, 600, "{value} must be between 0 and 600 seconds")),
    "download_timeout": Key((int, float), 20, _seconds(1, 300, "must be between 1 and 300 seconds")),
    "schedule": Key((str,), "7d", _check_schedule),
    "enabled": Key((bool,), True),
    "max_pages": Key((int,), 2000, _at_least_one),
    "max_depth": Key((int,), 8, _at_least_one),
    "retire_after": Key((int,), 2, _at_least_one),
    "notes": Key((str,), ""),
    "selectors": Key((dict,), {}, _check_selectors),
    "api": Key((dict,), {}, _check_api),
}


@dataclass
class Source:
    """A validated source file (see `KEYS`). Regexes are kept as strings for Scrapy and compiled for our own
    matching."""

    name: str
    path: Path
    title: str
    kind: str
    start_urls: list[str]
    sitemap_urls: list[str]
    follow: list[str]
    detail: list[str]
    allowed_domains: list[str]
    certification: str
    download_delay: float
    download_timeout: float
    schedule: str
    enabled: bool
    max_pages: int
    max_depth: int
    retire_after: int
    notes: str
    selectors: dict[str, str] = field(default_factory=dict)
    api: dict = field(default_factory=dict)

    def is_detail(self, url: str) -> bool:
        return any(re.search(p, url) for p in self.detail)

    def is_follow(self, url: str) -> bool:
        return any(re.search(p, url) for p in self.follow)


def _read_toml(path: Path, text: str | None) -> dict:
    try:
        return tomllib.loads(text if text is not None else path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, None, "no such source file") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, None, f"malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, None, f"cannot read: {exc}") from None


def parse_source(path: Path, text: str | None = None) -> Source:
    """Parse and validate one source file; raise KapdirError naming the first wrong key."""
    path = Path(path)
    raw = _read_toml(path, text)
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(path, key, f"unknown key{hint}")
    for key, spec in KEYS.items():
        value = raw.get(key)
        if key in raw and (not isinstance(value, spec.types) or (isinstance(value, bool) and bool not in spec.types)):
            want = " or ".join(t.__name__ for t in spec.types)
            raise _fail(path, key, f"must be {want}, got {type(value).__name__}")
    values = {key: raw.get(key, spec.default) for key, spec in KEYS.items()}
    for key, spec in KEYS.items():
        # The two rules across keys are reported where a maintainer would fix them.
        if key == "start_urls" and not values["start_urls"] and not values["sitemap_urls"]:
            raise _fail(path, "start_urls", "missing: give start_urls (or sitemap_urls)")
        if spec.check is not None and values[key] is not None:
            spec.check(path, key, values[key])
        if key == "sitemap_urls" and "robots" in values["sitemap_urls"] and not values["start_urls"]:
            raise _fail(path, key, '"robots" needs start_urls to know which site\'s robots.txt to read')
    if values["allowed_domains"] is None:
        hosts = [urlparse(u).hostname for u in [*values["start_urls"], *values["sitemap_urls"]] if u != "robots"]
        values["allowed_domains"] = sorted({h for h in hosts if h})
    values["title"] = values["title"] or values["name"]
    for key in ("download_delay", "download_timeout"):
        values[key] = float(values[key])
    for key, value in values.items():  # a fresh list or table per Source, never the default itself
        if isinstance(value, (list, tuple, dict)):
            values[key] = dict(value) if isinstance(value, dict) else list(value)
    return Source(path=path, **values)


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
