"""The store's own rules, on a real SQLite file: the admin login throttle's counting, the session generation,
the maintainers' decisions as stored, and the design rules that keep SQL in the store (issue 16)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kapdir.store import Store

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"window": 900.0, "per_pair": 5, "per_ip": 20, "slow_after": 10, "interval": 5.0}
T0 = 1_700_000_000.0


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kapdir.sqlite3") as s:
        yield s


def attempt(store, username="alice", ip="203.0.113.1", *, known=False, now=T0, **limits):
    return store.begin_login_attempt(username, ip, known=known, now=now, **{**LIMITS, **limits})


def failures(store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute("SELECT at, username, ip FROM admin_login_failures ORDER BY at")]


# -- the login throttle ---------------------------------------------------------------------------------
def test_the_store_creates_the_login_failures_table_itself(tmp_path):
    db = tmp_path / "old.sqlite3"
    with Store(db):
        pass
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE admin_login_failures")  # a store from before the table existed
    conn.commit()
    conn.close()
    with Store(db) as s:
        assert attempt(s)[0] == 0.0


def test_five_failures_for_a_name_from_an_address_lock_that_pair_until_the_oldest_ages_out(store):
    for n in range(5):
        wait, why, row = attempt(store, now=T0 + n)
        assert (wait, why) == (0.0, "") and row is not None
    wait, why, row = attempt(store, now=T0 + 10)
    assert why == "locked" and row is None
    assert wait == pytest.approx(T0 + 900 - (T0 + 10))  # until the oldest of the five is 15 minutes old
    assert len(failures(store)) == 5  # a refused attempt records nothing
    assert attempt(store, username="bob", now=T0 + 10)[1] == ""  # another name from that address: not locked
    assert attempt(store, ip="198.51.100.7", now=T0 + 11)[1] == ""  # that name from elsewhere: not locked
    assert attempt(store, now=T0 + 900.5)[1] == ""  # the oldest has aged out: one more try


def test_failures_older_than_the_window_do_not_count(store):
    for n in range(4):
        attempt(store, now=T0 + n)
    attempt(store, now=T0 + 1000)  # the fifth, after the first four left the window
    assert attempt(store, now=T0 + 1001)[1] == ""


def test_one_address_is_locked_after_twenty_failures_whatever_the_names(store):
    for n in range(20):
        assert attempt(store, username=f"user{n}", now=T0 + n)[1] == ""
    wait, why, _ = attempt(store, username="someone-new", now=T0 + 30)
    assert why == "locked" and wait == pytest.approx(900 - 30)
    assert attempt(store, username="someone-new", ip="198.51.100.1", now=T0 + 30)[1] == ""


def test_many_failures_for_one_name_slow_down_only_unknown_browsers(store):
    for n in range(10):
        attempt(store, ip=f"203.0.113.{n}", now=T0 + n)
    wait, why, row = attempt(store, ip="198.51.100.9", now=T0 + 11)
    assert why == "slowed" and row is None and wait == pytest.approx(T0 + 9 + 5 - (T0 + 11))
    assert attempt(store, ip="198.51.100.9", known=True, now=T0 + 11)[1] == ""  # a browser that logged in
    assert attempt(store, ip="198.51.100.8", now=T0 + 16.5)[1] == ""  # 5 s after the last failure
    assert attempt(store, ip="198.51.100.8", now=T0 + 21)[1] == "slowed"  # that attempt counts too
    assert attempt(store, ip="198.51.100.8", now=T0 + 21.6)[1] == ""


def test_a_right_password_clears_this_address_only(store):
    for n in range(3):
        attempt(store, now=T0 + n)
    attempt(store, ip="198.51.100.2", now=T0 + 3)
    attempt(store, username="bob", now=T0 + 4)
    _, _, row = attempt(store, now=T0 + 5)
    with store.tx() as c:
        store.clear_login_failures(c, row, "alice", "203.0.113.1")
    assert failures(store) == [(T0 + 3, "alice", "198.51.100.2"), (T0 + 4, "bob", "203.0.113.1")]


def test_failures_are_kept_a_day_then_forgotten(store):
    attempt(store, now=T0)
    attempt(store, username="bob", now=T0 + 1000)  # alice's is out of the window, not yet a day old
    assert [f[1] for f in failures(store)] == ["alice", "bob"]
    attempt(store, username="carol", now=T0 + 86_401)
    assert [f[1] for f in failures(store)] == ["bob", "carol"]


# -- users and sessions ---------------------------------------------------------------------------------
def test_a_new_password_and_a_logout_each_end_the_sessions_before_them(store):
    with store.tx() as c:
        assert store.save_user(c, "alice", "hash-1") is False
    assert store.user("alice") == {"password_hash": "hash-1", "session_gen": 0}
    with store.tx() as c:
        assert store.save_user(c, "alice", "hash-2") is True
    assert store.user("alice") == {"password_hash": "hash-2", "session_gen": 1}
    with store.tx() as c:
        store.end_sessions(c, "alice")
        store.end_sessions(c, "nobody")  # no such user: nothing to end, no row made
    assert store.user("alice")["session_gen"] == 2
    assert store.user("nobody") is None
    assert store.conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1


# -- decisions as stored --------------------------------------------------------------------------------
def _record(store, rid):
    with store.tx() as c:
        store.put_record(c, rid, {"id": rid, "name": rid}, True)


def test_a_merged_records_decisions_follow_it_unless_the_kept_record_has_its_own(store):
    _record(store, "keep")
    _record(store, "gone")
    with store.tx() as c:
        store.put_curation(c, "keep", "phone", "+15125550100", reason="", actor="t")
        store.put_curation(c, "gone", "phone", "+15125550199", reason="", actor="t")
        store.put_curation(c, "gone", "city", "Austin", reason="", actor="t")
        store.move_curation(c, "gone", "keep")
    kept = store.curation_for("keep")
    assert {f: v["value"] for f, v in kept.items()} == {"phone": "+15125550100", "city": "Austin"}
    assert store.curation_for("gone") == {}


def test_a_split_pair_is_one_row_whichever_way_round_and_a_merge_forgets_it(store):
    with store.tx() as c:
        store.add_no_merge(c, "b", "a")
        store.add_no_merge(c, "a", "b")
        assert [tuple(r) for r in c.execute("SELECT a, b FROM no_merge")] == [("a", "b")]
        assert store.no_merge_pairs(c, "a") == {"b"} and store.no_merge_pairs(c, "b") == {"a"}
        store.forget_no_merge(c, "b", "a")
        assert store.no_merge_pairs(c, "a") == set()
    assert store.conn.execute("SELECT count(*) FROM no_merge").fetchone()[0] == 0


def test_a_record_without_listings_is_erased_to_a_tombstone_one_with_listings_is_not(store):
    _record(store, "empty")
    _record(store, "listed")
    lid, _ = store.upsert_listing(source="s", url="https://x.example/", key="", data={"name": "Ada"},
                                  status="published")
    with store.tx() as c:
        store.set_listing_record(c, lid, "listed")
        store.put_curation(c, "empty", "_hidden", True, reason="r", actor="t")
        seq = store.current_seq()
        assert store.erase_if_orphaned(c, "empty") is True
        assert store.erase_if_orphaned(c, "listed") is False
    erased = store.record_state("empty")
    assert erased["record"] == {"id": "empty", "suppressed": True} and erased["published"] is False
    assert store.current_seq() == seq + 1  # the index sees the change
    assert store.curation_for("empty") == {}
    assert store.record_state("listed")["published"] is True


def test_closing_a_review_item_twice_says_so(store):
    with store.tx() as c:
        store.open_review(c, "possible_duplicate", "a|b", {})
    item = store.review_items()[0]["id"]
    with store.tx() as c:
        assert store.close_review_item(c, item, actor="t", resolution="done") is True
        assert store.close_review_item(c, item, actor="t", resolution="again") is False
    assert store.review_items("closed")[0]["resolution"] == "done"


# -- design rules (issue 16) ----------------------------------------------------------------------------
_SQL_CALL = re.compile(r"\.(execute|executemany|executescript)\(")
_STORE_MODULES = {"kapdir/store.py", "kapdir/store_admin.py"}


def test_sql_is_written_only_in_the_store():
    found = []
    for top in ("kapdir", "webapp", "crawler", "index"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in _STORE_MODULES:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _SQL_CALL.search(line):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "SQL outside the store:\n" + "\n".join(found)


def _fresh(code: str) -> str:
    """Run `code` in a new interpreter, so modules imported by earlier tests do not hide an import."""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_the_store_does_not_import_the_records_module():
    out = _fresh("import sys; from kapdir.store import Store\n"
                 "Store.is_suppressed({'name': 'Dr Ada One'}, 'https://x.example/', "
                 "[{'kind': 'name', 'match_key': 'ada one'}])\n"
                 "print('kapdir.records' in sys.modules)")
    assert out == "False"


def test_curation_reads_a_website_without_the_crawler():
    out = _fresh("import sys; from kapdir.curation import parse_value\n"
                 "print(parse_value('website', 'ada.example.org'), 'crawler' in sys.modules)")
    assert out == "https://ada.example.org False"
