"""From listings to records: one public record per real practitioner, with every fact's provenance.

Matching is deliberately conservative: two listings join only when a strong identifier agrees (phone,
or the practitioner's own website) *and* the names are close, or when the names are practically identical
in the same city and nothing (phone, website) contradicts it. A wrong merge shows a distressed reader the
wrong clinician; a missed merge only shows a duplicate card.
"""

from __future__ import annotations

import re
import sqlite3

from rapidfuzz import fuzz

from kapdir.names import fold, name_key  # there since the store needs them too; still importable from here
from kapdir.store import Store, canonical_json, now_iso, stable_hash
from kapdir.urls import host_of
from kapdir.vocabulary import ROUTES, SETTINGS

# Directory and clinic pages describe services; rosters only vouch for training. Lower wins.
KIND_PRIORITY = {"clinic": 0, "directory": 1, "roster": 2}
# Hosts that belong to the directories themselves, never to one practitioner.
_GENERIC_HOSTS = re.compile(r"(^|\.)(facebook|instagram|linkedin|psychologytoday|google|yelp|twitter|x)\.com$")


def site_host(url: str) -> str:
    host = host_of(url)
    return "" if not host or _GENERIC_HOSTS.search(host) else host


def slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(s)).strip("-")[:48] or "practitioner"


def same_practitioner(a: dict, b: dict) -> bool | None:
    """True = same, False = different, None = undecided (would need a human)."""
    na, nb = name_key(a.get("name", "")), name_key(b.get("name", ""))
    if not na or not nb:
        return False
    sim = fuzz.token_sort_ratio(na, nb)
    pa, pb = a.get("phone") or "", b.get("phone") or ""
    ha, hb = site_host(a.get("website", "")), site_host(b.get("website", ""))
    ca, cb = fold(a.get("city", "")), fold(b.get("city", ""))
    if pa and pa == pb and sim >= 80:
        return True
    if ha and ha == hb and sim >= 80:
        return True
    if sim >= 95 and ca and ca == cb:
        conflict = (pa and pb and pa != pb) or (ha and hb and ha != hb)
        return None if conflict else True
    return False


def assign_record(store: Store, c: sqlite3.Connection, lid: str) -> str | None:
    """Attach a published listing to an existing record or a new one; returns the record id."""
    row = store.listing(lid)
    if row is None:
        return None
    if row["status"] != "published":
        return row["record_id"]
    if row["record_id"]:
        return row["record_id"]
    data = row["data"]
    apart = store.no_merge_pairs(c, lid)
    blocked = set()
    for other in apart:
        found = store.listing(other)
        if found and found["record_id"]:
            blocked.add(found["record_id"])
    # Only listings sharing a phone or a normalised name (indexed look-ups, so merging stays cheap at scale):
    # the fuzzy comparison runs on these few.
    for cand in store.merge_candidates(c, phone=data.get("phone") or "", name_key=name_key(data.get("name", "")),
                                       exclude=lid):
        if cand["record_id"] in blocked:
            continue
        verdict = same_practitioner(data, cand["data"])
        if verdict is True:
            store.set_listing_record(c, lid, cand["record_id"])
            return cand["record_id"]
        if verdict is None:
            # Same name in the same city but their phones or sites disagree: a human decides.
            pair = "|".join(sorted((lid, cand["id"])))
            store.open_review(c, "possible_duplicate", pair, {
                "listings": sorted((lid, cand["id"])), "records": [None, cand["record_id"]],
                "name": data.get("name", ""), "city": data.get("city", ""),
                "why": "same name and city, but phone or website differ"})
    rid = f"{slugify(data.get('name', ''))}-{stable_hash(lid, n=6)}"
    store.set_listing_record(c, lid, rid)
    return rid


def assign_records(store: Store, listing_ids) -> set[str]:
    """`assign_record` for many listings in one transaction: a crawl's (or a seed's) merge step."""
    record_ids: set[str] = set()
    with store.tx() as c:
        for lid in listing_ids:
            rid = assign_record(store, c, lid)
            if rid:
                record_ids.add(rid)
    return record_ids


def _sort_listings(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (KIND_PRIORITY.get(r["data"].get("kind", "directory"), 3),
                                       -len([v for v in r["data"].values() if v]), r["first_seen"], r["id"]))


