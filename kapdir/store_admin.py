"""The admin area's part of the store: its login throttle and the reads behind its pages.

``Store`` inherits these methods, so the web layer holds no SQL and the tables are defined once, in
``kapdir.store``'s schema (``admin_login_failures`` included). They live in this file only to keep
``store.py`` readable; nothing here is used by a crawl.
"""

from __future__ import annotations

import json
import sqlite3
import time


class AdminQueries:
    """Mixed into ``Store``: uses its ``conn`` and ``tx``."""

    conn: sqlite3.Connection

    # -- login throttling (issue 17) --------------------------------------------------------------------
    def begin_login_attempt(self, username: str, ip: str, *, known: bool, window: float, per_pair: int,
                            per_ip: int, slow_after: int, interval: float,
                            now: float | None = None) -> tuple[float, str, int | None]:
        """Count the recent failures and record this attempt, atomically. Returns (seconds to wait, why,
        attempt row id): a wait > 0 refuses the attempt (and records nothing); otherwise the row stays as a
        failure unless the password turns out right (``clear_login_failures``).

        Counting and recording in one IMMEDIATE transaction is the point: parallel guesses cannot all pass
        one count. Within ``window`` seconds:

        * ``per_pair`` failures for this name from this address lock that pair until the oldest ages out;
        * ``per_ip`` failures from this address, whatever the names, lock the address the same way;
        * past ``slow_after`` failures for this name from anywhere, browsers that never logged in as it
          (``known`` false) get one attempt per ``interval`` seconds for it: guessing from many addresses
          slows to a crawl, the owner waits seconds at most.
        """
        with self.tx() as c:
            now = time.time() if now is None else now
            since = now - window
            for where, args, most in (("username=? AND ip=?", (username, ip), per_pair), ("ip=?", (ip,), per_ip)):
                ats = [r[0] for r in c.execute(f"SELECT at FROM admin_login_failures WHERE {where} AND at>?"
                                               " ORDER BY at DESC LIMIT ?", (*args, since, most))]
                if len(ats) >= most:
                    return ats[-1] + window - now, "locked", None
            if not known:
                n, last = c.execute("SELECT count(*), max(at) FROM admin_login_failures WHERE username=? AND at>?",
                                    (username, since)).fetchone()
                if n >= slow_after and last is not None and last + interval > now:
                    return last + interval - now, "slowed", None
            cur = c.execute("INSERT INTO admin_login_failures(at, username, ip) VALUES(?,?,?)", (now, username, ip))
            # A day's failures at least are kept whatever the window, then the table forgets them.
            c.execute("DELETE FROM admin_login_failures WHERE at<?", (now - max(window, 86400),))
            return 0.0, "", cur.lastrowid

    def clear_login_failures(self, c: sqlite3.Connection, attempt: int | None, username: str, ip: str) -> None:
        """After a right password: this attempt and this address's earlier typos for the name stop counting;
        failures from elsewhere still count, so a guesser elsewhere is not let off by the owner's login."""
        c.execute("DELETE FROM admin_login_failures WHERE rowid=? OR (username=? AND ip=?)", (attempt, username, ip))

    # -- what the admin pages show ----------------------------------------------------------------------
    def job_sources(self) -> list[str]:
        """Every source that was ever crawled, for the dashboard's one line per source."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM jobs ORDER BY source")]

    def open_review_counts(self) -> dict[str, int]:
        """Open review items per kind: the dashboard says what waits for a human."""
        return dict(self.conn.execute("SELECT kind, count(*) FROM review WHERE status='open' GROUP BY kind")
                    .fetchall())

    def count_hidden(self) -> int:
        """Records a maintainer hid: they are off the site though sources still list them."""
        return self.conn.execute("SELECT count(*) FROM curation WHERE field='_hidden'").fetchone()[0]

    _RECORD_ROW = ("SELECT r.id, r.published, r.updated_at, json_extract(r.data, '$.name') AS name,"
                   " json_extract(r.data, '$.address.city') AS city,"
                   " json_extract(r.data, '$.address.region') AS region,"
                   " EXISTS(SELECT 1 FROM curation c WHERE c.record_id=r.id AND c.field='_hidden') AS hidden"
                   " FROM records r")

    def recent_record_rows(self, limit: int = 50) -> list[sqlite3.Row]:
        """The records that changed last (published or not): where a maintainer usually starts."""
        return self.conn.execute(self._RECORD_ROW + " ORDER BY r.updated_at DESC, r.id LIMIT ?", (limit,)).fetchall()

    def find_record_rows(self, q: str, limit: int = 100) -> list[sqlite3.Row]:
        """Records whose name contains `q` or that have a listing whose URL does, hidden and unpublished ones
        included: the admin looks up what the public search cannot show."""
        return self.conn.execute(
            self._RECORD_ROW + " WHERE instr(lower(json_extract(r.data, '$.name')), lower(?)) > 0"
            " OR r.id IN (SELECT record_id FROM listings WHERE instr(url, ?) > 0 AND record_id IS NOT NULL)"
            " ORDER BY name, r.id LIMIT ?", (q, q, limit)).fetchall()

    def audit_for(self, target: str, limit: int = 50) -> list[dict]:
        """The latest decisions about one record, for its admin page."""
        rows = self.conn.execute("SELECT * FROM audit WHERE target=? ORDER BY id DESC LIMIT ?", (target, limit))
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]

    def closed_review_items(self, limit: int = 50) -> list[dict]:
        """The last items closed, newest first: the review page shows what was decided lately."""
        rows = self.conn.execute("SELECT * FROM review WHERE status='closed' ORDER BY closed_at DESC, id DESC"
                                 " LIMIT ?", (limit,))
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
