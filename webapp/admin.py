"""The admin area (`/admin/`): maintainers look things up and make the same decisions as `kapdir curate`.

The public site only reads the Whoosh index; this area opens the SQLite record store for each request,
because decisions must land in the system of record (where every recrawl re-applies them) and the audit
log, not in a derived index. Each action calls the same ``kapdir.curation`` function the CLI calls, with
``actor="web:<user>"``, then brings the index up to date so the public site agrees at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash

from kapdir import curation
from kapdir.errors import KapdirError
from kapdir.records import CURATABLE
from kapdir.store import Store
from webapp import forms as wf

bp = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = {"admin.login"}
# What a curation call raises when it says no. IntegrityError too: review's UNIQUE(kind, subject, status)
# refuses to close a re-opened duplicate pair that was closed once before.
REFUSED = (KapdirError, sqlite3.IntegrityError)
# Login throttling (issue 17). Every attempt is recorded before its password is checked, in the same
# IMMEDIATE transaction that counts the earlier ones, so parallel attempts cannot all pass one count.
LOGIN_WINDOW_S = 15 * 60        # failures older than this are forgotten
LOGIN_MAX_FAILURES = 5          # per (username, client address): then 429 until the oldest ages out
LOGIN_MAX_ADDRESS_FAILURES = 20  # per client address, any usernames: one address cannot spray many names
LOGIN_SLOW_AFTER = 10           # per username, all addresses: past this many failures in the window...
LOGIN_SLOW_INTERVAL_S = 5.0     # ...one attempt per 5 s for it, except from browsers that logged in as it
KNOWN_COOKIE = "kapdir_admin_known"   # marks a browser that logged in as a user (signed, 30 days)
KNOWN_MAX_AGE_S = 30 * 86400
# Sessions are signed cookies checked against the store on every admin request: the user's session_gen
# (bumped by logout and by a password change) must match the one written at login, the session must be
# under 12 hours old, and it must have been used within the idle timeout (KAPDIR_ADMIN_IDLE_MINUTES).
SESSION_MAX_AGE_S = 12 * 3600
IDLE_TIMEOUT_S = 30 * 60
_SESSION_KEYS = ("admin_user", "admin_since", "admin_pw", "admin_gen", "admin_seen")

# Checked when the username does not exist, so a wrong name costs as long as a wrong password and the
# response time does not tell which usernames exist.
_DUMMY_HASH = generate_password_hash("kapdir: no such user")

_THROTTLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS admin_login_failures (
    at       REAL NOT NULL,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_login_failures_at ON admin_login_failures(at);
"""


# -- the store, per request ---------------------------------------------------------------------------
def store() -> Store:
    if "admin_store" not in g:
        try:
            g.admin_store = Store(Path(current_app.config["DATA_DIR"]) / "kapdir.sqlite3")
        except KapdirError as exc:
            current_app.logger.error("admin: %s", exc)
            abort(503)
    return g.admin_store


@bp.teardown_request
def _close_store(_exc):
    s = g.pop("admin_store", None)
    if s is not None:
        s.close()


def index_dir() -> Path:
    return Path(current_app.config["INDEX_DIR"])


def reindex() -> None:
    """Bring the index the web app reads (INDEX_DIR, not necessarily DATA_DIR/index) up to date.

    The decision is already committed when this runs; if a crawl holds the index writer, saying so is
    better than reporting the action as failed — the next `kapdir index` or crawl applies it.
    """
    from index.build import update_index

    try:
        update_index(store(), index_dir())
    except KapdirError as exc:
        current_app.logger.warning("admin: index update failed: %s", exc)
        flash(f"Saved, but the search index is not updated yet ({exc}). The next crawl or `kapdir index` "
              "applies it.", "warn")


def actor() -> str:
    return f"web:{g.admin_user}"


