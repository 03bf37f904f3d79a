"""The Flask app factory (as in Flask's flaskr tutorial): pages and the JSON API over the search index."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import SecurityError

from index.reader import IndexReader
from kapdir.config import resolve
from kapdir.errors import KapdirError

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # The pages holding a POST form (admin, report) send same-origin instead: Flask-WTF checks the Referer
    # of POSTs over HTTPS. Nothing else needs one.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
)
_SECURITY_NAMES = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS)
# With KAPDIR_HTTPS=1: browsers that saw the site once use only HTTPS for it for a year. No includeSubDomains
# or preload: the operator's other hosts under the same domain are not ours to decide for.
HSTS = ("Strict-Transport-Security", "max-age=31536000")
# Request headers that make a response conditional (or partial); without any, make_conditional would only
# add a Date header, which waitress and gunicorn add anyway.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_RANGE", "HTTP_IF_RANGE")


MAX_QUERY_BYTES = 8192   # the longest real search URL (every facet ticked) is under 1 KB
MAX_REPEATS = 50         # route, setting, region… each have fewer values than this

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
    security_names = _SECURITY_NAMES
    if _https(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        security_names += ((HSTS[0].lower(), *HSTS),)
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

    @app.before_request
    def bounded_query():
        """Issue 17 (7): a 250 KB query string ("route=iv" x 28,000) cost 30 times a normal search. No
        search needs more than a few hundred bytes: longer ones are 414, a parameter repeated past any
        real use is 400."""
        if len(request.query_string) > MAX_QUERY_BYTES:
            abort(414)
        for _key, values in request.args.lists():
            if len(values) > MAX_REPEATS:
                abort(400, description=f"a parameter is repeated more than {MAX_REPEATS} times")

    @app.after_request
    def security_headers(resp):
        """Each header unless the view set its own (one pass over the headers, not one per name)."""
        headers = resp.headers
        present = {name.lower() for name in headers.keys()}
        for lower, name, value in security_names:
            if lower not in present:
                headers.add(name, value)
        return resp

    @app.after_request
    def conditional(resp):
        """Search answers only change when a new index generation is committed: an ETag keyed by the
        generation and the URL lets browsers, proxies and scripts revalidate for free (304)."""
        s = g.get("searcher")
        if (request.method == "GET" and resp.status_code == 200 and s is not None
                and request.blueprint in ("api", "pages") and not resp.headers.get("Set-Cookie")):
            try:
                generation = s.reader().generation()
            except Exception:  # noqa: BLE001 - no ETag is better than a failed response
                return resp
            epoch = current_app.extensions["kapdir_index"].epoch or ""  # already read for this request
            digest = hashlib.sha1(f"{epoch}:{generation}:{request.full_path}".encode()).hexdigest()[:20]
            resp.set_etag(digest)
            resp.headers.setdefault("Cache-Control", "public, max-age=0, must-revalidate")
            environ = request.environ
            if any(name in environ for name in _CONDITIONAL):
                resp.make_conditional(request)
        return resp

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    @app.errorhandler(414)
    @app.errorhandler(500)
    @app.errorhandler(503)
    def handle_error(err):
        code = getattr(err, "code", 500) or 500
        message = {400: "bad request", 403: "forbidden", 404: "not found", 405: "method not allowed",
                   413: "request too large", 414: "query too long", 500: "internal error",
                   503: "temporarily unavailable"}.get(code, "error")
        if code in (400, 503) and getattr(err, "description", None) and isinstance(err.description, str):
            message = err.description
        # RFC 9110 (15.5.6): a 405 lists the methods the resource does answer. Werkzeug's routing knows them
        # (GET, HEAD, OPTIONS; POST too on a form's page); its own response sends them, ours must as well.
        allow = {"Allow": ", ".join(err.valid_methods)} if code == 405 and getattr(err, "valid_methods", None) else {}
        if wants_json():
            return jsonify({"error": message}), code, allow
        if isinstance(err, SecurityError):
            # A Host outside KAPDIR_HOSTS: no URL can be built for it, so no page that links anywhere.
            return Response(f"{code} {message}\n", status=code, mimetype="text/plain")
        return render_template("error.html", code=code, message=message), code, allow

    @app.teardown_appcontext
    def _noop(_exc):
        g.pop("searcher", None)

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


def _https(app: Flask) -> bool:
    """Served over HTTPS (directly or behind a proxy): the session cookie must then never go over plain HTTP."""
    flag = app.config.get("KAPDIR_HTTPS", os.environ.get("KAPDIR_HTTPS", ""))
    return str(flag).strip().lower() in ("1", "true", "yes", "on") or app.config.get("PREFERRED_URL_SCHEME") == "https"


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
    from flask import current_app

    if "searcher" not in g:
        try:
            g.searcher = current_app.extensions["kapdir_index"].searcher()
        except Exception:  # noqa: BLE001 - an unreadable index must not become a 500
            current_app.logger.exception("search index at %s is unreadable; run `kapdir index`",
                                         current_app.config["INDEX_DIR"])
            from werkzeug.exceptions import ServiceUnavailable

            raise ServiceUnavailable("the search index is being rebuilt; please try again shortly") from None
    return g.searcher
