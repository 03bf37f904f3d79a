"""The record store: the system of record, one SQLite file in the data dir.

Everything else (the Whoosh index, exports, the web pages) is derived from it and can be rebuilt from it.
Three layers, written in this order by a crawl:

* ``listings`` — what one source said about one practitioner at one URL, as last seen;
* ``records``  — one row per real practitioner, assembled from its listings (``kapdir.records``);
* ``jobs``     — one row per crawl run, with its statistics.

``records.seq`` is a store-wide change counter: the index remembers the last ``seq`` it saw and only
re-reads newer rows, which keeps index updates incremental and idempotent.

Beside them live the maintainers' decisions (curation, suppressions, review, audit) and the admin area's
users and login failures. This module defines every table and holds every SQL statement kapdir runs on
them (the admin pages' reads are in ``kapdir.store_admin``, which ``Store`` inherits): a schema change is
made here, and a caller says what it wants done, never how.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kapdir.errors import KapdirError
from kapdir.names import name_key
from kapdir.store_admin import AdminQueries

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    id          TEXT PRIMARY KEY,          -- sha1(source + url + key)
    source      TEXT NOT NULL,
    url         TEXT NOT NULL,
    key         TEXT NOT NULL DEFAULT '',  -- distinguishes several practitioners on one page
    status      TEXT NOT NULL,             -- published | rejected | retired
    reason      TEXT NOT NULL DEFAULT '',
    record_id   TEXT,
    data        TEXT NOT NULL,             -- normalised listing as JSON
    content_hash TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    last_job    INTEGER,
    missed      INTEGER NOT NULL DEFAULT 0, -- consecutive successful crawls of its source without it
    phone       TEXT NOT NULL DEFAULT '',  -- copies of identifying fields, indexed for entity resolution
    name_key    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS listings_source ON listings(source);
CREATE INDEX IF NOT EXISTS listings_record ON listings(record_id);
CREATE INDEX IF NOT EXISTS listings_url ON listings(source, url);

CREATE TABLE IF NOT EXISTS records (
    id          TEXT PRIMARY KEY,
    published   INTEGER NOT NULL,
    data        TEXT NOT NULL,             -- the public record (contract shape) as JSON
    content_hash TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_seq ON records(seq);

CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    status      TEXT NOT NULL,             -- running | ok | partial | failed | suspect
    stats       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_source ON jobs(source, id);

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Maintainers' decisions. They live beside the crawled data, never inside it, so every recrawl
-- re-applies them: a hidden record stays hidden, a corrected phone stays corrected.
CREATE TABLE IF NOT EXISTS curation (
    record_id   TEXT NOT NULL,
    field       TEXT NOT NULL,             -- a record field, or '_hidden'
    value       TEXT NOT NULL,             -- JSON
    reason      TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (record_id, field)
);
CREATE TABLE IF NOT EXISTS suppressions (  -- removal requests: honoured forever
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,             -- name | url
    value       TEXT NOT NULL,
    match_key   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    lifted_at   TEXT,                      -- set when a maintainer lifts it (kept, with who and why)
    lifted_by   TEXT,
    lift_reason TEXT,
    UNIQUE (kind, match_key)
);
CREATE TABLE IF NOT EXISTS no_merge (      -- listing pairs a maintainer split: never one record again
    a           TEXT NOT NULL,
    b           TEXT NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE TABLE IF NOT EXISTS review (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,             -- possible_duplicate | report
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'open',
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   TEXT,
    resolution  TEXT
);
-- one open item per subject; closed ones are history
CREATE UNIQUE INDEX IF NOT EXISTS review_open ON review(kind, subject) WHERE status='open';
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    session_gen INTEGER NOT NULL DEFAULT 0  -- bumped by logout and password change: older sessions end
);
-- Failed (and in-progress) admin logins, counted by the login throttle; forgotten after a day.
CREATE TABLE IF NOT EXISTS admin_login_failures (
    at       REAL NOT NULL,                -- time.time()
    username TEXT NOT NULL,
    ip       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_login_failures_at ON admin_login_failures(at);

CREATE TABLE IF NOT EXISTS sitemap_lastmod (
    source      TEXT NOT NULL,
    url         TEXT NOT NULL,
    lastmod     TEXT NOT NULL,
    PRIMARY KEY (source, url)
);
"""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def stable_hash(*parts: str, n: int = 40) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:n]


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def create_private(path: Path) -> None:
    """Create an empty database file readable by its owner only (0600, whatever the umask), unless it exists.

    The store holds the admin users' password hashes. SQLite gives the -wal and -shm files it makes later the
    main file's permissions, so they are private too. An existing store keeps the mode it has.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        pass  # an unwritable place: SQLite's own open fails next and says so in one line


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the store in WAL mode so the web app and a crawl can read while one writer writes.

    ``synchronous=NORMAL`` is the deliberate WAL trade-off: a power cut may lose the last transactions
    but never corrupts the file, and a re-crawl restores anything lost.
    """
    path = Path(path)
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False,
                                   isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise KapdirError(f"cannot open record store {path}: {exc}") from None
    conn.row_factory = sqlite3.Row
    return conn


