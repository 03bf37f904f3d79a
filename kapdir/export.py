"""Records as CSV rows, shared by `kapdir export --format csv` and the web's `/api/v1/search.csv`.

One flat row per practitioner so a spreadsheet can filter it; lists are joined with ';' and routes are
written `route:setting`. Every value comes from crawled pages, and a spreadsheet runs a cell that starts
with `=`, `@`, `+` or `-` as a formula, so `write_csv` defuses such cells (OWASP "CSV injection") unless
they are plainly a number or a phone number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TextIO

EXPORT_COLUMNS = ["id", "name", "credentials", "practice", "street", "city", "region", "postal_code", "country",
                  "lat", "lon", "phone", "website", "routes", "offers_at_home", "certifications", "serves",
                  "sources", "updated_at"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# "+13105550142", "-118.49", "+1 (310) 555-0142": arithmetic at worst, never a function call.
_PLAIN_NUMBER = re.compile(r"[+-][0-9 ().+-]*")


def flatten(record: dict) -> dict:
    """A record as one CSV row: lists joined with ';', routes as route:setting."""
    a, loc = record.get("address") or {}, record.get("location") or {}
    return {
        "id": record["id"], "name": record.get("name", ""),
        "credentials": ";".join(record.get("credentials") or []),
        "practice": record.get("practice", ""),
        **{k: a.get(k, "") for k in ("street", "city", "region", "postal_code", "country")},
        "lat": loc.get("lat", ""), "lon": loc.get("lon", ""), "phone": record.get("phone", ""),
        "website": record.get("website", ""),
        "routes": ";".join(f"{r['route']}:{r['setting']}" for r in record.get("routes") or []),
        "offers_at_home": str(bool(record.get("offers_at_home"))).lower(),
        "certifications": ";".join(c["program"] for c in record.get("certifications") or []),
        "serves": ";".join(s["region"] for s in record.get("serves") or []),
        "sources": ";".join(s["url"] for s in record.get("sources") or []),
        "updated_at": record.get("updated_at", ""),
    }


def safe_cell(value):
    """A cell a spreadsheet will show as text rather than evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def header_line() -> str:
    return _line(EXPORT_COLUMNS)


def csv_line(record: dict) -> str:
    """One record's row, line ending included: the index keeps it per record (index/schema.py), so the web's
    export joins stored rows instead of parsing and flattening thousands of records per request."""
    row = flatten(record)
    return _line([safe_cell(row.get(k, "")) for k in EXPORT_COLUMNS])


def _line(values: list) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


def write_csv(records: Iterable[dict], out: TextIO) -> int:
    """Write a header row and one row per record; returns the number of records written."""
    out.write(header_line())
    n = 0
    for r in records:
        out.write(csv_line(r))
        n += 1
    return n