def assemble(rid: str, listings: list[dict], previous: dict | None) -> dict:
    """Build the public record (contract shape) from its published listings, most trusted first."""
    rows = _sort_listings(listings)
    best = rows[0]["data"]

    def first(field: str) -> str:
        for r in rows:
            if r["data"].get(field):
                return r["data"][field]
        return ""

    credentials: list[str] = []
    for r in rows:
        for cred in r["data"].get("credentials", []):
            if cred not in credentials:
                credentials.append(cred)
    addr_row = next((r["data"] for r in rows if r["data"].get("street")), None) or next(
        (r["data"] for r in rows if r["data"].get("city")), best)
    routes: dict[tuple[str, str], dict] = {}
    certs: dict[str, dict] = {}
    serves: dict[str, dict] = {}
    for r in rows:
        for rt in r["data"].get("routes", []):
            routes.setdefault((rt["route"], rt["setting"]), {**rt, "source": r["source"]})
        for ce in r["data"].get("certifications", []):
            certs.setdefault(ce["program"], {**ce, "source": r["source"]})
        for sv in r["data"].get("serves", []):
            serves.setdefault(sv["region"], {**sv, "source": r["source"]})
    # A route offered both with a known setting and "unspecified" keeps only the informative pairs.
    known = {rt for rt, st in routes if st != "unspecified"}
    route_list = [v for (rt, st), v in routes.items() if not (st == "unspecified" and rt in known)]
    route_list.sort(key=lambda v: (ROUTES.index(v["route"]) if v["route"] in ROUTES else 9,
                                   SETTINGS.index(v["setting"]) if v["setting"] in SETTINGS else 9))
    loc = None
    if addr_row.get("lat") is not None and addr_row.get("lon") is not None:
        loc = {"lat": round(float(addr_row["lat"]), 5), "lon": round(float(addr_row["lon"]), 5)}
    else:
        for r in rows:
            if r["data"].get("lat") is not None and r["data"].get("lon") is not None:
                loc = {"lat": round(float(r["data"]["lat"]), 5), "lon": round(float(r["data"]["lon"]), 5)}
                break
    def origin(field_values) -> dict:
        """Where the winning value came from, plus the other values sources gave (kept, not lost)."""
        chosen = None
        others: list = []
        for r in rows:
            value = field_values(r["data"])
            if not value:
                continue
            if chosen is None:
                chosen = {"source": r["source"], "url": r["url"], "last_seen": r["last_seen"]}
                winner = value
            elif value != winner and value not in others:
                others.append(value)
        if chosen is None:
            return {}
        return chosen | ({"others": others} if others else {})

    def addr_of(d: dict) -> str:
        return ", ".join(x for x in (d.get("street"), d.get("city"), d.get("region"), d.get("postal_code")) if x)

    provenance = {
        "name": origin(lambda d: d.get("name")),
        "practice": origin(lambda d: d.get("practice")),
        "phone": origin(lambda d: d.get("phone")),
        "website": origin(lambda d: d.get("website")),
        "address": origin(lambda d: addr_of(d) if d.get("street") else None) or origin(addr_of),
    }
    record = {
        "id": rid,
        "name": best.get("name", ""),
        "practice": first("practice"),
        "credentials": credentials,
        "address": {k: addr_row.get(k, "") or "" for k in ("street", "city", "region", "postal_code")}
        | {"country": addr_row.get("country") or ("US" if addr_row.get("region") else "")},
        "location": loc,
        "phone": first("phone"),
        "website": first("website"),
        "routes": route_list,
        # An at-home programme may name no route ("we deliver ketamine therapy through an at-home model").
        "offers_at_home": any(v["setting"] == "at_home" for v in route_list)
        or any(bool(r["data"].get("offers_at_home")) for r in rows),
        "certifications": sorted(certs.values(), key=lambda v: v["program"]),
        # Where it serves by telehealth or at home (issue 15): US states, each with its sentence.
        "serves": sorted(serves.values(), key=lambda v: v["region"]),
        "sources": [{"source": r["source"], "url": r["url"], "first_seen": r["first_seen"],
                     "last_seen": r["last_seen"]} for r in sorted(rows, key=lambda r: (r["source"], r["url"]))],
        "provenance": {k: v for k, v in provenance.items() if v},
        "updated_at": "",
    }
    # An empty `serves` is left out of the hash, so records that gained the (empty) field when it was
    # introduced keep their updated_at.
    content = canonical_json({k: v for k, v in record.items()
                              if k not in ("sources", "updated_at", "provenance") and not (k == "serves" and not v)}
                             | {"sources": [(s["source"], s["url"]) for s in record["sources"]]})
    content_hash = stable_hash(content)
    if previous and previous.get("_content") == content_hash and previous.get("updated_at"):
        record["updated_at"] = previous["updated_at"]
    else:
        record["updated_at"] = now_iso()
    record["_content"] = content_hash
    return record


def public(record: dict) -> dict:
    """The record as exported and served: internal bookkeeping keys removed."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


CURATABLE = ("name", "practice", "credentials", "phone", "website", "street", "city", "region", "postal_code",
             "routes", "certifications", "serves")


def apply_curation(record: dict, curation: dict[str, dict]) -> tuple[dict, bool]:
    """Maintainers' corrections win over every source; returns (record, published?)."""
    for field, c in curation.items():
        if field.startswith("_"):
            continue
        value = c["value"]
        if field in ("street", "city", "region", "postal_code"):
            record["address"][field] = value
        elif field == "routes":
            record["routes"] = [{"route": r, "setting": st, "evidence": c["reason"] or "set by a maintainer",
                                 "source": "curator"} for r, st in value]
            record["offers_at_home"] = any(st == "at_home" for _r, st in value)
        elif field == "certifications":
            record["certifications"] = [{"program": p, "evidence": c["reason"] or "set by a maintainer",
                                         "source": "curator"} for p in value]
        elif field == "serves":
            record["serves"] = [{"region": r, "evidence": c["reason"] or "set by a maintainer", "source": "curator"}
                                for r in value]
        else:
            record[field] = value
        if field in ("name", "practice", "phone", "website"):
            record.setdefault("provenance", {})[field] = {"source": "curator", "by": c["actor"], "at": c["at"]}
        elif field in ("street", "city", "region", "postal_code"):
            record.setdefault("provenance", {})["address"] = {"source": "curator", "by": c["actor"], "at": c["at"]}
    if curation:
        record["curated_fields"] = sorted(f for f in curation if not f.startswith("_"))
    return record, "_hidden" not in curation


def refresh_records(store: Store, record_ids: set[str]) -> int:
    """Re-assemble the given records from their listings and curation; returns how many changed."""
    changed = 0
    for rid in sorted(x for x in record_ids if x):
        with store.tx() as c:
            rows = store.listings(record_id=rid, status="published")
            stored = store.record_state(rid)
            previous = stored["record"] if stored else None
            if not rows:
                if stored is not None and stored["published"]:
                    store.delete_record(c, rid)
                    changed += 1
                continue
            record = assemble(rid, rows, previous)
            record, published = apply_curation(record, store.curation_for(rid))
            changed += store.put_record(c, rid, record, published)
    return changed
