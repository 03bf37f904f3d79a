"""HTML pages. Every value shown comes from crawled, attacker-controlled text: Jinja autoescaping stays on
and nothing is marked safe. Links built from crawled URLs go through `http_url`, because escaping does not
stop a `javascript:` href."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, render_template, request

from index.search import ROUTES, ParamError, get_record
from kapdir.phones import display_phone
from kapdir.places import us_state_names
from kapdir.reading import PROGRAMMES
from kapdir.vocabulary import ROUTE_LABELS, ROUTE_LONG, SETTING_LABELS
from webapp import searcher
from webapp.api import run_search
from webapp.usmap import render_map

bp = Blueprint("pages", __name__)

# Strict on purpose: browsers ignore tabs, newlines and leading spaces inside a scheme ("java\tscript:").
_HTTP_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>`\\]+", re.IGNORECASE)
_TEL = re.compile(r"\+?[0-9]{3,20}")


@bp.app_context_processor
def labels():
    return {"ROUTES": ROUTES, "ROUTE_LABELS": ROUTE_LABELS, "ROUTE_LONG": ROUTE_LONG,
            "SETTING_LABELS": SETTING_LABELS, "PROGRAMMES": PROGRAMMES}


@bp.app_template_filter("date")
def date_filter(iso: str) -> str:
    return (iso or "")[:10]


@bp.app_template_filter("http_url")
def http_url(url) -> str:
    """The URL when it is plain http(s) with a real host, else '' (the template then shows it as text)."""
    if not (isinstance(url, str) and len(url) <= 2000 and _HTTP_URL.fullmatch(url)):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on "https://javascript:alert(1)"
    except ValueError:
        return ""
    return url if parts.hostname and parts.scheme.lower() in ("http", "https") else ""


@bp.app_template_filter("tel")
def tel(phone) -> str:
    return phone if isinstance(phone, str) and _TEL.fullmatch(phone) else ""


@bp.app_template_filter("phone")
def phone_filter(phone) -> str:
    return display_phone(phone) if isinstance(phone, str) else ""


@bp.app_template_filter("state")
def state_name(code) -> str:
    """ "NM" -> "New Mexico" (the code itself when unknown)."""
    return us_state_names().get(code, code) if isinstance(code, str) else ""


@bp.app_template_filter("programme")
def programme_title(pid: str) -> str:
    return PROGRAMMES[pid]["title"] if pid in PROGRAMMES else pid


@bp.get("/")
def home():
    return render_template("home.html", p=None)


def _replace_arg(key: str, value: str) -> str:
    """This request's query with one parameter replaced, for "did you mean" links after a 400."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != key and k != "page"]
    return "?" + urlencode(pairs + [(key, value)])


@bp.get("/search")
def search_page():
    try:
        p, result = run_search(request.args)
    except ParamError as exc:
        suggest = [(s, _replace_arg(exc.param, s)) for s in exc.suggestions] if exc.param else []
        return render_template("search.html", p=None, error=str(exc), suggest=suggest, result=None,
                               args=request.args), 400

    def link(**overrides) -> str:
        return "?" + urlencode(p.as_query(**overrides))

    facets = facet_groups(p, result["facets"], link)

    query = urlencode(p.as_query())
    json_url = "/api/v1/search" + ("?" + query if query else "")
    export_query = urlencode(p.as_query(page=None, per_page=None))
    csv_url = "/api/v1/search.csv" + ("?" + export_query if export_query else "")
    return render_template("search.html", p=p, result=result, error=None, link=link, facets=facets, json_url=json_url,
                           csv_url=csv_url, args=request.args, usmap=render_map(result["results"], map_id="results-map"))


# The facets shown beside results, in this order, each with its heading.
FACETS = (("route", "Route"), ("setting", "Setting"), ("city", "City"), ("certification", "Training"))


def facet_groups(p, counts: dict, link) -> list[dict]:
    """Each facet's values as the page shows them: label, count, whether the filter is on, and the link that
    turns it on (adds the value) or off (removes it); the page starts again at 1. Built here, not in the
    template, so the one rule for every facet is code with tests."""
    groups = []
    for name, title in FACETS:
        entries = []
        for value, n in (counts.get(name) or {}).items():
            if name == "route":
                on = value in p.routes
                label = ROUTE_LABELS.get(value, value)
                href = link(route=[r for r in p.routes if r != value] if on else [*p.routes, value], page=None)
            elif name == "setting":
                on = value == p.setting
                label = SETTING_LABELS.get(value, value)
                href = link(setting=None if on else value, page=None)
            elif name == "city":
                on, label, href = False, value, link(city=value, page=None)
            else:
                on = value in p.certifications
                label = programme_title(value)
                href = link(certification=[c for c in p.certifications if c != value] if on
                            else [*p.certifications, value], page=None)
            entries.append({"value": value, "label": label, "count": n, "on": on, "href": href})
        if entries:
            groups.append({"name": name, "title": title, "entries": entries})
    return groups


@bp.get("/practitioners/<rid>")
def practitioner(rid: str):
    s = searcher()
    record = get_record(s, rid) if s is not None else None
    if record is None:
        abort(404)
    # Each fact names its source; link it to the page of that source the record was read from.
    source_of = {s["source"]: s for s in reversed(record.get("sources") or [])}
    usmap = render_map([record], map_id="record-map", small=True, require_dot=False)
    return render_template("practitioner.html", r=record, source_of=source_of, usmap=usmap)


@bp.get("/about/routes")
def about_routes():
    return render_template("about.html")
