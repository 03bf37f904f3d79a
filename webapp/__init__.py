"""The Flask app factory (as in Flask's flaskr tutorial): pages and the JSON API over the search index."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app, g, request

from index.reader import IndexReader
from kapdir.config import resolve
from kapdir.errors import KapdirError
from webapp import errors, etags, security
from webapp.security import CSP, HSTS, MAX_QUERY_BYTES, MAX_REPEATS, SECURITY_HEADERS  # noqa: F401 - re-exported

# Issue 17: what one client address may ask of the pages and API calls that search or show a record, counted
# together (KAPDIR_RATE_LIMIT; "off" for none). A person on a phone makes a few requests a minute; one who
# opens a whole results page in tabs makes 20 in a few seconds, and a long session of several hundred pages
# is already diligent. 120 a minute (two a second for a full minute) and 2,000 an hour leave a person, or a
# few people behind one office or carrier NAT, far from either, while a scraper walking every record meets
# them within a minute and is held to 2,000 pages an hour. Whoever needs the data in bulk gets a whole result
# set (up to 10,000 records) in one request from /api/v1/search.csv.
READ_LIMIT = "120 per minute;2000 per hour"
READ_ENDPOINTS = frozenset({"api.api_search", "api.api_search_csv", "api.api_practitioner",
                            "pages.search_page", "pages.practitioner"})


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    paths = resolve()
    app.config.from_mapping(
        DATA_DIR=str(paths.data_dir),
        INDEX_DIR=str(paths.index_dir),
        SECRET_KEY=os.environ.get("KAPDIR_SECRET_KEY") or "",
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config:
        app.config.from_mapping(test_config)
    if "ADMIN_IDLE_TIMEOUT" not in app.config:
        app.config["ADMIN_IDLE_TIMEOUT"] = _idle_minutes(os.environ.get("KAPDIR_ADMIN_IDLE_MINUTES", "")) * 60
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["DATA_DIR"]))
    app.extensions["kapdir_rate_limit"] = _rate_limit(
        app.config.get("KAPDIR_RATE_LIMIT") or os.environ.get("KAPDIR_RATE_LIMIT", ""))
    if not app.config.get("RATELIMIT_STORAGE_URI") and os.environ.get("RATELIMIT_STORAGE_URI"):
        # e.g. redis://127.0.0.1:6379: one count for every `kapdir serve --workers` process (memory:// counts
        # per process).
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    hosts = app.config.get("KAPDIR_HOSTS") or os.environ.get("KAPDIR_HOSTS", "")
    if hosts:
        # Only these Host headers are answered (others get 400), so no redirect is ever built on a forged
        # Host ("/admin" -> "http://evil.example/admin/").
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()]
    app.extensions["kapdir_proxy_fix"] = bool(app.config.get("KAPDIR_PROXY_FIX") or os.environ.get("KAPDIR_PROXY_FIX"))
    if app.extensions["kapdir_proxy_fix"]:
        # Behind one reverse proxy: trust its X-Forwarded-For/-Proto, so rate limits see real clients.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.json.sort_keys = False
    app.extensions["kapdir_index"] = IndexReader(Path(app.config["INDEX_DIR"]))

    from webapp import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    from flask_wtf.csrf import CSRFProtect

    from webapp import admin, report

    app.register_blueprint(admin.bp)
    app.register_blueprint(report.bp)
    limiter = report.init_limiter(app)  # before CSRF, so a flood of token-less POSTs is counted too
    read_limit = app.extensions["kapdir_rate_limit"]
    limited = READ_ENDPOINTS if read_limit else frozenset()
    if read_limit:
        # One shared count ("read") per client address across both blueprints: a scraper gains nothing by
        # alternating the API and the pages.
        read = limiter.shared_limit(read_limit, scope="read")
        read(api.bp)
        read(pages.bp)
    if not (app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")):
        # The home and about pages and the OpenAPI document have no limits: they skip the limiter, which
        # would otherwise look up (and find none) on every request.
        limiter.request_filter(lambda: request.blueprint in ("api", "pages") and request.endpoint not in limited)
    CSRFProtect(app)
    security.init_app(app)   # headers on every answer, bounded query strings
    etags.init_app(app)      # 304s for unchanged search answers
    errors.init_app(app)     # one error answer, JSON or page

    @app.teardown_appcontext
    def _release_searcher(_exc):
        g.pop("searcher", None)  # the thread keeps its searcher (index.reader); the next request checks it is current

    return app


def _rate_limit(raw: str) -> str:
    """KAPDIR_RATE_LIMIT: unset for READ_LIMIT, "off" for no limits, else limits in Flask-Limiter's notation
    ("120 per minute;2000 per hour", "5/second"); anything else stops the app from starting."""
    text = str(raw).strip()
    if not text:
        return READ_LIMIT
    if text.lower() == "off":
        return ""
    from limits import parse_many

    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if not items or any(item.amount < 1 for item in items):
        raise KapdirError(f"KAPDIR_RATE_LIMIT must be 'off' or limits such as '{READ_LIMIT}'; got '{text[:40]}'")
    return text


def _idle_minutes(raw: str) -> float:
    """An admin session unused this long ends (KAPDIR_ADMIN_IDLE_MINUTES, default 30)."""
    if not raw.strip():
        return 30.0
    try:
        minutes = float(raw)
    except ValueError:
        minutes = -1.0
    if not 0 < minutes <= 12 * 60:
        raise KapdirError(f"KAPDIR_ADMIN_IDLE_MINUTES must be a number of minutes above 0 and at most 720; "
                          f"got '{raw[:40]}'")
    return minutes


def _secret_key(data_dir: Path) -> str:
    """One key per data dir (unless KAPDIR_SECRET_KEY is set), so sessions and CSRF tokens survive restarts
    and are shared by every web process serving the same data."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip() or _new_key(path)
    except FileNotFoundError:
        return _new_key(path)
    except OSError:
        return secrets.token_hex(32)


def _new_key(path: Path) -> str:
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
    except FileExistsError:
        return path.read_text().strip()
    except OSError:
        pass  # read-only data dir: a per-process key still works for a single process
    return key


def searcher():
    """This request's index searcher (None until a first index exists)."""
    if "searcher" not in g:
        try:
            g.searcher = current_app.extensions["kapdir_index"].searcher()
        except Exception:  # noqa: BLE001 - an unreadable index must not become a 500
            current_app.logger.exception("search index at %s is unreadable; run `kapdir index`",
                                         current_app.config["INDEX_DIR"])
            from werkzeug.exceptions import ServiceUnavailable

            raise ServiceUnavailable("the search index is being rebuilt; please try again shortly") from None
    return g.searcher
