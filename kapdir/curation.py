"""Maintainers' decisions: hide, correct, merge, split, suppress — each audited, each surviving recrawls.

The CLI (`kapdir curate …`, `kapdir suppress …`, `kapdir review`) and the admin area call these same
functions, so a decision means the same thing wherever it is made.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlparse

from kapdir.errors import KapdirError
from kapdir.records import CURATABLE, name_key, refresh_records, slugify
from kapdir.store import Store, now_iso, stable_hash
from kapdir.vocabulary import ROUTES, SETTINGS


def _require_record(store: Store, rid: str) -> None:
    if store.conn.execute("SELECT 1 FROM records WHERE id=?", (rid,)).fetchone() is None:
        raise KapdirError(f"no record with id '{rid}'")


def _reindex(store: Store, paths) -> None:
    if paths is None:
        return
    from index.build import update_index

    update_index(store, paths.index_dir)


def parse_value(field: str, value: str):
    """A maintainer's text value as the record stores it; a bad one is a one-line error."""
    from crawler.pipelines.normalise import clean_website
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


def set_field(store: Store, rid: str, field: str, value: str, *, actor: str, reason: str = "", paths=None) -> None:
    if field not in CURATABLE:
        raise KapdirError(f"field '{field}' cannot be set; one of: {', '.join(CURATABLE)}")
    _require_record(store, rid)
    parsed = parse_value(field, value)
    with store.tx() as c:
        c.execute("INSERT INTO curation(record_id, field, value, reason, actor, at) VALUES(?,?,?,?,?,?)"
                  " ON CONFLICT(record_id, field) DO UPDATE SET value=excluded.value, reason=excluded.reason,"
                  " actor=excluded.actor, at=excluded.at", (rid, field, json.dumps(parsed), reason, actor, now_iso()))
        store.audit(c, actor, "set", rid, {"field": field, "value": parsed, "reason": reason})
    refresh_records(store, {rid})
    _reindex(store, paths)


def unset_field(store: Store, rid: str, field: str, *, actor: str, paths=None) -> None:
    _require_record(store, rid)
    with store.tx() as c:
        c.execute("DELETE FROM curation WHERE record_id=? AND field=?", (rid, field))
        store.audit(c, actor, "unset", rid, {"field": field})
    refresh_records(store, {rid})
    _reindex(store, paths)


def hide(store: Store, rid: str, *, actor: str, reason: str, paths=None) -> None:
    if not reason.strip():
        raise KapdirError("hiding a record needs --reason")
    _require_record(store, rid)
    with store.tx() as c:
        c.execute("INSERT INTO curation(record_id, field, value, reason, actor, at) VALUES(?,?,?,?,?,?)"
                  " ON CONFLICT(record_id, field) DO UPDATE SET reason=excluded.reason, actor=excluded.actor,"
                  " at=excluded.at", (rid, "_hidden", "true", reason, actor, now_iso()))
        store.audit(c, actor, "hide", rid, {"reason": reason})
    refresh_records(store, {rid})
    _reindex(store, paths)


def unhide(store: Store, rid: str, *, actor: str, paths=None) -> None:
    _require_record(store, rid)
    with store.tx() as c:
        c.execute("DELETE FROM curation WHERE record_id=? AND field='_hidden'", (rid,))
        store.audit(c, actor, "unhide", rid, {})
    refresh_records(store, {rid})
    _reindex(store, paths)


def merge(store: Store, ids: list[str], *, actor: str, reason: str = "", paths=None) -> str:
    """Fold the other records into the first; their listings follow, their ids stop being published."""
    if len(ids) < 2:
        raise KapdirError("merge needs at least two record ids")
    for rid in ids:
        _require_record(store, rid)
    keep, others = ids[0], [i for i in ids[1:] if i != ids[0]]
    with store.tx() as c:
        lids = [r[0] for o in others for r in c.execute("SELECT id FROM listings WHERE record_id=?", (o,))]
        mine = [r[0] for r in c.execute("SELECT id FROM listings WHERE record_id=?", (keep,))]
        for lid in lids:
            for other in mine + lids:
                c.execute("DELETE FROM no_merge WHERE (a=? AND b=?) OR (a=? AND b=?)", (lid, other, other, lid))
            c.execute("UPDATE listings SET record_id=? WHERE id=?", (keep, lid))
        for o in others:
            c.execute("UPDATE curation SET record_id=? WHERE record_id=? AND field NOT IN"
                      " (SELECT field FROM curation WHERE record_id=?)", (keep, o, keep))
            c.execute("DELETE FROM curation WHERE record_id=?", (o,))
        for item in c.execute("SELECT id, subject FROM review WHERE status='open' AND kind='possible_duplicate'"
                              ).fetchall():
            if any(lid in item["subject"].split("|") for lid in lids + mine):
                c.execute("UPDATE review SET status='closed', closed_at=?, closed_by=?, resolution='merged'"
                          " WHERE id=?", (now_iso(), actor, item["id"]))
        store.audit(c, actor, "merge", keep, {"merged": others, "reason": reason})
    refresh_records(store, set(ids))
    _reindex(store, paths)
    return keep


