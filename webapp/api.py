"""The JSON API (`/api/v1`): the same questions as the HTML pages, for scripts."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from index.search import ParamError, get_record, parse_params, search
from webapp import searcher

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def empty_result(p) -> dict:
    return {"total": 0, "page": p.page, "per_page": p.per_page, "results": [],
            "facets": {"route": {}, "setting": {}, "city": {}, "certification": {}}}


def run_search(args):
    """Validate and run a search; returns (params, result). Raises ParamError for bad input."""
    p = parse_params(args)
    s = searcher()
    return p, (search(s, p) if s is not None else empty_result(p))


@bp.get("/search")
def api_search():
    try:
        _p, result = run_search(request.args)
    except ParamError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(result)


@bp.get("/practitioners/<rid>")
def api_practitioner(rid: str):
    s = searcher()
    record = get_record(s, rid) if s is not None else None
    if record is None:
        abort(404)
    return jsonify(record)
