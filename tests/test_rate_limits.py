"""Issue 17: the search pages, record pages and their API twins are limited per client address (Flask-Limiter,
KAPDIR_RATE_LIMIT) well above what a person browsing makes and well below what a scraper makes; the home page,
static files, the admin and the report form keep their own rules. Through the real app over a real index of
seeded records."""

from __future__ import annotations

import pytest

from bench.seed import seed
from kapdir.errors import KapdirError

ELSEWHERE = {"environ_base": {"REMOTE_ADDR": "198.51.100.23"}}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("rate-limits")
    seed(d, 30, 3, quiet=True)
    return d


@pytest.fixture(autouse=True)
def _no_env_limit(monkeypatch):
    monkeypatch.delenv("KAPDIR_RATE_LIMIT", raising=False)
    monkeypatch.delenv("KAPDIR_PROXY_FIX", raising=False)


def make_app(data, **config):
    from webapp import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(data), "INDEX_DIR": str(data / "index"), **config})


def some_ids(client, n: int = 5) -> list[str]:
    return [r["id"] for r in client.get(f"/api/v1/search?per_page={n}").get_json()["results"]]


def test_the_sixth_api_search_is_a_json_429_with_retry_after(data):
    client = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client()
    for _ in range(5):
        assert client.get("/api/v1/search?q=ketamine").status_code == 200
    r = client.get("/api/v1/search?q=ketamine")
    assert r.status_code == 429 and r.mimetype == "application/json"
    assert set(r.get_json()) == {"error"} and "too many requests" in r.get_json()["error"]
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_the_sixth_html_search_is_the_styled_429_page(data):
    client = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client()
    for _ in range(5):
        assert client.get("/search?q=ketamine").status_code == 200
    r = client.get("/search?q=ketamine")
    assert r.status_code == 429 and r.mimetype == "text/html"
    assert "<h1>429: too many requests" in r.text and 'href="/static/style.css' in r.text  # the site's error page
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_pages_and_api_share_one_count_and_other_pages_keep_their_rules(data):
    """A scraper gains nothing by alternating record pages, API records, searches and CSV exports; the home
    and about pages, the OpenAPI document, static files, the admin and the report form stay open."""
    client = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client()
    rid = client.get("/api/v1/search?per_page=1", **ELSEWHERE).get_json()["results"][0]["id"]
    for path in (f"/practitioners/{rid}", f"/api/v1/practitioners/{rid}", "/api/v1/search.csv?q=ketamine",
                 "/search?q=clinic", f"/practitioners/{rid}"):
        assert client.get(path).status_code == 200, path
    for path in (f"/api/v1/practitioners/{rid}", f"/practitioners/{rid}", "/api/v1/search.csv", "/search"):
        assert client.get(path).status_code == 429, path
    for path in ("/", "/about/routes", "/api/v1/openapi.json", "/static/style.css", "/admin/login",
                 f"/practitioners/{rid}/report"):
        assert client.get(path).status_code == 200, path


def test_another_address_is_not_affected(data):
    client = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client()
    for _ in range(6):
        r = client.get("/api/v1/search")
    assert r.status_code == 429
    for _ in range(5):
        assert client.get("/api/v1/search", **ELSEWHERE).status_code == 200
        assert client.get("/search", environ_base={"REMOTE_ADDR": "2001:db8::7"}).status_code == 200
    assert client.get("/api/v1/search").status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_counted(data):
    """With KAPDIR_PROXY_FIX every request comes from the proxy; the count follows the address the proxy
    forwards. Without it, a forged X-Forwarded-For changes nothing."""
    via = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    proxied = make_app(data, KAPDIR_RATE_LIMIT="5 per minute", KAPDIR_PROXY_FIX="1").test_client()
    for _ in range(5):
        assert proxied.get("/api/v1/search", headers={"X-Forwarded-For": "203.0.113.50"}, **via).status_code == 200
    assert proxied.get("/api/v1/search", headers={"X-Forwarded-For": "203.0.113.50"}, **via).status_code == 429
    assert proxied.get("/api/v1/search", headers={"X-Forwarded-For": "203.0.113.51"}, **via).status_code == 200
    direct = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client()
    codes = [direct.get("/api/v1/search", headers={"X-Forwarded-For": f"192.0.2.{n}"}, **via).status_code
             for n in range(6)]
    assert codes == [200] * 5 + [429]


def test_the_default_is_on_and_far_above_a_person_browsing(data):
    client = make_app(data).test_client()
    rid = some_ids(client, 1)[0]
    quick = ["/search?q=ketamine", f"/practitioners/{rid}", "/api/v1/search?route=im&setting=in_clinic",
             f"/api/v1/practitioners/{rid}", "/search?route=iv"] * 6
    assert [client.get(p).status_code for p in quick] == [200] * 30
    codes = [client.get(f"/api/v1/practitioners/{rid}").status_code for _ in range(100)]
    assert codes == [200] * 89 + [429] * 11  # 1 + 30 + 89 = 120 a minute
    assert client.get(f"/api/v1/practitioners/{rid}", **ELSEWHERE).status_code == 200


def test_off_disables_and_the_environment_sets_the_limit(data, monkeypatch):
    on, off = make_app(data).test_client(), make_app(data, KAPDIR_RATE_LIMIT="off").test_client()
    assert [on.get("/api/v1/search").status_code for _ in range(121)][-1] == 429
    assert {off.get("/api/v1/search").status_code for _ in range(150)} == {200}
    monkeypatch.setenv("KAPDIR_RATE_LIMIT", "3 per minute;10 per hour")
    env = make_app(data).test_client()
    assert [env.get("/search").status_code for _ in range(4)] == [200, 200, 200, 429]
    monkeypatch.setenv("KAPDIR_RATE_LIMIT", "off")
    env_off = make_app(data).test_client()
    assert {env_off.get("/api/v1/search").status_code for _ in range(130)} == {200}


@pytest.mark.parametrize("bad", ["often", "0 per minute", "120 per fortnight"])
def test_a_bad_limit_stops_the_app_with_a_message(data, monkeypatch, bad):
    monkeypatch.setenv("KAPDIR_RATE_LIMIT", bad)
    with pytest.raises(KapdirError, match="KAPDIR_RATE_LIMIT must be 'off' or limits such as"):
        make_app(data)


def test_openapi_lists_429_for_the_limited_operations(data):
    doc = make_app(data).test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/search", "/api/v1/search.csv", "/api/v1/practitioners/{id}"):
        too_many = doc["paths"][path]["get"]["responses"]["429"]
        assert "120 per minute and 2000 per hour" in too_many["description"], path
        assert too_many["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "429" not in doc["paths"]["/api/v1/openapi.json"]["get"]["responses"]
    small = make_app(data, KAPDIR_RATE_LIMIT="5 per minute").test_client().get("/api/v1/openapi.json").get_json()
    assert "5 per minute" in small["paths"]["/api/v1/search"]["get"]["responses"]["429"]["description"]
    off = make_app(data, KAPDIR_RATE_LIMIT="off").test_client().get("/api/v1/openapi.json").get_json()
    assert all("429" not in op["get"]["responses"] for op in off["paths"].values())


def test_each_app_counts_on_its_own(data):
    """As each `kapdir serve --workers` process does with the default memory storage (README)."""
    first = make_app(data, KAPDIR_RATE_LIMIT="2 per minute").test_client()
    second = make_app(data, KAPDIR_RATE_LIMIT="2 per minute").test_client()
    assert [first.get("/search").status_code for _ in range(3)] == [200, 200, 429]
    assert [second.get("/search").status_code for _ in range(3)] == [200, 200, 429]
