""""Report a problem with this listing": visitors' corrections go to the review queue, never straight live.

The page is public and writes to the store, so it is the one place an anonymous visitor can make the site
store text: it is CSRF-protected, length-limited and rate-limited per client IP.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from index.search import get_record
from kapdir.curation import report_problem
from kapdir.errors import KapdirError
from kapdir.store import Store
from webapp import searcher
from webapp.forms import ReportForm

bp = Blueprint("report", __name__)

REPORT_LIMIT = "5 per hour"


def init_limiter(app) -> Limiter:
    """One limiter per app, so each app (and each test's app) counts on its own. It holds the report form's
    limit and the read limits of webapp.READ_ENDPOINTS (create_app adds those).

    Memory storage counts per process: with several server processes each allows the limit (a shared store,
    RATELIMIT_STORAGE_URI, counts once; if it cannot be reached, each process counts in memory until it can),
    and behind a reverse proxy every visitor shares the proxy's address unless the app is wrapped in ProxyFix.
    """
    # No X-RateLimit-* headers (nor Flask-Limiter's Retry-After on every answer, 200s included): they cost a
    # further look-up in the store on each limited request; a 429 gets its Retry-After from too_many().
    limiter = Limiter(get_remote_address, app=app, headers_enabled=False, in_memory_fallback_enabled=True,
                      storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    limiter.limit(lambda: current_app.config.get("REPORT_RATE_LIMIT", REPORT_LIMIT), methods=["POST"])(bp)
    return limiter


@bp.app_errorhandler(429)
def too_many(err):
    message = "too many requests — please try again later"
    if request.path.startswith("/api/"):
        resp = jsonify({"error": message})
    else:
        resp = current_app.make_response(render_template("error.html", code=429, message=message))
    resp.status_code = 429
    resp.headers["Retry-After"] = str(_retry_after())  # the admin login answers its own 429s, not through here
    return resp


def _retry_after() -> int:
    """Seconds until the limit this request broke lets a request through again."""
    for limiter in current_app.extensions.get("limiter", ()):
        limit = limiter.current_limit
        if limit is not None and limit.breached:
            return max(1, int(limit.reset_at - time.time()))
    return 60


@bp.after_request
def _headers(resp):
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "same-origin"  # Flask-WTF's HTTPS check needs a same-origin Referer
    return resp


@bp.route("/practitioners/<rid>/report", methods=["GET", "POST"])
def report(rid: str):
    s = searcher()
    record = get_record(s, rid) if s is not None else None
    if record is None:
        abort(404)
    form = ReportForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            with Store(Path(current_app.config["DATA_DIR"]) / "kapdir.sqlite3") as store:
                report_problem(store, rid, form.message.data.strip(), (form.contact.data or "").strip())
        except KapdirError as exc:
            current_app.logger.error("report on %s not stored: %s", rid, exc)
            return render_template("error.html", code=503,
                                   message="your report could not be saved; please try again later"), 503
        return render_template("report.html", r=record, form=None, sent=True)
    return render_template("report.html", r=record, form=form, sent=False), 400 if request.method == "POST" else 200