def split(store: Store, rid: str, *, actor: str, reason: str = "", paths=None) -> list[str]:
    """Give every listing of a record its own record, and remember they must never be merged again."""
    _require_record(store, rid)
    with store.tx() as c:
        rows = c.execute("SELECT id, data FROM listings WHERE record_id=? ORDER BY first_seen, id", (rid,)).fetchall()
        if len(rows) < 2:
            raise KapdirError(f"record '{rid}' has only one listing; nothing to split")
        new_ids = [rid]
        for row in rows[1:]:
            nid = f"{slugify(json.loads(row['data']).get('name', ''))}-{stable_hash(row['id'], 'split', n=6)}"
            c.execute("UPDATE listings SET record_id=? WHERE id=?", (nid, row["id"]))
            new_ids.append(nid)
        ids = [r["id"] for r in rows]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                c.execute("INSERT OR IGNORE INTO no_merge(a, b) VALUES(?, ?)", tuple(sorted((a, b))))
        store.audit(c, actor, "split", rid, {"into": new_ids, "reason": reason})
    refresh_records(store, set(new_ids))
    _reindex(store, paths)
    return new_ids


def suppress(store: Store, target: str, *, actor: str, reason: str, paths=None) -> int:
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
    suppression = {"kind": kind, "match_key": key}
    removed = 0
    with store.tx() as c:
        # One row per (kind, key): one in force is kept as it is; a lifted one is in force again, with this
        # request's reason (its lifting stays in the audit log).
        c.execute("INSERT INTO suppressions(kind, value, match_key, reason, actor, at) VALUES(?,?,?,?,?,?)"
                  " ON CONFLICT(kind, match_key) DO UPDATE SET value=excluded.value, reason=excluded.reason,"
                  " actor=excluded.actor, at=excluded.at, lifted_at=NULL, lifted_by=NULL, lift_reason=NULL"
                  " WHERE lifted_at IS NOT NULL", (kind, target, key, reason, actor, now_iso()))
        rids = set()
        for row in c.execute("SELECT id, url, record_id, data FROM listings").fetchall():
            if Store.is_suppressed(json.loads(row["data"]), row["url"], [suppression]):
                c.execute("DELETE FROM listings WHERE id=?", (row["id"],))
                c.execute("DELETE FROM sitemap_lastmod WHERE url=?", (row["url"],))
                removed += 1
                if row["record_id"]:
                    rids.add(row["record_id"])
        for rid in rids:
            left = c.execute("SELECT count(*) FROM listings WHERE record_id=?", (rid,)).fetchone()[0]
            if not left:
                # Keep only a tombstone so the index drops it; nothing about the person remains.
                c.execute("UPDATE records SET published=0, data=?, content_hash='suppressed', seq=? WHERE id=?",
                          (json.dumps({"id": rid, "suppressed": True}), store.next_seq(c), rid))
                c.execute("DELETE FROM curation WHERE record_id=?", (rid,))
        store.audit(c, actor, "suppress", _suppression_target(kind, target, key),
                    {"kind": kind, "reason": reason, "listings_removed": removed})
    refresh_records(store, rids)
    _reindex(store, paths)
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
        row = c.execute("SELECT * FROM suppressions WHERE id=?", (sid,)).fetchone()
        if row is None:
            raise KapdirError(f"no suppression {sid}")
        if row["lifted_at"]:
            raise KapdirError(f"suppression {sid} was already lifted by {row['lifted_by']} at {row['lifted_at']}")
        at = now_iso()
        c.execute("UPDATE suppressions SET lifted_at=?, lifted_by=?, lift_reason=? WHERE id=?", (at, actor, reason, sid))
        store.audit(c, actor, "suppress-lift", _suppression_target(row["kind"], row["value"], row["match_key"]),
                    {"id": sid, "reason": reason, "suppressed_by": row["actor"], "suppressed_at": row["at"],
                     "suppress_reason": row["reason"]})
    return {**dict(row), "lifted_at": at, "lifted_by": actor, "lift_reason": reason}


def close_review(store: Store, item_id: int, *, actor: str, resolution: str) -> None:
    with store.tx() as c:
        cur = c.execute("UPDATE review SET status='closed', closed_at=?, closed_by=?, resolution=? WHERE id=? AND"
                        " status='open'", (now_iso(), actor, resolution, item_id))
        if cur.rowcount == 0:
            raise KapdirError(f"no open review item {item_id}")
        store.audit(c, actor, "review-close", str(item_id), {"resolution": resolution})


def report_problem(store: Store, rid: str, message: str, contact: str = "") -> None:
    """A visitor's report about a listing: it joins the review queue, nothing changes until a human acts."""
    _require_record(store, rid)
    with store.tx() as c:
        c.execute("INSERT INTO review(kind, subject, detail, status, created_at) VALUES(?,?,?,?,?)",
                  ("report", f"{rid}:{secrets.token_hex(4)}", json.dumps({"message": message[:2000], "contact": contact[:200]}), "open",
                   now_iso()))
        store.audit(c, "visitor", "report", rid, {"length": len(message)})
