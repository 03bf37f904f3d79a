"""No query string ever gives a 5xx: random values for every parameter (text, numbers, repeats, unicode,
control characters, huge values, broken percent-encoding) against the HTML search page, the JSON API and
the CSV export, over the real crawled index."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.search import KNOWN_PARAMS

PARAMS = sorted(KNOWN_PARAMS) + ["radius", "routes", "", "q[]", "city\x00"]
VOCAB = ["iv", "im", "intranasal", "oral", "subcutaneous", "in_clinic", "at_home", "unspecified", "polaris",
         "spravato-rems", "distance", "name", "relevance", "90401", "Denver", "LA", "NYC", "Santa Monica, CA",
         "CA", "colorado", "1", "0", "-1", "100", "101", "1e309", "nan", "inf", "-0", "25.5", "9" * 40,
         '"', "(", "AND OR NOT", "*", "name:x", "%", "%zz", "%ff%fe", "\u202e", "\ud7ff", "😀", "ß", "İ"]

values = st.one_of(
    st.sampled_from(VOCAB),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=30),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(min_size=150, max_size=400),
    st.lists(st.sampled_from(VOCAB), min_size=1, max_size=30).map(",".join),
)
pairs = st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=8)


def _query(items) -> str:
    # Mostly well-formed percent-encoding, sometimes raw text as a careless client would send it.
    out = []
    for k, v in items:
        out.append(f"{quote(k, safe='')}={quote(v, safe='') if len(v) % 5 else v.replace('&', '')}")
    return "&".join(out)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)


@SETTINGS
@given(items=pairs)
def test_api_search_never_5xx(web_client, items):
    r = web_client.get("/api/v1/search?" + _query(items))
    assert r.status_code in (200, 400), (items, r.status_code)
    body = r.get_json()
    assert set(body) == {"error"} if r.status_code == 400 else "results" in body


@SETTINGS
@given(items=pairs)
def test_html_search_never_5xx(web_client, items):
    r = web_client.get("/search?" + _query(items))
    assert r.status_code in (200, 400), (items, r.status_code)
    assert r.mimetype == "text/html"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(items=pairs)
def test_csv_export_never_5xx(web_client, items):
    r = web_client.get("/api/v1/search.csv?" + _query(items))
    assert r.status_code in (200, 400), (items, r.status_code)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=200))
def test_raw_query_bytes_never_5xx(web_client, raw):
    qs = quote(raw, safe="=&%+")
    for path in ("/search", "/api/v1/search"):
        r = web_client.get(f"{path}?{qs}")
        assert r.status_code in (200, 400), (raw, path, r.status_code)
