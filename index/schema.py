"""The Whoosh schema: text fields for `q`, keyword fields for filters and facets, numbers for radius search.

The index is derived from the record store and carries the public record as a stored JSON blob, so web
processes answer every query from the index alone and can run against a read-only copy of it.
"""

from __future__ import annotations

import json

from whoosh.analysis import CharsetFilter, StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from kapdir.records import fold

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
        at_home_only=ID(stored=True),
        lat=STORED(),  # radius search reads coordinates from index.facets arrays, not from terms
        lon=STORED(),
        facets=COLUMN(VarBytesColumn()),  # compact filter values, read in bulk by index.facets
        record=STORED(),
    )


def to_document(record: dict) -> dict:
    """One index document per published record."""
    addr = record.get("address") or {}
    routes = record.get("routes") or []
    certs = [c["program"] for c in record.get("certifications") or []]
    in_clinic = any(r["setting"] == "in_clinic" for r in routes)
    body = [record.get("name", ""), record.get("practice", ""), " ".join(record.get("credentials") or [])]
    body += [r.get("evidence", "") for r in routes] + [c.get("evidence", "") for c in record.get("certifications") or []]
    body += [addr.get("city", ""), addr.get("region", "")]
    doc = {
        "id": record["id"],
        "name": record.get("name", ""),
        "practice": record.get("practice", ""),
        "body": "\n".join(b for b in body if b),
        "name_sort": (fold(record.get("name", "")) or "~").encode("utf-8"),
        "city": fold(addr.get("city", "")) or "-",
        "city_name": addr.get("city", "") or "-",
        "region": (addr.get("region") or "-").upper(),
        "route": ",".join(sorted({r["route"] for r in routes})),
        "setting": ",".join(sorted({r["setting"] for r in routes})),
        "route_setting": ",".join(sorted({f"{r['route']}:{r['setting']}" for r in routes})),
        "certification": ",".join(sorted(set(certs))),
        "at_home_only": "y" if record.get("offers_at_home") and not in_clinic else "n",
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
    }
    loc = record.get("location") or {}
    facets = {"r": sorted({r["route"] for r in routes}), "s": sorted({r["setting"] for r in routes}),
              "rs": sorted({f"{r['route']}:{r['setting']}" for r in routes}), "c": sorted(set(certs)),
              "ck": doc["city"] if doc["city"] != "-" else "", "cn": addr.get("city", ""),
              "rg": doc["region"] if doc["region"] != "-" else "", "n": doc["name_sort"].decode("utf-8")}
    if loc.get("lat") is not None and loc.get("lon") is not None:
        doc["lat"], doc["lon"] = float(loc["lat"]), float(loc["lon"])
        facets["la"], facets["lo"] = float(loc["lat"]), float(loc["lon"])
    doc["facets"] = json.dumps(facets, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return doc
