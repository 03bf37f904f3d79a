"""Maintainers' decisions: hide, correct, merge, split, suppress — each audited, each surviving recrawls.

The CLI (`kapdir curate …`, `kapdir suppress …`, `kapdir review`) and the admin area call these same
functions, so a decision means the same thing wherever it is made. What a decision is lives here; how it
is stored is the store's (``kapdir.store`` holds every SQL statement).

These functions change the store only. The caller brings the index up to date afterwards, through
``reindex``, the one place that does it for the CLI and the web admin alike: the caller knows how it can
answer an index that cannot be updated (the CLI fails with the error, the admin says the decision is saved
and the next crawl applies it), and several decisions in a row need one update, not one each.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlparse

from kapdir.errors import KapdirError
from kapdir.names import name_key
from kapdir.records import CURATABLE, refresh_records, slugify
from kapdir.store import Store, now_iso, stable_hash
from kapdir.urls import clean_website
from kapdir.vocabulary import ROUTES, SETTINGS


def _require_record(store: Store, rid: str) -> None:
    if not store.has_record(rid):
        raise KapdirError(f"no record with id '{rid}'")


def reindex(store: Store, index_dir: Path) -> dict:
    """After a decision that changed records (set, unset, hide, unhide, merge, split, suppress), make the
    public site agree: bring the index at `index_dir` up to date with the store.

    Both the CLI and the web admin call this, and only this; the decision functions above never do, so
    what a decision does to the store can be tested, and made, without an index. The decision is committed
    before this runs: a KapdirError here (a crawl holds the index writer) means "saved, not yet searchable",
    and the next crawl or `kapdir index` applies it.
    """
    from index.build import update_index

    return update_index(store, index_dir)


def parse_value(field: str, value: str):
    """A maintainer's text value as the record stores it; a bad one is a one-line error."""
    from kapdir.phones import normalise_phone
    from kapdir.places import normalise_region
    from kapdir.places._text import is_us_region

    value = value.strip()
    if field == "credentials":
        return [v.strip() for v in value.split(",") if v.strip()]
    if field == "phone":
        phone = normalise_phone(value)
        if not phone and value:
            raise KapdirError(f"'{value}' is not a phone number")
        return phone or ""
    if field == "website":
        url = clean_website(value)
        if value and not url:
            raise KapdirError(f"'{value}' is not an http(s) URL")
        return url
    if field == "region":
        return normalise_region(value) if value else ""
    if field == "routes":
        pairs = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            route, _, setting = part.partition(":")
            if route not in ROUTES or setting not in SETTINGS:
                raise KapdirError(f"'{part}' must be route:setting, e.g. iv:in_clinic")
            pairs.append([route, setting])
        return pairs
    if field == "serves":
        # "CO,UT,New Mexico" -> ["CO", "UT", "NM"]; an empty value clears the service area.
        codes = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            code = normalise_region(part)
            if not is_us_region(code):
                raise KapdirError(f"'{part}' is not a US state (serves takes states, e.g. CO,UT,NM)")
            if code not in codes:
                codes.append(code)
        return sorted(codes)
    if field == "certifications":
        from kapdir.reading import PROGRAMMES

        ids = [v.strip() for v in value.split(",") if v.strip()]
        bad = [i for i in ids if i not in PROGRAMMES]
        if bad:
            raise KapdirError(f"unknown programme id(s): {', '.join(bad)}")
        return ids
    return value


def set_field(store: Store, rid: str, field: str, value: str, *, actor: str, reason: str = "") -> None:
    if field not in CURATABLE:
        raise KapdirError(f"field '{field}' cannot be set; one of: {', '.join(CURATABLE)}")
    _require_record(store, rid)
    parsed = parse_value(field, value)
    with store.tx() as c:
        store.put_curation(c, rid, field, parsed, reason=reason, actor=actor)
        store.audit(c, actor, "set", rid, {"field": field, "value": parsed, "reason": reason})
    refresh_records(store, {rid})


def unset_field(store: Store, rid: str, field: str, *, actor: str) -> None:
    _require_record(store, rid)
    with store.tx() as c:
        store.drop_curation(c, rid, field)
        store.audit(c, actor, "unset", rid, {"field": field})
    refresh_records(store, {rid})


