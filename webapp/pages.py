"""HTML pages. Every value shown comes from crawled, attacker-controlled text: Jinja autoescaping stays on
and nothing is marked safe."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from index.search import ROUTES, ParamError, get_record
from kapdir.reading import PROGRAMMES
from webapp import searcher
from webapp.api import run_search

bp = Blueprint("pages", __name__)

ROUTE_LABELS = {"iv": "IV", "im": "IM", "intranasal": "Intranasal", "oral": "Oral", "subcutaneous": "Subcutaneous"}
ROUTE_LONG = {"iv": "IV infusion", "im": "IM injection", "intranasal": "Intranasal / Spravato",
              "oral": "Oral / sublingual", "subcutaneous": "Subcutaneous injection"}
SETTING_LABELS = {"in_clinic": "In clinic", "at_home": "At home", "unspecified": "Setting not stated"}


@bp.app_context_processor
def labels():
    return {"ROUTES": ROUTES, "ROUTE_LABELS": ROUTE_LABELS, "ROUTE_LONG": ROUTE_LONG,
            "SETTING_LABELS": SETTING_LABELS, "PROGRAMMES": PROGRAMMES}


@bp.app_template_filter("date")
def date_filter(iso: str) -> str:
    return (iso or "")[:10]


@bp.get("/")
def home():
    return render_template("home.html", p=None)


@bp.get("/search")
def search_page():
    try:
        p, result = run_search(request.args)
    except ParamError as exc:
        return render_template("search.html", p=None, error=str(exc), result=None, args=request.args), 400

    def link(**overrides) -> str:
        return "?" + urlencode(p.as_query(**overrides))

    json_url = "/api/v1/search" + ("?" + urlencode(p.as_query()) if p.as_query() else "")
    return render_template("search.html", p=p, result=result, error=None, link=link, json_url=json_url,
                           args=request.args)


@bp.get("/practitioners/<rid>")
def practitioner(rid: str):
    s = searcher()
    record = get_record(s, rid) if s is not None else None
    if record is None:
        abort(404)
    return render_template("practitioner.html", r=record)


@bp.get("/about/routes")
def about_routes():
    return render_template("about.html")
