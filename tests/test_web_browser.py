"""The search site in a real browser (Debian's chromium driven by Playwright) over the real crawled index.

A person on a phone types a ZIP, ticks IM and In clinic and presses Search: they must see exactly the
clinicians the labels say, the same ones the API gives. The form is found by its visible labels, works by
keyboard alone and without JavaScript, nothing scrolls sideways at 390 px, and the browser reports no
errors and fetches nothing from another origin.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kapdir.records import name_key
from tests.conftest import UNREACHED_RATE_LIMIT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def server(web_data):
    from werkzeug.serving import WSGIRequestHandler, make_server

    from webapp import create_app

    class Quiet(WSGIRequestHandler):
        def log(self, *args, **kwargs):
            pass

    app = create_app({"DATA_DIR": str(web_data.data_dir), "INDEX_DIR": str(web_data.data_dir / "index"),
                      "KAPDIR_RATE_LIMIT": UNREACHED_RATE_LIMIT})
    srv = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose errors, console errors and requests to other origins are collected."""

    def __init__(self, browser, base: str, viewport: dict, js: bool = True):
        self.base = base
        self.context = browser.new_context(viewport=viewport, java_script_enabled=js)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        self.page.on("console", lambda msg: msg.type in ("error", "warning") and self.problems.append(
            f"console {msg.type}: {msg.text}"))
        self.page.on("request", lambda req: req.url.startswith((base, "data:")) or self.problems.append(
            f"other origin: {req.url}"))
        self.page.on("response", lambda resp: resp.status >= 400 and self.problems.append(
            f"{resp.status}: {resp.url}"))

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def card_ids(self) -> list[str]:
        return self.page.locator("article.card").evaluate_all("els => els.map(e => e.dataset.id)")

    def card_names(self) -> set[str]:
        return {name_key(t) for t in self.page.locator("article.card h3 a").all_inner_texts()}

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def close(self, expect_clean: bool = True):
        problems = self.problems
        self.context.close()
        if expect_clean:
            assert problems == []


def _expected(web_data, place: str, radius: float, route: str, setting: str) -> set[str]:
    return {k for k, p in web_data.people.items() if p.miles_from(place) <= radius and p.has_route(route, setting)}


def _api_ids(client, **params) -> list[str]:
    query = urlencode({**params, "per_page": 100}, doseq=True)
    return [r["id"] for r in client.get(f"/api/v1/search?{query}").get_json()["results"]]


def test_three_taps_on_a_phone(server, browser, web_data, web_client):
    w = Watched(browser, server, PHONE)
    w.goto("/")
    w.page.get_by_label("Near").fill("90401")
    w.page.get_by_label("IM").check()
    w.page.get_by_label("In clinic").check()
    w.page.get_by_role("button", name="Search").click()
    w.page.wait_for_url("**/search?**")
    want = _expected(web_data, "90401", 25, "im", "in_clinic")
    assert want and w.card_names() == want
    assert w.card_ids() == _api_ids(web_client, near="90401", radius_mi="25", route="im", setting="in_clinic")
    assert "mi away" in w.page.locator("article.card").first.inner_text()
    assert w.scroll_width() <= PHONE["width"]
    w.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_form_by_labels_gives_the_right_cards(server, browser, web_data, web_client, viewport, js):
    w = Watched(browser, server, viewport, js=js)
    w.goto("/")
    w.page.get_by_label("Near").fill("Denver, CO")
    w.page.get_by_label("Within").select_option("10")
    w.page.get_by_label("IV").check()
    w.page.get_by_label("In clinic").check()
    w.page.get_by_role("button", name="Search").click()
    w.page.wait_for_url("**/search?**")
    want = _expected(web_data, "Denver, CO", 10, "iv", "in_clinic")
    assert want and w.card_names() == want
    assert w.card_ids() == _api_ids(web_client, near="Denver, CO", radius_mi="10", route="iv", setting="in_clinic")
    # The chosen filters stay chosen on the results page.
    assert w.page.get_by_label("IV").is_checked() and w.page.get_by_label("In clinic").is_checked()
    assert w.page.get_by_label("Near").input_value() == "Denver, CO"
    # Then by city, with an alias.
    w.page.get_by_label("Near").fill("")
    w.page.get_by_label("City").fill("LA")
    w.page.get_by_label("IV").uncheck()
    w.page.get_by_label("Anywhere").check()
    w.page.get_by_role("button", name="Search").click()
    w.page.wait_for_load_state()
    assert w.card_names() == {k for k, p in web_data.people.items() if p.city == "Los Angeles"}
    if viewport is PHONE:
        assert w.scroll_width() <= PHONE["width"]
    w.close()


