"""One error answer for every failure: JSON under /api/, a page elsewhere, never a traceback; a 405 names the
methods the resource does answer."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import SecurityError


def init_app(app: Flask) -> None:
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
