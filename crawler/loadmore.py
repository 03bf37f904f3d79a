"""'Load more' buttons: a listing page that shows the first few cards and fetches the rest as JSON.

Why: provider finders built on WordPress's REST API or a headless CMS render a handful of cards and a
button whose data attributes name the endpoint and where to go on (`data-endpoint="/wp-json/x/v1/providers"
data-offset="6" data-per-page="6"`). The JSON answers with the items and `has_more` or `total`, seldom
with a next URL. A maintainer should not have to write an `[api]` block for that: the button says it all.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

from crawler.jsonblobs import dig_paths, guess_items, items_at

ENDPOINT_ATTRS = ("data-endpoint", "data-api", "data-api-url", "data-rest-url", "data-ajax-url", "data-url",
                  "data-feed", "data-source-url")
_OFFSET_ATTRS = ("data-offset", "data-start", "data-skip")
_PAGE_ATTRS = ("data-page", "data-next-page", "data-paged", "data-current-page")
_PER_ATTRS = ("data-per-page", "data-per_page", "data-limit", "data-page-size", "data-count")
_MORE = re.compile(r"\b(?:load|show|view|see)\s+more\b|\bmore\s+(?:results|providers|clinicians|therapists"
                   r"|practitioners|locations|clinics)\b|load-?more", re.I)
_HAS_MORE = ("has_more", "hasMore", "more", "has_next", "hasNext", "more_available")
_TOTAL = ("total", "total_count", "totalCount", "found", "total_items", "totalItems", "count_total")


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def with_query(url: str, params: dict) -> str:
    """``url`` with ``params`` added to (or replacing those in) its query string."""
    p = urlsplit(url)
    kept = [kv for kv in p.query.split("&") if kv and kv.split("=", 1)[0] not in params]
    query = "&".join([*kept, urlencode(params)]) if params else "&".join(kept)
    return urlunsplit(p._replace(query=query))


def endpoints(response) -> list[tuple[str, dict]]:
    """(first URL to fetch, paging state) for each 'load more' control on a listing page. A control counts
    when it names an endpoint and either a paging attribute or 'load more' words."""
    css = ", ".join(f"[{a}]" for a in ENDPOINT_ATTRS)
    out = []
    for el in response.css(css):
        attrs = el.attrib
        endpoint = next((attrs[a].strip() for a in ENDPOINT_ATTRS if attrs.get(a, "").strip()), "")
        if not endpoint or endpoint.startswith(("javascript:", "#", "data:")):
            continue
        words = " ".join([attrs.get("class", ""), attrs.get("id", ""), *el.css("::text").getall()])
        offset = next((_int(attrs[a]) for a in _OFFSET_ATTRS if a in attrs), None)
        page = next((_int(attrs[a]) for a in _PAGE_ATTRS if a in attrs), None)
        per = next((_int(attrs[a]) for a in _PER_ATTRS if a in attrs), None)
        if offset is None and page is None and per is None and not _MORE.search(words):
            continue
        state = {"endpoint": response.urljoin(endpoint), "per": per, "seen": 0}
        if offset is not None:
            state.update(mode="offset", at=offset, seen=offset)  # the cards already on the page
        elif page is not None:
            state.update(mode="page", at=page, seen=(page - 1) * per if per and page > 1 else 0)
        else:
            state.update(mode="", at=0)
        out.append((request_url(state), state))
    return out


def request_url(state: dict) -> str:
    params: dict = {}
    if state["mode"] == "offset":
        params["offset"] = state["at"]
    elif state["mode"] == "page":
        params["page"] = state["at"]
    if state["mode"] and state.get("per"):
        params["per_page"] = state["per"]
    return with_query(state["endpoint"], params)


def records(data) -> tuple[list, dict]:
    """The JSON answer's item list (the biggest list of objects) and its guessed fields."""
    guess = guess_items(data)
    if not guess:
        return [], {}
    return items_at(data, guess["items"]), guess


def links(items: list) -> list[str]:
    """Every URL-like string inside the items (profile links, 'link' and 'url' fields)."""
    out = []
    for item in items:
        for _path, value in dig_paths(item):
            if isinstance(value, str) and (value.startswith(("http://", "https://")) or
                                           re.fullmatch(r"/[\w\-./%~]*", value)):
                out.append(value)
    return out


def next_page(data, items: list, state: dict) -> tuple[str, dict] | None:
    """Where to go on after an answer, or None when it said (or showed) it was the last."""
    if not items or not isinstance(data, dict):
        return None
    flag = next((data[k] for k in _HAS_MORE if isinstance(data.get(k), bool)), None)
    total = next((_int(data[k]) for k in _TOTAL if _int(data.get(k)) is not None), None)
    seen = state.get("seen", 0) + len(items)
    if flag is False or (flag is None and total is not None and seen >= total):
        return None
    if flag is None and total is None and state.get("per") and len(items) < state["per"]:
        return None  # a short page is the last one
    nxt = dict(state, seen=seen)
    if state["mode"] == "offset":
        nxt["at"] = state["at"] + len(items)
    elif state["mode"] == "page":
        nxt["at"] = state["at"] + 1
    else:
        nxt.update(mode="page", at=2)
    return request_url(nxt), nxt