class Store(AdminQueries):
    """Thin, explicit access to the store; every write is its own short transaction.

    Methods taking a connection ``c`` write (or read) inside the caller's ``tx()``, so a decision made of
    several steps commits or rolls back as one.
    """

    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.conn = connect(self.path, readonly=readonly)
        self._lock = threading.RLock()
        if not readonly:
            self._migrate()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self) -> None:
        try:
            with self._lock:
                self.conn.executescript(_SCHEMA)  # idempotent; executescript manages its own transaction
                cols = {r[1] for r in self.conn.execute("PRAGMA table_info(listings)")}
                for col, decl in (("missed", "INTEGER NOT NULL DEFAULT 0"), ("phone", "TEXT NOT NULL DEFAULT ''"),
                                  ("name_key", "TEXT NOT NULL DEFAULT ''")):
                    if col not in cols:
                        self.conn.execute(f"ALTER TABLE listings ADD COLUMN {col} {decl}")
                cols = {r[1] for r in self.conn.execute("PRAGMA table_info(suppressions)")}
                for col in ("lifted_at", "lifted_by", "lift_reason"):
                    if col not in cols:
                        self.conn.execute(f"ALTER TABLE suppressions ADD COLUMN {col} TEXT")
                if "session_gen" not in {r[1] for r in self.conn.execute("PRAGMA table_info(users)")}:
                    self.conn.execute("ALTER TABLE users ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0")
                self.conn.execute("CREATE INDEX IF NOT EXISTS listings_phone ON listings(phone) WHERE phone<>''")
                self.conn.execute("CREATE INDEX IF NOT EXISTS listings_name_key ON listings(name_key)")
                self.conn.execute(f"PRAGMA user_version={int(SCHEMA_VERSION)}")
        except sqlite3.DatabaseError as exc:
            raise KapdirError(f"record store {self.path} is unreadable: {exc}") from None

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, c: sqlite3.Connection, key: str, value: str) -> None:
        c.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                  (key, value))

    def next_seq(self, c: sqlite3.Connection) -> int:
        row = c.execute("SELECT value FROM meta WHERE key='seq'").fetchone()
        seq = int(row["value"]) + 1 if row else 1
        self.set_meta(c, "seq", str(seq))
        return seq

    def current_seq(self) -> int:
        return int(self.get_meta("seq", "0") or 0)

    # -- listings ---------------------------------------------------------------------------------
    @staticmethod
    def listing_id(source: str, url: str, key: str = "") -> str:
        return stable_hash(source, url, key)

    def upsert_listing(self, *, source: str, url: str, key: str, data: dict, status: str, reason: str = "",
                       job_id: int | None = None, seen_at: str | None = None) -> tuple[str, str]:
        """Store what a source says now; returns (listing id, "new" | "changed" | "same").

        A retired listing that reappears comes back with its old id (and so its old record).
        """
        lid = self.listing_id(source, url, key)
        body = canonical_json(data)
        nkey, phone = name_key(data.get("name", "")), data.get("phone") or ""
        h = stable_hash(body, status, reason)
        ts = seen_at or now_iso()
        with self.tx() as c:
            row = c.execute("SELECT content_hash FROM listings WHERE id=?", (lid,)).fetchone()
            if row is None:
                c.execute(
                    "INSERT INTO listings(id, source, url, key, status, reason, data, content_hash, first_seen,"
                    " last_seen, last_job, phone, name_key) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (lid, source, url, key, status, reason, body, h, ts, ts, job_id, phone, nkey))
                return lid, "new"
            changed = row["content_hash"] != h
            c.execute("UPDATE listings SET status=?, reason=?, data=?, content_hash=?, last_seen=?, last_job=?,"
                      " missed=0, phone=?, name_key=? WHERE id=?", (status, reason, body, h, ts, job_id, phone, nkey,
                                                                  lid))
            return lid, "changed" if changed else "same"

    def retire_missing(self, source: str, job_id: int, after: int) -> tuple[set[str], int]:
        """After a *successful* crawl: count a miss for every published listing it did not see; retire
        (unpublish, never delete) those missing ``after`` times in a row. Returns (record ids, retired)."""
        rids: set[str] = set()
        retired = 0
        with self.tx() as c:
            c.execute("UPDATE listings SET missed=0 WHERE source=? AND last_job=?", (source, job_id))
            c.execute("UPDATE listings SET missed=missed+1 WHERE source=? AND status='published'"
                      " AND (last_job IS NULL OR last_job<>?)", (source, job_id))
            for row in c.execute("SELECT id, record_id FROM listings WHERE source=? AND status='published'"
                                 " AND missed>=?", (source, after)).fetchall():
                c.execute("UPDATE listings SET status='retired', reason=? WHERE id=?",
                          (f"missing from {after} successful crawls in a row", row["id"]))
                retired += 1
                if row["record_id"]:
                    rids.add(row["record_id"])
        return rids, retired

    def listing(self, lid: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM listings WHERE id=?", (lid,)).fetchone()
        return _listing_row(row) if row else None

    def listings(self, *, source: str | None = None, record_id: str | None = None,
                 status: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM listings WHERE 1=1", []
        for col, val in (("source", source), ("record_id", record_id), ("status", status)):
            if val is not None:
                sql += f" AND {col}=?"
                args.append(val)
        return [_listing_row(r) for r in self.conn.execute(sql + " ORDER BY first_seen, id", args)]

    def set_listing_record(self, c: sqlite3.Connection, lid: str, record_id: str | None) -> None:
        c.execute("UPDATE listings SET record_id=? WHERE id=?", (record_id, lid))

    def merge_candidates(self, c: sqlite3.Connection, *, phone: str, name_key: str, exclude: str) -> list[dict]:
        """Published, assigned listings sharing a phone or a name key with a new one: indexed look-ups (and at
        most 200), so entity resolution stays cheap at scale and compares fuzzily only these few."""
        rows = c.execute(
            "SELECT id, record_id, data FROM listings WHERE status='published' AND record_id IS NOT NULL AND id<>?"
            " AND ((phone<>'' AND phone=?) OR (name_key<>'' AND name_key=?)) LIMIT 200",
            (exclude, phone, name_key)).fetchall()
        return [{"id": r["id"], "record_id": r["record_id"], "data": json.loads(r["data"])} for r in rows]

    def touch_listings(self, source: str, urls: list[str], job_id: int | None) -> set[str]:
        """Mark listings at these URLs as seen now without re-reading them (an unchanged sitemap entry)."""
        ts, rids = now_iso(), set()
        with self.tx() as c:
            for url in urls:
                for row in c.execute("SELECT id, record_id FROM listings WHERE source=? AND url=?", (source, url)):
                    c.execute("UPDATE listings SET last_seen=?, last_job=? WHERE id=?", (ts, job_id, row["id"]))
                    if row["record_id"]:
                        rids.add(row["record_id"])
        return rids

    def listing_urls(self, source: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT url FROM listings WHERE source=?", (source,))}

    def sitemap_lastmods(self, source: str) -> dict[str, str]:
        """Sitemap <lastmod> values from the last good crawl, only for URLs we still hold a listing for."""
        rows = self.conn.execute(
            "SELECT s.url, s.lastmod FROM sitemap_lastmod s WHERE s.source=? AND EXISTS"
            " (SELECT 1 FROM listings l WHERE l.source=s.source AND l.url=s.url)", (source,))
        return {r["url"]: r["lastmod"] for r in rows}

    def save_sitemap_lastmods(self, source: str, lastmods: dict[str, str]) -> None:
        with self.tx() as c:
            c.executemany("INSERT INTO sitemap_lastmod(source, url, lastmod) VALUES(?,?,?) ON CONFLICT(source, url)"
                          " DO UPDATE SET lastmod=excluded.lastmod", [(source, u, m) for u, m in lastmods.items()])

    # -- curation, suppression, review, audit ---------------------------------------------------------
    def audit(self, c: sqlite3.Connection, actor: str, action: str, target: str, detail: dict | None = None) -> None:
        c.execute("INSERT INTO audit(at, actor, action, target, detail) VALUES(?,?,?,?,?)",
                  (now_iso(), actor, action, target, json.dumps(detail or {}, sort_keys=True)))

    def audit_log(self, limit: int = 200) -> list[dict]:
        rows = self.conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]

    def curation_for(self, rid: str) -> dict[str, dict]:
        rows = self.conn.execute("SELECT * FROM curation WHERE record_id=?", (rid,))
        return {r["field"]: {"value": json.loads(r["value"]), "reason": r["reason"], "actor": r["actor"],
                             "at": r["at"]} for r in rows}

    def put_curation(self, c: sqlite3.Connection, rid: str, field: str, value, *, reason: str, actor: str) -> None:
        """A maintainer's value for one field (``_hidden``: the record is hidden), replacing any earlier one.
        Kept beside the crawled data, so every re-assembly of the record applies it again."""
        c.execute("INSERT INTO curation(record_id, field, value, reason, actor, at) VALUES(?,?,?,?,?,?)"
                  " ON CONFLICT(record_id, field) DO UPDATE SET value=excluded.value, reason=excluded.reason,"
                  " actor=excluded.actor, at=excluded.at", (rid, field, json.dumps(value), reason, actor, now_iso()))

    def drop_curation(self, c: sqlite3.Connection, rid: str, field: str) -> None:
        """The sources' value shows again (or, for ``_hidden``, the record is public again if listed)."""
        c.execute("DELETE FROM curation WHERE record_id=? AND field=?", (rid, field))

    def move_curation(self, c: sqlite3.Connection, from_rid: str, to_rid: str) -> None:
        """A merge: the merged record's decisions follow its listings, except where the kept record has its
        own for that field (the maintainer chose which record to keep, so its corrections win)."""
        c.execute("UPDATE curation SET record_id=? WHERE record_id=? AND field NOT IN"
                  " (SELECT field FROM curation WHERE record_id=?)", (to_rid, from_rid, to_rid))
        c.execute("DELETE FROM curation WHERE record_id=?", (from_rid,))

    def suppressions(self, *, include_lifted: bool = False) -> list[dict]:
        """The suppressions in force (what crawls honour); with `include_lifted`, the lifted ones too."""
        sql = "SELECT * FROM suppressions" + ("" if include_lifted else " WHERE lifted_at IS NULL")
        return [dict(r) for r in self.conn.execute(sql + " ORDER BY id")]

    def suppression(self, sid: int) -> dict | None:
        """One suppression, in force or lifted: maintainers name it by the number `suppress list` shows."""
        row = self.conn.execute("SELECT * FROM suppressions WHERE id=?", (sid,)).fetchone()
        return dict(row) if row else None

    def add_suppression(self, c: sqlite3.Connection, kind: str, value: str, match_key: str, *, reason: str,
                        actor: str) -> None:
        """One row per (kind, key): one in force is kept as it is; a lifted one is in force again, with this
        request's reason (its lifting stays in the audit log)."""
        c.execute("INSERT INTO suppressions(kind, value, match_key, reason, actor, at) VALUES(?,?,?,?,?,?)"
                  " ON CONFLICT(kind, match_key) DO UPDATE SET value=excluded.value, reason=excluded.reason,"
                  " actor=excluded.actor, at=excluded.at, lifted_at=NULL, lifted_by=NULL, lift_reason=NULL"
                  " WHERE lifted_at IS NOT NULL", (kind, value, match_key, reason, actor, now_iso()))

    def lift_suppression(self, c: sqlite3.Connection, sid: int, *, at: str, actor: str, reason: str) -> None:
        """Mark a suppression lifted; the row stays, with who, when and why, so a lifting can be questioned."""
        c.execute("UPDATE suppressions SET lifted_at=?, lifted_by=?, lift_reason=? WHERE id=?", (at, actor, reason, sid))

    def delete_suppressed_listings(self, c: sqlite3.Connection, suppression: dict) -> tuple[int, set[str]]:
        """A removal request honoured now: every listing it matches is deleted, not retired, with its sitemap
        dates, so nothing about the person stays in the store. Returns (listings deleted, their record ids)."""
        removed, rids = 0, set()
        for row in c.execute("SELECT id, url, record_id, data FROM listings").fetchall():
            if self.is_suppressed(json.loads(row["data"]), row["url"], [suppression]):
                c.execute("DELETE FROM listings WHERE id=?", (row["id"],))
                c.execute("DELETE FROM sitemap_lastmod WHERE url=?", (row["url"],))
                removed += 1
                if row["record_id"]:
                    rids.add(row["record_id"])
        return removed, rids

    def erase_if_orphaned(self, c: sqlite3.Connection, rid: str) -> bool:
        """After a suppression: a record left without listings keeps only a tombstone (unpublished, with a new
        ``seq`` so the index drops it) and loses its curation; nothing about the person remains. A record
        that still has other people's listings is left to re-assembly. Returns whether it was erased."""
        if c.execute("SELECT count(*) FROM listings WHERE record_id=?", (rid,)).fetchone()[0]:
            return False
        c.execute("UPDATE records SET published=0, data=?, content_hash='suppressed', seq=? WHERE id=?",
                  (json.dumps({"id": rid, "suppressed": True}), self.next_seq(c), rid))
        c.execute("DELETE FROM curation WHERE record_id=?", (rid,))
        return True

    @staticmethod
    def is_suppressed(listing: dict, url: str, suppressions: list[dict]) -> bool:
        if not suppressions:
            return False
        key = name_key(listing.get("name", ""))
        urls = [u for u in (url, listing.get("website") or "") if u]
        for s in suppressions:
            if s["kind"] == "name" and key and key == s["match_key"]:
                return True
            if s["kind"] == "url" and any(u.lower().rstrip("/").startswith(s["match_key"]) for u in urls):
                return True
        return False

    def open_review(self, c: sqlite3.Connection, kind: str, subject: str, detail: dict) -> None:
        c.execute("INSERT OR IGNORE INTO review(kind, subject, detail, status, created_at) VALUES(?,?,?,?,?)",
                  (kind, subject, json.dumps(detail, sort_keys=True), "open", now_iso()))

    def file_report(self, c: sqlite3.Connection, subject: str, detail: dict) -> None:
        """A visitor's report joins the queue as it came; unlike ``open_review``, two reports are two items."""
        c.execute("INSERT INTO review(kind, subject, detail, status, created_at) VALUES(?,?,?,?,?)",
                  ("report", subject, json.dumps(detail), "open", now_iso()))

    def review_items(self, status: str = "open") -> list[dict]:
        rows = self.conn.execute("SELECT * FROM review WHERE status=? ORDER BY id", (status,))
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]

    def close_review_item(self, c: sqlite3.Connection, item_id: int, *, actor: str, resolution: str) -> bool:
        """Closed items stay as history (who, when, how it was resolved). False if no such item is open."""
        cur = c.execute("UPDATE review SET status='closed', closed_at=?, closed_by=?, resolution=? WHERE id=? AND"
                        " status='open'", (now_iso(), actor, resolution, item_id))
        return cur.rowcount > 0

    def no_merge_pairs(self, c: sqlite3.Connection, lid: str) -> set[str]:
        return {r[0] for r in c.execute("SELECT b FROM no_merge WHERE a=? UNION SELECT a FROM no_merge WHERE b=?",
                                        (lid, lid))}

    def add_no_merge(self, c: sqlite3.Connection, a: str, b: str) -> None:
        """A maintainer split these listings: entity resolution must never join them again. Stored in one
        order, so a pair is one row whichever way round it is named."""
        c.execute("INSERT OR IGNORE INTO no_merge(a, b) VALUES(?, ?)", tuple(sorted((a, b))))

    def forget_no_merge(self, c: sqlite3.Connection, a: str, b: str) -> None:
        """A maintainer merged them after all: the later decision wins."""
        c.execute("DELETE FROM no_merge WHERE (a=? AND b=?) OR (a=? AND b=?)", (a, b, b, a))

    # -- admin users ------------------------------------------------------------------------------
    def user(self, username: str) -> dict | None:
        """What a login and every admin request check: the password hash and the session generation."""
        row = self.conn.execute("SELECT password_hash, session_gen FROM users WHERE username=?", (username,)).fetchone()
        return dict(row) if row else None

    def save_user(self, c: sqlite3.Connection, username: str, password_hash: str) -> bool:
        """Create a user, or set a new password for one; returns whether it existed. A new password also
        bumps the session generation: every session opened with the old one ends."""
        if c.execute("SELECT 1 FROM users WHERE username=?", (username,)).fetchone():
            c.execute("UPDATE users SET password_hash=?, session_gen=session_gen+1 WHERE username=?",
                      (password_hash, username))
            return True
        c.execute("INSERT INTO users(username, password_hash, created_at) VALUES(?,?,?)",
                  (username, password_hash, now_iso()))
        return False

    def end_sessions(self, c: sqlite3.Connection, username: str) -> None:
        """Logout ends every session of the user, not only the browser's cookie: a copy taken earlier of any
        of them no longer matches the generation."""
        c.execute("UPDATE users SET session_gen=session_gen+1 WHERE username=?", (username,))

    # -- records ----------------------------------------------------------------------------------
    def put_record(self, c: sqlite3.Connection, rid: str, record: dict, published: bool) -> bool:
        """Write a record if it changed; bump ``seq`` so the index picks it up. Returns whether it changed."""
        body = canonical_json(record)
        h = stable_hash(body, str(int(published)))
        row = c.execute("SELECT content_hash FROM records WHERE id=?", (rid,)).fetchone()
        if row is not None and row["content_hash"] == h:
            return False
        seq = self.next_seq(c)
        c.execute(
            "INSERT INTO records(id, published, data, content_hash, seq, updated_at) VALUES(?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET published=excluded.published, data=excluded.data,"
            " content_hash=excluded.content_hash, seq=excluded.seq, updated_at=excluded.updated_at",
            (rid, int(published), body, h, seq, record.get("updated_at") or now_iso()))
        return True

    def delete_record(self, c: sqlite3.Connection, rid: str) -> None:
        """Records are never hard-deleted while listings point at them; an emptied record is unpublished."""
        c.execute("UPDATE records SET published=0, seq=? WHERE id=?", (self.next_seq(c), rid))

    def has_record(self, rid: str) -> bool:
        """Whatever its state (hidden, unpublished, a tombstone): decisions name records by id."""
        return self.conn.execute("SELECT 1 FROM records WHERE id=?", (rid,)).fetchone() is not None

    def record_state(self, rid: str) -> dict | None:
        """The stored record whatever its state, with whether it is published and when it last changed:
        re-assembly compares against it, and the admin's record page shows it."""
        row = self.conn.execute("SELECT data, published, updated_at FROM records WHERE id=?", (rid,)).fetchone()
        if row is None:
            return None
        return {"record": json.loads(row["data"]), "published": bool(row["published"]), "updated_at": row["updated_at"]}

    def record(self, rid: str, *, published_only: bool = True) -> dict | None:
        sql = "SELECT data, published FROM records WHERE id=?" + (" AND published=1" if published_only else "")
        row = self.conn.execute(sql, (rid,)).fetchone()
        return json.loads(row["data"]) if row else None

    def records(self, *, published_only: bool = True, from_id: str = "",
                to_id: str | None = None) -> Iterator[dict]:
        """In id order. An id range (``to_id`` exclusive) stays the same while records change, so processes
        reading separately can share the work without missing or repeating a record."""
        sql = "SELECT data FROM records WHERE id>=?" + (" AND id<?" if to_id is not None else "")
        sql += (" AND published=1" if published_only else "") + " ORDER BY id"
        for row in self.conn.execute(sql, (from_id,) if to_id is None else (from_id, to_id)):
            yield json.loads(row["data"])

    def split_ids(self, parts: int, *, published_only: bool = True) -> list[str]:
        """The ``parts - 1`` ids that cut the records into ``parts`` id ranges of about equal size."""
        if parts < 2:
            return []
        n = self.count_records(published_only=published_only)
        sql = "SELECT id FROM records" + (" WHERE published=1" if published_only else "") + " ORDER BY id"
        return [row["id"] for k in range(1, parts)
                for row in self.conn.execute(sql + " LIMIT 1 OFFSET ?", (n * k // parts,))]

    def changes_since(self, seq: int) -> Iterator[tuple[int, str, bool, dict]]:
        """(seq, id, published, record) for every record changed after ``seq``, oldest first."""
        for row in self.conn.execute("SELECT id, published, data, seq FROM records WHERE seq>? ORDER BY seq",
                                     (seq,)):
            yield row["seq"], row["id"], bool(row["published"]), json.loads(row["data"])

    def count_records(self, *, published_only: bool = True) -> int:
        sql = "SELECT count(*) FROM records" + (" WHERE published=1" if published_only else "")
        return self.conn.execute(sql).fetchone()[0]

    # -- jobs -------------------------------------------------------------------------------------
    def start_job(self, source: str) -> int:
        """Call with the source's lock held: any job still 'running' was killed, and is marked so."""
        with self.tx() as c:
            c.execute("UPDATE jobs SET status='failed', ended_at=?, stats=json_set(stats, '$.interrupted', json('true'))"
                      " WHERE source=? AND status='running'", (now_iso(), source))
            cur = c.execute("INSERT INTO jobs(source, started_at, status) VALUES(?,?,'running')",
                            (source, now_iso()))
            return int(cur.lastrowid)

    def finish_job(self, job_id: int, status: str, stats: dict) -> None:
        with self.tx() as c:
            c.execute("UPDATE jobs SET ended_at=?, status=?, stats=? WHERE id=?",
                      (now_iso(), status, json.dumps(stats, sort_keys=True), job_id))

    def jobs(self, *, source: str | None = None, limit: int = 50) -> list[dict]:
        sql, args = "SELECT * FROM jobs", []
        if source:
            sql += " WHERE source=?"
            args.append(source)
        rows = self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])
        return [{**dict(r), "stats": json.loads(r["stats"] or "{}")} for r in rows]

    def last_job(self, source: str, *, statuses: Iterable[str] | None = None) -> dict | None:
        sql, args = "SELECT * FROM jobs WHERE source=?", [source]
        if statuses:
            st = list(statuses)
            sql += " AND status IN ({})".format(",".join("?" * len(st)))
            args += st
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return {**dict(row), "stats": json.loads(row["stats"] or "{}")} if row else None

    # -- backup -----------------------------------------------------------------------------------
    def backup_to(self, dest: Path) -> dict:
        """Copy the store to `dest` with SQLite's online backup API: a transactionally consistent snapshot even
        mid-crawl, without stopping writers. The copy is private (it holds the password hashes too) and is
        checked where it lies, so a bad copy is reported at once, not at restore time. Returns its
        ``integrity`` ("ok" or SQLite's first complaint) and how many ``published_records`` it holds."""
        dest = Path(dest)
        create_private(dest)
        out = sqlite3.connect(dest)
        try:
            with out:
                self.conn.backup(out, pages=1024)
            check = out.execute("PRAGMA integrity_check").fetchone()[0]
            records = out.execute("SELECT count(*) FROM records WHERE published=1").fetchone()[0]
        finally:
            out.close()
        return {"integrity": check, "published_records": records}


def _listing_row(row: sqlite3.Row) -> dict:
    d = dict(row)
    d["data"] = json.loads(d["data"])
    return d