def hide(store: Store, rid: str, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise KapdirError("hiding a record needs --reason")
    _require_record(store, rid)
    with store.tx() as c:
        store.put_curation(c, rid, "_hidden", True, reason=reason, actor=actor)
        store.audit(c, actor, "hide", rid, {"reason": reason})
    refresh_records(store, {rid})


def unhide(store: Store, rid: str, *, actor: str) -> None:
    _require_record(store, rid)
    with store.tx() as c:
        store.drop_curation(c, rid, "_hidden")
        store.audit(c, actor, "unhide", rid, {})
    refresh_records(store, {rid})


def merge(store: Store, ids: list[str], *, actor: str, reason: str = "") -> str:
    """Fold the other records into the first; their listings follow, their ids stop being published."""
    if len(ids) < 2:
        raise KapdirError("merge needs at least two record ids")
    for rid in ids:
        _require_record(store, rid)
    keep, others = ids[0], [i for i in ids[1:] if i != ids[0]]
    with store.tx() as c:
        lids = [li["id"] for o in others for li in store.listings(record_id=o)]
        mine = [li["id"] for li in store.listings(record_id=keep)]
        for lid in lids:
            for other in mine + lids:
                store.forget_no_merge(c, lid, other)  # a maintainer joining them overrides an earlier split
            store.set_listing_record(c, lid, keep)
        for o in others:
            store.move_curation(c, o, keep)
        for item in store.review_items():
            if item["kind"] == "possible_duplicate" and any(lid in item["subject"].split("|") for lid in lids + mine):
                store.close_review_item(c, item["id"], actor=actor, resolution="merged")
        store.audit(c, actor, "merge", keep, {"merged": others, "reason": reason})
    refresh_records(store, set(ids))
    return keep


def split(store: Store, rid: str, *, actor: str, reason: str = "") -> list[str]:
    """Give every listing of a record its own record, and remember they must never be merged again."""
    _require_record(store, rid)
    with store.tx() as c:
        rows = store.listings(record_id=rid)
        if len(rows) < 2:
            raise KapdirError(f"record '{rid}' has only one listing; nothing to split")
        new_ids = [rid]
        for row in rows[1:]:
            nid = f"{slugify(row['data'].get('name', ''))}-{stable_hash(row['id'], 'split', n=6)}"
            store.set_listing_record(c, row["id"], nid)
            new_ids.append(nid)
        ids = [r["id"] for r in rows]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                store.add_no_merge(c, a, b)
        store.audit(c, actor, "split", rid, {"into": new_ids, "reason": reason})
    refresh_records(store, set(new_ids))
    return new_ids


def suppress(store: Store, target: str, *, actor: str, reason: str) -> int:
    """A removal request: delete the person's listings and record contents now, and refuse them forever."""
    if not reason.strip():
        raise KapdirError("a suppression needs --reason")
    target = target.strip()
    if not target:
        raise KapdirError("give a name or a URL to suppress")
    if target.lower().startswith(("http://", "https://")):
        try:  # "https://[::1" and "http://a:b:c" make urlparse raise: a clear error, not a crash
            parts = urlparse(target)
            ok = bool(parts.hostname) and (parts.port or 0) >= 0 and not any(c.isspace() for c in target)
        except ValueError:
            ok = False
        if not ok:
            raise KapdirError(f"'{target}' is not a URL")
        kind, key = "url", target.lower().rstrip("/")
    else:
        kind, key = "name", name_key(target)
    with store.tx() as c:
        store.add_suppression(c, kind, target, key, reason=reason, actor=actor)
        removed, rids = store.delete_suppressed_listings(c, {"kind": kind, "match_key": key})
        for rid in rids:
            store.erase_if_orphaned(c, rid)
        store.audit(c, actor, "suppress", _suppression_target(kind, target, key),
                    {"kind": kind, "reason": reason, "listings_removed": removed})
    refresh_records(store, rids)
    return removed


def _suppression_target(kind: str, value: str, key: str) -> str:
    return value if kind == "url" else f"name:{key}"


def lift_suppression(store: Store, sid: int, *, actor: str, reason: str) -> dict:
    """End a suppression made by mistake. Nothing deleted comes back now: the next crawl of a source that
    still lists the person stores them again. The row stays, marked lifted with who, when and why, and
    both the suppression and its lifting stay in the audit log."""
    reason = reason.strip()
    if not reason:
        raise KapdirError("lifting a suppression needs --reason")
    with store.tx() as c:
        row = store.suppression(sid)
        if row is None:
            raise KapdirError(f"no suppression {sid}")
        if row["lifted_at"]:
            raise KapdirError(f"suppression {sid} was already lifted by {row['lifted_by']} at {row['lifted_at']}")
        at = now_iso()
        store.lift_suppression(c, sid, at=at, actor=actor, reason=reason)
        store.audit(c, actor, "suppress-lift", _suppression_target(row["kind"], row["value"], row["match_key"]),
                    {"id": sid, "reason": reason, "suppressed_by": row["actor"], "suppressed_at": row["at"],
                     "suppress_reason": row["reason"]})
    return {**row, "lifted_at": at, "lifted_by": actor, "lift_reason": reason}


def close_review(store: Store, item_id: int, *, actor: str, resolution: str) -> None:
    with store.tx() as c:
        if not store.close_review_item(c, item_id, actor=actor, resolution=resolution):
            raise KapdirError(f"no open review item {item_id}")
        store.audit(c, actor, "review-close", str(item_id), {"resolution": resolution})


def report_problem(store: Store, rid: str, message: str, contact: str = "") -> None:
    """A visitor's report about a listing: it joins the review queue, nothing changes until a human acts."""
    _require_record(store, rid)
    with store.tx() as c:
        store.file_report(c, f"{rid}:{secrets.token_hex(4)}", {"message": message[:2000], "contact": contact[:200]})
        store.audit(c, "visitor", "report", rid, {"length": len(message)})