def test_keyboard_alone(server, browser, web_data):
    w = Watched(browser, server, PHONE)
    w.goto("/")
    page = w.page

    def tab_to(predicate_js: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return !!({predicate_js}); }})()"):
                return
        raise AssertionError(f"Tab never reached {predicate_js}")

    tab_to("e.id === 'f-near'")
    page.keyboard.type("90401")
    tab_to("e.type === 'checkbox' && e.value === 'im'")
    page.keyboard.press("Space")
    tab_to("e.type === 'radio'")  # the checked radio of the group ("Anywhere")
    page.keyboard.press("ArrowRight")  # -> In clinic
    assert page.get_by_label("In clinic").is_checked()
    tab_to("e.tagName === 'BUTTON' && e.textContent.trim() === 'Search'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    assert w.card_names() == _expected(web_data, "90401", 25, "im", "in_clinic")
    w.close()


def test_skip_link_and_visible_focus(server, browser):
    w = Watched(browser, server, DESKTOP)
    w.goto("/")
    w.page.keyboard.press("Tab")
    assert w.page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = w.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    w.close()


def test_nothing_scrolls_sideways_on_a_phone(server, browser, web_client):
    records = web_client.get("/api/v1/search?per_page=100").get_json()["results"]
    paths = ["/", "/search", "/search?per_page=100", "/search?near=90401&radius_mi=50", "/search?near=Atlantis+Qq",
             "/search?q=" + "x" * 200, "/about/routes", "/practitioners/nope", "/search?city=Seatle"]
    paths += [f"/practitioners/{r['id']}" for r in records]
    w = Watched(browser, server, PHONE)
    wide = []
    for path in paths:
        w.goto(path)
        if w.scroll_width() > PHONE["width"]:
            wide.append((path, w.scroll_width()))
    assert wide == []
    # The 400 and 404 pages are expected responses here, not problems.
    expected_status = ("400:", "404:", "console error: Failed to load resource: the server responded with a "
                       "status of 40")
    assert [p for p in w.problems if not p.startswith(expected_status)] == []
    w.close(expect_clean=False)


def test_did_you_mean_is_a_link_that_works(server, browser, web_data):
    w = Watched(browser, server, PHONE)
    w.goto("/search?city=Seatle")
    w.page.get_by_role("link", name="Seattle").click()
    w.page.wait_for_load_state()
    assert w.card_names() == {k for k, p in web_data.people.items() if p.city == "Seattle"}
    w.close()


# Issue 16: the pages a searcher (and a maintainer signing in) sees, plus the pages issue 15 changed with their
# at-home content showing. {evenstar}: an at-home provider serving several states; {clinic}: an in-clinic office.
AXE_PAGES = [
    "/",                                                         # home
    "/search?near=Denver%2C+CO&radius_mi=50",                    # results
    "/search?city=Seatle",                                       # no result: "did you mean" links
    "/search?near=Atlantis+Qq",                                  # a 400: the form again, with the error
    "/search?near=Denver%2C+CO&radius_mi=30&setting=at_home",   # cards with the at-home note and "serves"
    "/search?per_page=100",                                      # the map: every located office, served states
    "/practitioners/{evenstar}",                                 # "Where it serves", the note, a national phone
    "/practitioners/{clinic}",                                   # the small map with one in-clinic office
    "/practitioners/{clinic}/report",                            # report a problem
    "/about/routes",                                             # routes and settings explained
    "/admin/login",                                              # admin sign-in
]


@pytest.fixture(scope="module")
def axe_ids(web_client) -> dict:
    evenstar = next(r["id"] for r in web_client.get("/api/v1/search?q=Evenstar").get_json()["results"])
    clinic = next(r["id"] for r in web_client.get("/api/v1/search?setting=in_clinic&per_page=100").get_json()[
        "results"] if r["location"] and not r["serves"])
    return {"evenstar": evenstar, "clinic": clinic}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_violation(server, browser, axe_ids, path, viewport):
    """axe-core (axe-playwright-python) with every rule it runs by default, at a desktop and a phone width."""
    from axe_playwright_python.sync_playwright import Axe

    w = Watched(browser, server, viewport)
    status = w.goto(path.format(**axe_ids)).status
    if "{evenstar}" in path or "at_home" in path:
        assert "ask how you are screened" in w.page.content()
    if "per_page=100" in path or path == "/practitioners/{clinic}":
        assert w.page.locator("figure.usmap svg[role=img] circle.office").count() >= 1
    if path.startswith("/search?near=Denver"):
        assert w.page.locator("article.card").count() >= 1
    results = Axe().run(w.page)
    assert results.violations_count == 0, results.generate_report()
    w.close(expect_clean=status == 200)  # the 400 page's own status is no problem


def test_the_axe_audit_can_fail(server, browser):
    """The audit runs under the site's strict CSP and sees the page: a heading that skips levels, as the
    results page had before issue 15, is reported."""
    from axe_playwright_python.sync_playwright import Axe

    w = Watched(browser, server, DESKTOP)
    w.goto("/search?near=Denver%2C+CO&radius_mi=50")
    w.page.evaluate("document.querySelector('h1').after(Object.assign(document.createElement('h4'), "
                    "{textContent: 'Skipped levels'}))")
    results = Axe().run(w.page)
    assert "heading-order" in {v["id"] for v in results.response["violations"]}
    w.close()
