"""The crawler hands the reader a page's own content with its structure (crawler/pagetext.py).

Unit tests pin each rule of the extraction; the last test crawls a real loopback site with the real
spider and checks what the reader made of a clinic page whose sidebar, menu, footer and "related
posts" all talk about at-home ketamine and other routes.
"""

from __future__ import annotations

import lxml.html

from crawler.pagetext import page_text
from tests.conftest import export, kapdir
from tests.sitekit import DynamicSite, html


def text_of(body: str) -> str:
    return page_text(lxml.html.fromstring(f"<html><body>{body}</body></html>"))


def test_headings_and_list_items_are_marked():
    t = text_of("<main><h1>Ketamine therapy</h1><p>We give IM.</p><h2>How is it given?</h2>"
                "<ul><li>IV</li><li>Lozenges</li></ul><h3>Details</h3><p>Forty minutes.</p></main>")
    assert t.splitlines() == ["# Ketamine therapy", "We give IM.", "## How is it given?", "- IV", "- Lozenges",
                              "### Details", "Forty minutes."]


def test_boilerplate_is_dropped():
    t = text_of("<header class='site-header'><nav>Home At-home ketamine</nav></header>"
                "<main><article><header class='entry-header'><h1>Our clinic</h1></header>"
                "<div class='breadcrumbs'>Home / Blog</div><p>We give IM ketamine in our office.</p>"
                "<div class='sharedaddy'>Share on Facebook</div><aside>Lozenges shipped home!</aside>"
                "<section id='comments'><p>Great IV post!</p></section>"
                "<div class='cookie-banner'>We use cookies</div></article></main>"
                "<footer>IV drips and NAD+</footer>")
    assert t.splitlines() == ["# Our clinic", "We give IM ketamine in our office."]


def test_page_builders_widgets_are_content_and_a_sidebar_widget_is_not():
    """HubSpot and Elementor call every content block a widget inside a longer class ("hs_cos_wrapper_widget",
    "widget-span", "elementor-widget-text-editor"); a WordPress sidebar widget is class="widget"."""
    t = text_of("<main><div class='span12 widget-span widget-type-cell'><div class='hs_cos_wrapper "
                "hs_cos_wrapper_widget'><h1>Saguaro Ketamine Clinic of Phoenix</h1><p>We offer IV ketamine.</p>"
                "</div></div><div class='elementor-widget elementor-widget-text-editor'><p>Spravato here.</p></div>"
                "<section class='widget widget_recent_entries'><p>At-home lozenges post</p></section></main>")
    assert t.splitlines() == ["# Saguaro Ketamine Clinic of Phoenix", "We offer IV ketamine.", "Spravato here."]


def test_a_related_posts_section_is_dropped_up_to_the_next_heading_of_its_level():
    t = text_of("<main><h2>Our services</h2><p>IM ketamine.</p><h3>Related posts</h3>"
                "<ul><li>At-home lozenges: what to know</li></ul><h4>More</h4><p>IV vs IM</p>"
                "<h2>Contact</h2><p>Call us.</p></main>")
    assert t.splitlines() == ["## Our services", "IM ketamine.", "## Contact", "Call us."]


def test_faq_summaries_become_headings():
    t = text_of("<main><details><summary>Is it safe?</summary><p>Yes, with monitoring.</p></details></main>")
    assert t.splitlines() == ["### Is it safe?", "Yes, with monitoring."]


def test_main_content_wins_over_the_body():
    t = text_of("<div>Menu: IV, IM, lozenges</div><main><p>We offer Spravato.</p></main>")
    assert t == "We offer Spravato."


PERSON = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Physician", '
          '"name": "Dr. Lena Voss, MD", "telephone": "(303) 555-0177", "address": {"@type": "PostalAddress", '
          '"streetAddress": "120 Pearl St", "addressLocality": "Boulder", "addressRegion": "CO", '
          '"postalCode": "80302"}}</script>')
CLINIC = PERSON + """
<header><nav><a href="/">Home</a> <a href="/at-home/">At-home ketamine</a></nav></header>
<main><article>
<h1>Dr. Lena Voss, MD</h1>
<p>Voss Psychiatry, 120 Pearl St, Boulder, CO 80302. (303) 555-0177</p>
<h2>Our ketamine service</h2>
<p>We give intramuscular ketamine in our Boulder office, with a nurse present for the whole session.</p>
<h2>How is ketamine given?</h2>
<p>Ketamine can be given as an IV infusion, as a nasal spray or as lozenges.</p>
<h3>Related posts</h3><ul><li>Why we ship lozenges to your home</li></ul>
</article></main>
<aside><h2>Try our at-home program</h2><p>Sublingual lozenges shipped to your door.</p></aside>
<footer>Also: IV vitamin drips, NAD+ and B12 shots.</footer>
"""


def test_a_crawled_clinic_page_is_read_from_its_own_content(tmp_path):
    def route(path, _headers):
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/voss/":
            return 200, {}, html(CLINIC)
        return 404, {}, b""

    with DynamicSite(route) as site:
        src = tmp_path / "src"
        src.mkdir()
        (src / "voss.toml").write_text(
            f'name = "voss"\nkind = "clinic"\nstart_urls = ["{site.base}/voss/"]\n'
            f'detail = ["/voss/$"]\ndownload_delay = 0\n')
        r = kapdir("crawl", "voss", data_dir=tmp_path / "d", sources=src, timeout=120)
    assert r.returncode == 0, r.stderr
    [rec] = export(tmp_path / "d")
    assert rec["name"] == "Lena Voss"
    assert [(x["route"], x["setting"]) for x in rec["routes"]] == [("im", "in_clinic")]
    assert rec["offers_at_home"] is False
    assert "Boulder office" in rec["routes"][0]["evidence"]
