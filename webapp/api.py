"""The JSON API (`/api/v1`): the same questions as the HTML pages, for scripts."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, jsonify, request

from index.search import ParamError, export_csv, get_record, json_body, parse_params, search
from webapp import searcher
from webapp.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def empty_result(p) -> dict:
    return {"total": 0, "page": p.page, "per_page": p.per_page, "results": [],
            "facets": {"route": {}, "setting": {}, "city": {}, "certification": {}}}


def run_search(args, raw: bool = False):
    """Validate and run a search; returns (params, result). Raises ParamError for bad input. With `raw`,
    results are JSON texts (see index.search.search)."""
    p = parse_params(args)
    s = searcher()
    return p, (search(s, p, raw=raw) if s is not None else empty_result(p))


@bp.get("/search")
def api_search():
    try:
        _p, result = run_search(request.args, raw=True)
    except ParamError as exc:
        return jsonify({"error": str(exc)}), 400
    return current_app.response_class(json_body(result), mimetype=current_app.json.mimetype)


@bp.get("/search.csv")
def api_search_csv():
    """The whole result set, not one page: people export to compare, call or map a shortlist."""
    try:
        p = parse_params(request.args)
    except ParamError as exc:
        return jsonify({"error": str(exc)}), 400
    buf = io.StringIO()
    export_csv(searcher(), p, buf)
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="kapdir-search.csv"'})


@bp.get("/openapi.json")
def api_openapi():
    from kapdir.reading import PROGRAMMES

    return jsonify(openapi_document(sorted(PROGRAMMES), current_app.extensions["kapdir_rate_limit"]))


@bp.get("/practitioners/<rid>")
def api_practitioner(rid: str):
    s = searcher()
    record = get_record(s, rid) if s is not None else None
    if record is None:
        abort(404)
    return jsonify(record)
