"""What every answer carries and every request is held to: security headers (a strict CSP, no framing, no
referrer) and bounded query strings. Crawled text is attacker-controlled; these are the site's last line."""

from __future__ import annotations

import os

from flask import Flask, abort, request

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
MAX_QUERY_BYTES = 8192   # the longest real search URL (every facet ticked) is under 1 KB
MAX_REPEATS = 50         # route, setting, region… each have fewer values than this


def init_app(app: Flask) -> None:
    names = _SECURITY_NAMES
    if https(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        names += ((HSTS[0].lower(), *HSTS),)

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
        for lower, name, value in names:
            if lower not in present:
                headers.add(name, value)
        return resp


def https(app: Flask) -> bool:
    """Served over HTTPS (directly or behind a proxy): the session cookie must then never go over plain HTTP."""
    flag = app.config.get("KAPDIR_HTTPS", os.environ.get("KAPDIR_HTTPS", ""))
    return str(flag).strip().lower() in ("1", "true", "yes", "on") or app.config.get("PREFERRED_URL_SCHEME") == "https"