# -- authentication -----------------------------------------------------------------------------------
def _fingerprint(password_hash: str) -> str:
    """Ties a session to the password it was opened with: a password reset logs every session out."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def _client_ip() -> str:
    """The client's address: the socket's, or behind one proxy with KAPDIR_PROXY_FIX the one it forwards
    (ProxyFix rewrites remote_addr). Without it every client of a proxy shares the proxy's address, so a
    stranger's failures would count against the owner's: say so in the log, once."""
    if "X-Forwarded-For" in request.headers and not current_app.extensions.get("kapdir_proxy_fix"):
        if not current_app.extensions.get("kapdir_xff_warned"):
            current_app.extensions["kapdir_xff_warned"] = True
            current_app.logger.warning("admin: requests carry X-Forwarded-For but KAPDIR_PROXY_FIX is not set: "
                                       "login limits count every client of the proxy as one address")
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only back into the admin area; anything else would make the login page an open redirect. Control
    characters ("/admin/%0D%0AX: 1") could never be a header value: they send the user home too."""
    if (target and target.startswith("/admin/") and "//" not in target and "\\" not in target
            and not any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return url_for("admin.dashboard")


@bp.before_request
def require_login():
    g.admin_user = None
    user = session.get("admin_user")
    if isinstance(user, str):
        row = store().conn.execute("SELECT password_hash, session_gen FROM users WHERE username=?",
                                   (user,)).fetchone()
        now = time.time()
        since = float(session.get("admin_since", 0) or 0)
        idle = float(current_app.config.get("ADMIN_IDLE_TIMEOUT", IDLE_TIMEOUT_S))
        if (row and now - since < SESSION_MAX_AGE_S
                and now - float(session.get("admin_seen", since) or 0) < idle
                and session.get("admin_pw") == _fingerprint(row["password_hash"])
                and session.get("admin_gen") == row["session_gen"]):
            g.admin_user = user
            session["admin_seen"] = now
        else:
            for key in _SESSION_KEYS:
                session.pop(key, None)
    if g.admin_user or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.method in ("GET", "HEAD"):
        nxt = request.path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        return redirect(url_for("admin.login", next=nxt))
    abort(403)


@bp.after_request
def _admin_headers(resp):
    resp.headers["Cache-Control"] = "no-store"
    # The site-wide policy is no-referrer, but Flask-WTF's HTTPS check refuses a POST without a same-origin
    # Referer; same-origin sends it to us and still to no one else.
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


@bp.errorhandler(503)
def _unavailable(_err):
    return render_template("error.html", code=503, message="the record store is not available"), 503


def _cfg(key: str, default: float) -> float:
    return float(current_app.config.get(key, default))


def _known_serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt="kapdir-admin-known-browser")


def _known_browser(username: str, password_hash: str | None) -> bool:
    """Did this browser log in as `username` (with the current password) in the last 30 days?"""
    raw = request.cookies.get(KNOWN_COOKIE)
    if not raw or not password_hash:
        return False
    from itsdangerous import BadData

    try:
        data = _known_serializer().loads(raw, max_age=KNOWN_MAX_AGE_S)
    except BadData:
        return False
    return isinstance(data, dict) and data.get("u") == username and data.get("pw") == _fingerprint(password_hash)


