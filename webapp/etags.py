"""Conditional answers: search results change only when a new index generation is committed, so an ETag keyed
by the generation and the URL lets browsers, proxies and scripts revalidate for free (304)."""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, g, request

# Request headers that make a response conditional (or partial); without any, make_conditional would only
# add a Date header, which waitress and gunicorn add anyway.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_RANGE", "HTTP_IF_RANGE")


def init_app(app: Flask) -> None:
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
