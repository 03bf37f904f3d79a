"""Who may use the admin area: logging in and out, sessions, the login throttle and the guard on every page.

Kept apart from ``webapp.admin`` (the maintainers' views) so that what protects the area can be read, and
changed, without wading through what it protects. ``register`` puts these views and the guard on the
admin blueprint, so their endpoints stay ``admin.login`` and ``admin.logout`` and their URLs ``/admin/...``.
The store keeps the users and the recorded failures (``Store.user``, ``Store.begin_login_attempt``); this
module decides what a request may do with them.
"""

from __future__ import annotations

import hashlib
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

from kapdir.errors import KapdirError
from kapdir.store import Store
from webapp import forms as wf

PUBLIC_ENDPOINTS = {"admin.login"}
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


def register(bp: Blueprint) -> None:
    """Put login, logout, the guard and the per-request store on the admin blueprint (called once by
    ``webapp.admin``): one blueprint keeps every admin URL, endpoint name and template link as it was."""
    bp.before_request(require_login)
    bp.teardown_request(_close_store)
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])


# -- the store, per request ---------------------------------------------------------------------------
def store() -> Store:
    """The record store for this admin request, opened on first use and closed at its end.

    The guard is the first to need it on every admin request (it checks the session against the users
    table), so it lives here; the admin views use the same one. Admin decisions must land in the system of
    record, never only in the derived index the public pages read.
    """
    if "admin_store" not in g:
        try:
            g.admin_store = Store(Path(current_app.config["DATA_DIR"]) / "kapdir.sqlite3")
        except KapdirError as exc:
            current_app.logger.error("admin: %s", exc)
            abort(503)
    return g.admin_store


def _close_store(_exc):
    s = g.pop("admin_store", None)
    if s is not None:
        s.close()


def actor() -> str:
    """Who the audit log names for what this request does."""
    return f"web:{g.admin_user}"


# -- sessions -----------------------------------------------------------------------------------------
def _fingerprint(password_hash: str) -> str:
    """Ties a session to the password it was opened with: a password reset logs every session out."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def client_ip() -> str:
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


def require_login():
    """Every admin request: a session still valid against the store, or the login page (GET) / 403."""
    g.admin_user = None
    user = session.get("admin_user")
    if isinstance(user, str):
        row = store().user(user)
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


# -- the login throttle -------------------------------------------------------------------------------
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
    """The app's limits (tests shorten them through the config) applied by the store, which counts and
    records atomically: see ``Store.begin_login_attempt``."""
    return store().begin_login_attempt(
        username, ip, known=known,
        window=_cfg("ADMIN_LOGIN_WINDOW", LOGIN_WINDOW_S),
        per_pair=int(_cfg("ADMIN_LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES)),
        per_ip=int(_cfg("ADMIN_LOGIN_MAX_ADDRESS_FAILURES", LOGIN_MAX_ADDRESS_FAILURES)),
        slow_after=int(_cfg("ADMIN_LOGIN_SLOW_AFTER", LOGIN_SLOW_AFTER)),
        interval=_cfg("ADMIN_LOGIN_SLOW_INTERVAL", LOGIN_SLOW_INTERVAL_S))


def _password_ok(username: str, password: str) -> bool:
    row = store().user(username)
    try:
        ok = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password)
    except (ValueError, TypeError):  # a malformed stored hash is a refusal, not a 500
        ok = False
    return bool(row) and ok


# -- the views ----------------------------------------------------------------------------------------
def login():
    if g.admin_user:
        return redirect(url_for("admin.dashboard"))
    form = wf.LoginForm()
    nxt = request.args.get("next")
    if request.method == "GET":
        return render_template("admin/login.html", form=form, next=nxt)
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form, next=nxt), 400
    username, password, ip = form.username.data.strip(), form.password.data, client_ip()
    row = store().user(username)
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
    row = store().user(username)
    with store().tx() as c:
        # This attempt and this address's earlier typos; failures from elsewhere still count.
        store().clear_login_failures(c, attempt, username, ip)
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


def logout():
    """Ends every session of this user, not only this cookie: a copy of it taken earlier opens nothing."""
    with store().tx() as c:
        store().end_sessions(c, g.admin_user)
        store().audit(c, actor(), "logout", g.admin_user, {"ip": client_ip()})
    session.clear()
    flash("Logged out.", "ok")
    return redirect(url_for("admin.login"), code=303)