def _begin_attempt(username: str, ip: str, known: bool) -> tuple[float, str, int | None]:
    """Count the recent failures and record this attempt, atomically. Returns (seconds to wait, why,
    attempt row id): a wait > 0 refuses the attempt (and records nothing); otherwise the row stays as a
    failure unless the password turns out right.

    * 5 failures for this name from this address in 15 minutes lock that pair until the oldest ages out;
    * 20 failures from this address, whatever the names, lock the address the same way;
    * past 10 failures for this name from anywhere, browsers that never logged in as it get one attempt
      per 5 seconds for it: guessing from many addresses slows to a crawl, the owner waits seconds at most.
    """
    window = _cfg("ADMIN_LOGIN_WINDOW", LOGIN_WINDOW_S)
    per_pair = int(_cfg("ADMIN_LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES))
    per_ip = int(_cfg("ADMIN_LOGIN_MAX_ADDRESS_FAILURES", LOGIN_MAX_ADDRESS_FAILURES))
    slow_after = int(_cfg("ADMIN_LOGIN_SLOW_AFTER", LOGIN_SLOW_AFTER))
    interval = _cfg("ADMIN_LOGIN_SLOW_INTERVAL", LOGIN_SLOW_INTERVAL_S)
    s = store()
    s.conn.executescript(_THROTTLE_SCHEMA)  # outside the transaction: executescript commits
    with s.tx() as c:
        now = time.time()
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
        c.execute("DELETE FROM admin_login_failures WHERE at<?", (now - max(window, 86400),))
        return 0.0, "", cur.lastrowid


def _password_ok(username: str, password: str) -> bool:
    row = store().conn.execute("SELECT password_hash FROM users WHERE username=?", (username,)).fetchone()
    try:
        ok = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password)
    except (ValueError, TypeError):  # a malformed stored hash is a refusal, not a 500
        ok = False
    return bool(row) and ok


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.admin_user:
        return redirect(url_for("admin.dashboard"))
    form = wf.LoginForm()
    nxt = request.args.get("next")
    if request.method == "GET":
        return render_template("admin/login.html", form=form, next=nxt)
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form, next=nxt), 400
    username, password, ip = form.username.data.strip(), form.password.data, _client_ip()
    row = store().conn.execute("SELECT password_hash FROM users WHERE username=?", (username,)).fetchone()
    known = _known_browser(username, row["password_hash"] if row else None)
    wait, why, attempt = _begin_attempt(username, ip, known)
    if wait > 0:
        current_app.logger.warning("admin: login %s for %r from %s", why, username, ip)
        if why == "slowed":
            error = "Many failed attempts for this account: wait a few seconds, then try again."
        else:
            error = f"Too many failed attempts. Try again in about {max(1, round(wait / 60))} minute(s)."
        resp = current_app.make_response((render_template(
            "admin/login.html", form=form, next=nxt, error=error), 429))
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    if not _password_ok(username, password):
        current_app.logger.warning("admin: failed login for %r from %s", username, ip)
        return render_template("admin/login.html", form=form, next=nxt,
                               error="Wrong username or password."), 401
    row = store().conn.execute("SELECT password_hash, session_gen FROM users WHERE username=?",
                               (username,)).fetchone()
    with store().tx() as c:
        # This attempt and this address's earlier typos; failures from elsewhere still count.
        c.execute("DELETE FROM admin_login_failures WHERE rowid=? OR (username=? AND ip=?)", (attempt, username, ip))
        store().audit(c, f"web:{username}", "login", username, {"ip": ip})
    session.clear()
    session["admin_user"] = username
    session["admin_since"] = session["admin_seen"] = time.time()
    session["admin_pw"] = _fingerprint(row["password_hash"])
    session["admin_gen"] = row["session_gen"]
    resp = redirect(_safe_next(nxt), code=303)
    resp.set_cookie(KNOWN_COOKIE, _known_serializer().dumps({"u": username, "pw": session["admin_pw"]}),
                    max_age=KNOWN_MAX_AGE_S, path=url_for("admin.login"), httponly=True, samesite="Lax",
                    secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return resp


@bp.post("/logout")
def logout():
    """Ends every session of this user, not only this cookie: a copy of it taken earlier opens nothing."""
    with store().tx() as c:
        c.execute("UPDATE users SET session_gen=session_gen+1 WHERE username=?", (g.admin_user,))
        store().audit(c, actor(), "logout", g.admin_user, {"ip": _client_ip()})
    session.clear()
    flash("Logged out.", "ok")
    return redirect(url_for("admin.login"), code=303)


# -- dashboard, jobs, audit ---------------------------------------------------------------------------
@bp.get("/")
def dashboard():
    s = store()
    sources = [r[0] for r in s.conn.execute("SELECT DISTINCT source FROM jobs ORDER BY source")]
    open_items = dict(s.conn.execute("SELECT kind, count(*) FROM review WHERE status='open' GROUP BY kind")
                      .fetchall())
    hidden = s.conn.execute("SELECT count(*) FROM curation WHERE field='_hidden'").fetchone()[0]
    index_seq = int(current_app.extensions["kapdir_index"].meta().get("seq", 0) or 0)
    return render_template(
        "admin/dashboard.html", published=s.count_records(), total=s.count_records(published_only=False),
        hidden=hidden, open_items=open_items, open_total=sum(open_items.values()),
        last_jobs=[s.last_job(src) for src in sources], store_seq=s.current_seq(), index_seq=index_seq)


@bp.get("/jobs")
def jobs():
    source = (request.args.get("source") or "").strip()[:100] or None
    return render_template("admin/jobs.html", jobs=store().jobs(source=source, limit=200), source=source)


@bp.get("/audit")
def audit():
    return render_template("admin/audit.html", entries=store().audit_log(limit=500))


@bp.app_template_filter("detail_json")
def detail_json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- records ------------------------------------------------------------------------------------------
@bp.get("/records")
def records():
    q = (request.args.get("q") or "").strip()[:200]
    s = store()
    cols = ("SELECT r.id, r.published, r.updated_at, json_extract(r.data, '$.name') AS name,"
            " json_extract(r.data, '$.address.city') AS city, json_extract(r.data, '$.address.region') AS region,"
            " EXISTS(SELECT 1 FROM curation c WHERE c.record_id=r.id AND c.field='_hidden') AS hidden"
            " FROM records r")
    if not q:
        rows = s.conn.execute(cols + " ORDER BY r.updated_at DESC, r.id LIMIT 50").fetchall()
        return render_template("admin/records.html", q=q, rows=rows, recent=True)
    if s.conn.execute("SELECT 1 FROM records WHERE id=?", (q,)).fetchone():
        return redirect(url_for("admin.record", rid=q))
    rows = s.conn.execute(
        cols + " WHERE instr(lower(json_extract(r.data, '$.name')), lower(?)) > 0"
        " OR r.id IN (SELECT record_id FROM listings WHERE instr(url, ?) > 0 AND record_id IS NOT NULL)"
        " ORDER BY name, r.id LIMIT 100", (q, q)).fetchall()
    return render_template("admin/records.html", q=q, rows=rows, recent=False)


def _record_page(rid: str, status: int = 200, error: str | None = None, **forms):
    s = store()
    row = s.conn.execute("SELECT published, updated_at FROM records WHERE id=?", (rid,)).fetchone()
    if row is None:
        abort(404)
    listings = s.listings(record_id=rid)
    lids = {li["id"] for li in listings}
    reviews = [it for it in s.review_items() if _review_records(it) & {rid} or set(
        it["detail"].get("listings") or []) & lids]
    entries = [{**dict(r), "detail": json.loads(r["detail"])} for r in s.conn.execute(
        "SELECT * FROM audit WHERE target=? ORDER BY id DESC LIMIT 50", (rid,))]
    curated = s.curation_for(rid)
    forms = {"hide": wf.HideForm(prefix="hide"), "set": wf.SetFieldForm(prefix="set"),
             "unset": wf.UnsetFieldForm(prefix="unset"), "merge": wf.MergeForm(prefix="merge"),
             "split": wf.SplitForm(prefix="split"), **forms}
    # Offer to unset only what is set; the POST still validates against every curatable field.
    forms["unset"].field.choices = [f for f in CURATABLE if f in curated] or list(CURATABLE)
    return render_template("admin/record.html", rid=rid, r=s.record(rid, published_only=False) or {},
                           published=bool(row["published"]), updated_at=row["updated_at"], listings=listings,
                           curation=curated, reviews=reviews, entries=entries, forms=forms,
                           error=error), status


def _review_records(item: dict) -> set[str]:
    if item["kind"] == "report":
        return {item["subject"].split(":")[0]}
    return set(duplicate_records(item))


def duplicate_records(item: dict) -> list[str]:
    """The records a possible-duplicate item is about *now*: its listings may have moved since it opened."""
    lids = item["detail"].get("listings") or item["subject"].split("|")
    out: list[str] = []
    for lid in lids:
        listing = store().listing(lid)
        if listing and listing["record_id"] and listing["record_id"] not in out:
            out.append(listing["record_id"])
    return out


@bp.get("/records/<rid>")
def record(rid: str):
    return _record_page(rid)


def _act(rid: str, fn, done: str, form_key: str, form, *, go_to: str | None = None):
    """Run one curation call; a refusal (KapdirError) is shown on the record page, never a 500."""
    try:
        result = fn()
    except REFUSED as exc:
        return _record_page(rid, 400, error=str(exc), **{form_key: form})
    reindex()
    flash(done if not callable(done) else done(result), "ok")
    return redirect(url_for("admin.record", rid=go_to or rid), code=303)


@bp.post("/records/<rid>/hide")
def record_hide(rid: str):
    form = wf.HideForm(prefix="hide")
    if not form.validate_on_submit():
        return _record_page(rid, 400, hide=form)
    return _act(rid, lambda: curation.hide(store(), rid, actor=actor(), reason=form.reason.data.strip()),
                "Record hidden: it is off the public site.", "hide", form)


@bp.post("/records/<rid>/unhide")
def record_unhide(rid: str):
    return _act(rid, lambda: curation.unhide(store(), rid, actor=actor()),
                "Record unhidden: it is public again if a source still lists it.", "hide", wf.HideForm(prefix="hide"))


@bp.post("/records/<rid>/set")
def record_set(rid: str):
    form = wf.SetFieldForm(prefix="set")
    if not form.validate_on_submit():
        return _record_page(rid, 400, set=form)
    field = form.field.data
    return _act(rid, lambda: curation.set_field(store(), rid, field, form.value.data or "", actor=actor(),
                                                reason=(form.reason.data or "").strip()),
                f"{field} set; it overrides every source until unset.", "set", form)


@bp.post("/records/<rid>/unset")
def record_unset(rid: str):
    form = wf.UnsetFieldForm(prefix="unset")
    if not form.validate_on_submit():
        return _record_page(rid, 400, unset=form)
    field = form.field.data
    return _act(rid, lambda: curation.unset_field(store(), rid, field, actor=actor()),
                f"{field} unset; the sources' value shows again.", "unset", form)


@bp.post("/records/<rid>/merge")
def record_merge(rid: str):
    form = wf.MergeForm(prefix="merge")
    if not form.validate_on_submit():
        return _record_page(rid, 400, merge=form)
    others = [x for x in re.split(r"[\s,]+", form.others.data) if x and x != rid]
    if not others:
        return _record_page(rid, 400, error="Name at least one other record id.", merge=form)
    ids = [rid, *dict.fromkeys(others)]
    return _act(rid, lambda: curation.merge(store(), ids, actor=actor(), reason=(form.reason.data or "").strip()),
                f"Merged {', '.join(ids[1:])} into this record.", "merge", form)


@bp.post("/records/<rid>/split")
def record_split(rid: str):
    form = wf.SplitForm(prefix="split")
    if not form.validate_on_submit():
        return _record_page(rid, 400, split=form)
    return _act(rid, lambda: curation.split(store(), rid, actor=actor(), reason=(form.reason.data or "").strip()),
                lambda ids: "Split into " + ", ".join(ids) + ".", "split", form)


# -- suppressions -------------------------------------------------------------------------------------
def _suppressions_page(form=None, error: str | None = None, status: int = 200, lift: dict | None = None):
    rows = store().suppressions(include_lifted=True)
    in_force = [r for r in reversed(rows) if not r["lifted_at"]]
    lifted = sorted((r for r in rows if r["lifted_at"]), key=lambda r: (r["lifted_at"], r["id"]), reverse=True)
    forms = {r["id"]: (lift or {}).get(r["id"]) or wf.LiftSuppressionForm(prefix=f"l{r['id']}", formdata=None)
             for r in in_force}
    return render_template("admin/suppressions.html", form=form or wf.SuppressForm(), error=error, rows=in_force,
                           lifted=lifted, lift_forms=forms), status


@bp.route("/suppressions", methods=["GET", "POST"])
def suppressions():
    if request.method == "GET":
        return _suppressions_page()
    form = wf.SuppressForm()
    error = None
    if form.validate_on_submit():
        try:
            removed = curation.suppress(store(), form.target.data, actor=actor(), reason=form.reason.data)
        except REFUSED as exc:
            error = str(exc)
        else:
            reindex()
            flash(f"Suppressed '{form.target.data.strip()}': {removed} listing(s) removed; it will never be "
                  "stored again.", "ok")
            return redirect(url_for("admin.suppressions"), code=303)
    return _suppressions_page(form, error, 400)


@bp.post("/suppressions/<int:sid>/lift")
def suppression_lift(sid: int):
    """A suppression made by mistake ends here, with a reason; the next crawl may store the person again."""
    if store().conn.execute("SELECT 1 FROM suppressions WHERE id=?", (sid,)).fetchone() is None:
        abort(404)
    form = wf.LiftSuppressionForm(prefix=f"l{sid}")
    if not form.validate_on_submit():
        return _suppressions_page(status=400, lift={sid: form})
    try:
        row = curation.lift_suppression(store(), sid, actor=actor(), reason=form.reason.data)
    except REFUSED as exc:
        flash(str(exc), "error")
    else:
        flash(f"Lifted suppression {sid} ('{row['value']}'): the next crawl may store it again.", "ok")
    return redirect(url_for("admin.suppressions"), code=303)


# -- review queue -------------------------------------------------------------------------------------
def _open_item(item_id: int) -> dict:
    for item in store().review_items():
        if item["id"] == item_id:
            return item
    abort(404)


@bp.get("/review")
def review():
    s = store()
    items = []
    for it in s.review_items():
        recs = []
        if it["kind"] == "possible_duplicate":
            for rid in duplicate_records(it):
                row = s.conn.execute("SELECT published, json_extract(data, '$.name') AS name FROM records"
                                     " WHERE id=?", (rid,)).fetchone()
                recs.append({"id": rid, "published": bool(row and row["published"]),
                             "name": row["name"] if row else None})
        items.append({**it, "records": recs, "record_id": it["subject"].split(":")[0],
                      "form": wf.CloseReviewForm(prefix=f"c{it['id']}")})
    closed = [{**dict(r), "detail": json.loads(r["detail"])} for r in s.conn.execute(
        "SELECT * FROM review WHERE status='closed' ORDER BY closed_at DESC, id DESC LIMIT 50")]
    return render_template("admin/review.html", items=items, closed=closed)


@bp.post("/review/<int:item_id>/close")
def review_close(item_id: int):
    _open_item(item_id)
    form = wf.CloseReviewForm(prefix=f"c{item_id}")
    if not form.validate_on_submit():
        flash("Closing needs a resolution (up to 200 characters).", "error")
        return redirect(url_for("admin.review"), code=303)
    try:
        curation.close_review(store(), item_id, actor=actor(), resolution=form.resolution.data.strip())
    except REFUSED as exc:
        flash(str(exc), "error")
    else:
        flash(f"Review item {item_id} closed.", "ok")
    return redirect(url_for("admin.review"), code=303)


@bp.post("/review/<int:item_id>/merge")
def review_merge(item_id: int):
    """Merge the records a duplicate item names; the server works them out, the form carries no ids."""
    item = _open_item(item_id)
    rids = duplicate_records(item) if item["kind"] == "possible_duplicate" else []
    if len(rids) < 2:
        flash(f"Review item {item_id} is not about two records (any more); close it instead.", "error")
        return redirect(url_for("admin.review"), code=303)
    try:
        keep = curation.merge(store(), rids, actor=actor(), reason=f"review item {item_id}")
    except REFUSED as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.review"), code=303)
    reindex()
    flash(f"Merged {', '.join(rids[1:])} into {keep}.", "ok")
    return redirect(url_for("admin.record", rid=keep), code=303)
