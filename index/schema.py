"""The Whoosh schema: text fields for `q`, keyword fields for filters and facets, numbers for radius search.

The index is derived from the record store and carries the public record as a stored JSON blob, so web
processes answer every query from the index alone and can run against a read-only copy of it.
"""

from __future__ import annotations

import json
from functools import lru_cache

from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from kapdir.export import csv_line
from kapdir.records import fold
from kapdir.vocabulary import US_STATES

# Accent-folded, stemmed English: "Lozenges" finds "lozenge", "José" finds "Jose".
_TEXT = StemmingAnalyzer() | CharsetFilter(accent_map)
_NAME = StemmingAnalyzer(stoplist=None) | CharsetFilter(accent_map)


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        name=TEXT(analyzer=_NAME, field_boost=4.0),
        practice=TEXT(analyzer=_NAME, field_boost=2.0),
        body=TEXT(analyzer=_TEXT),
        name_sort=COLUMN(VarBytesColumn()),  # a column only: ordering needs no indexed terms
        city=ID(sortable=True),           # folded key, for filtering
        city_name=ID(stored=True, sortable=True),  # display spelling, for facet labels
        region=ID(stored=True, sortable=True),
        route=KEYWORD(commas=True, stored=True),
        setting=KEYWORD(commas=True, stored=True),
        route_setting=KEYWORD(commas=True, stored=True),
        certification=KEYWORD(commas=True, stored=True),
        serves=KEYWORD(commas=True, stored=True),  # states served by telehealth or at home
        at_home_only=ID(stored=True),
        lat=STORED(),  # radius search reads coordinates from index.facets arrays, not from terms
        lon=STORED(),
        facets=COLUMN(VarBytesColumn()),  # compact filter values, read in bulk by index.facets
        csv=COLUMN(VarBytesColumn()),  # the record's export row (kapdir.export.csv_line), joined by exports
        record=STORED(),
    )


@lru_cache(maxsize=4096)
def _city_key(city: str) -> str:
    """Cached: a directory has a few thousand cities, and folding each record's city is a sizeable share of a
    full rebuild."""
    return fold(city) or "-"


def to_document(record: dict) -> dict:
    """One index document per published record.

    ``body`` leaves out name and practice: the text parser searches those fields too, so repeating them only
    made every rebuild index them twice.
    """
    addr = record.get("address") or {}
    routes = record.get("routes") or []
    certs = record.get("certifications") or []
    in_clinic = any(r["setting"] == "in_clinic" for r in routes)
    body = [" ".join(record.get("credentials") or [])]
    body += [r.get("evidence", "") for r in routes] + [c.get("evidence", "") for c in certs]
    body += [addr.get("city", ""), addr.get("region", "")]
    route = sorted({r["route"] for r in routes})
    setting = sorted({r["setting"] for r in routes})
    route_setting = sorted({f"{r['route']}:{r['setting']}" for r in routes})
    certification = sorted({c["program"] for c in certs})
    serves = sorted({sv["region"] for sv in record.get("serves") or [] if sv.get("region") in US_STATES})
    name_sort = fold(record.get("name", "")) or "~"
    doc = {
        "id": record["id"],
        "name": record.get("name", ""),
        "practice": record.get("practice", ""),
        "body": "\n".join(b for b in body if b),
        "name_sort": name_sort.encode("utf-8"),
        "city": _city_key(addr.get("city", "")),
        "city_name": addr.get("city", "") or "-",
        "region": (addr.get("region") or "-").upper(),
        "route": ",".join(route),
        "setting": ",".join(setting),
        "route_setting": ",".join(route_setting),
        "certification": ",".join(certification),
        "serves": ",".join(serves),
        "at_home_only": "y" if record.get("offers_at_home") and not in_clinic else "n",
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
    }
    loc = record.get("location") or {}
    facets = {"r": route, "s": setting, "rs": route_setting, "c": certification, "sv": serves,
              "ck": doc["city"] if doc["city"] != "-" else "", "cn": addr.get("city", ""),
              "rg": doc["region"] if doc["region"] != "-" else "", "n": name_sort}
    if loc.get("lat") is not None and loc.get("lon") is not None:
        doc["lat"], doc["lon"] = float(loc["lat"]), float(loc["lon"])
        facets["la"], facets["lo"] = doc["lat"], doc["lon"]
    doc["facets"] = json.dumps(facets, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    doc["csv"] = csv_line(record).encode("utf-8")
    return doc
