"""A page's main content as text the reader can follow: headings, list items and paragraphs.

Why structure and not a bag of words: clinic sites explain ketamine at length ("How is
ketamine given?", "What about at-home ketamine?") beside what they offer, and the reader
tells the two apart partly by the heading a sentence sits under. So headings are kept as
Markdown-style lines (``## How is ketamine given?``), list items as ``- item`` lines, and
everything that is not the page's own content — navigation, site header and footer, sidebars,
"related posts", comments, share bars, cookie banners, forms — is dropped before it can lend
its words to the page.
"""

from __future__ import annotations

import copy
import re

MAIN_CONTENT = ("main", "article", "[role=main]", "#content", ".content", "body")
BLOCKS = frozenset({"p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br",
                    "tr", "td", "th", "dd", "dt", "blockquote", "table", "aside", "address", "main", "summary",
                    "details", "figcaption", "header"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6, "summary": 3, "dt": 4}
DROP_TAGS = "script, style, noscript, nav, footer, template, svg, form, aside, iframe, dialog, [aria-hidden=true], [hidden]"
# Class or id words that mark boilerplate blocks (matched as whole words of the attribute).
BOILERPLATE_WORDS = frozenset(
    "related sidebar widget widgets comments comment respond share sharing sharedaddy social breadcrumb "
    "breadcrumbs cookie cookies gdpr consent newsletter subscribe menu navbar navigation popup modal "
    "skip-link skiplink yarpp jp-relatedposts post-navigation pagination".split()
)
# A sidebar widget is class="widget …"; page builders call every content block a widget inside a longer name
# (HubSpot "hs_cos_wrapper_widget", "widget-span"; Elementor "elementor-widget-text-editor"), so these words
# mark boilerplate only as a class of their own.
WHOLE_TOKEN_ONLY = frozenset({"widget", "widgets"})
_WORD_SPLIT = re.compile(r"[\s_]+|(?<=[a-z])-(?=[a-z])")
# Headings that open a boilerplate section: the section is dropped up to the next heading of
# the same or a higher level.
BOILERPLATE_HEADING = re.compile(
    r"^(?:(?:related|recent|popular|latest|more|similar|other|featured)\s+(?:posts?|articles?|stories|reads?|reading"
    r"|resources|blogs?|news|providers|therapists|clinicians|practitioners|team\s+members|profiles|locations)"
    r"|(?:therapists|providers|clinicians)\s+nearby|you\s+(?:may|might)\s+also\s+(?:like|enjoy)|read\s+(?:more|next)"
    r"|keep\s+reading"
    r"|share\s+(?:this|the\s+post|on)\b.*|leave\s+a\s+(?:reply|comment)|comments?|categories|tags|archives"
    r"|subscribe\b.*|sign\s+up\s+for\s+our\s+newsletter.*|follow\s+us\b.*)\W*$",
    re.I,
)


_BOILERPLATE_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search")


def _words(attrs: str, drop: frozenset = frozenset()) -> set[str]:
    """The words of class/id/role tokens: each token whole, and its parts ("site-header" -> site, header), the
    parts never a `WHOLE_TOKEN_ONLY` word; tokens in ``drop`` left out altogether."""
    words = set()
    for tok in attrs.lower().split():
        if tok in drop:
            continue
        words.add(tok)
        words.update(w for w in _WORD_SPLIT.split(tok) if w and w not in WHOLE_TOKEN_ONLY)
    return words


def _boilerplate(el) -> bool:
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    if not attrs:
        return False
    if el.get("role") in _BOILERPLATE_ROLES:
        return True
    return bool(_words(attrs) & BOILERPLATE_WORDS)


def _only_widget(el) -> bool:
    """Whether the only boilerplate mark of ``el`` is a class "widget" (no sidebar, menu or share word)."""
    classes = (el.get("class") or "").lower()
    if not set(classes.split()) & WHOLE_TOKEN_ONLY or el.get("role") in _BOILERPLATE_ROLES:
        return False
    attrs = " ".join(filter(None, (classes, el.get("id"))))
    return not _words(attrs, drop=WHOLE_TOKEN_ONLY) & BOILERPLATE_WORDS


def main_node(root):
    """The element holding the page's main content (``main``, ``article``…, else ``body``). One holding less
    than a fifth of the page's text is not it (a site builder's header marked role="main")."""
    if not hasattr(root, "cssselect"):
        return root
    bodies = root.cssselect("body")
    whole = None  # the page's text length, measured only when a candidate needs the comparison
    for css in MAIN_CONTENT:
        found = root.cssselect(css)
        if not found:
            continue
        if css != "body" and whole is None:
            whole = len(bodies[0].text_content()) if bodies else 0
        if css == "body" or len(found[0].text_content()) * 5 >= whole:
            return found[0]
    return root


def page_text(root) -> str:
    """Main content of an lxml HTML tree as lines: ``## heading``, ``- item``, paragraphs."""
    node = main_node(root)
    if node is None or not hasattr(node, "iter"):
        return ""
    node = copy.deepcopy(node)
    doomed = list(node.cssselect(DROP_TAGS)) if hasattr(node, "cssselect") else []
    widgets: list = []
    for el in node.iter():
        if not isinstance(el.tag, str) or el is node:
            continue
        tag = el.tag.lower()
        # A site header is boilerplate; an article's header holds its title, so it stays.
        if tag == "header" and not any(h.tag in HEADINGS for h in el.iter() if isinstance(h.tag, str)):
            doomed.append(el)
        elif tag not in ("html", "body", "main", "article") and _boilerplate(el):
            (widgets if _only_widget(el) else doomed).append(el)
    # A site builder that calls every section a widget (GoDaddy: class="widget widget-about") holds the page
    # in them; sidebar widgets are a small share of a page. Widgets holding most of the text are its content.
    if widgets:
        inside = set(widgets)
        outer = [w for w in widgets if not any(a in inside for a in w.iterancestors())]
        if sum(len(w.text_content()) for w in outer) * 2 <= len(node.text_content()):
            doomed += widgets
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    # A field table's value cell listing several values on lines of their own ("Treatments available" |
    # "IV ketamine infusions<br>Intramuscular (IM) ketamine injections", as ACF and other field plugins print
    # them) is a list under its label, and reads as one: the label introduces each item.
    for td in node.iter("td"):
        prev = td.getprevious()
        if prev is not None and isinstance(prev.tag, str) and prev.tag.lower() == "th" and td.find(".//br") is not None:
            td.text = "- " + (td.text or "").lstrip()
            for br in td.iter("br"):
                br.tail = "- " + (br.tail or "").lstrip()
    for el in node.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag not in BLOCKS:
            continue
        el.tail = "\n" + (el.tail or "")
        if tag == "br":
            continue
        if tag in HEADINGS:
            el.text = "\n" + "#" * HEADINGS[tag] + " " + (el.text or "")
        elif tag == "li":
            el.text = "\n- " + (el.text or "")
        else:
            el.text = "\n" + (el.text or "")
    lines = (" ".join(line.split()) for line in node.text_content().splitlines())
    return "\n".join(_drop_boilerplate_sections(line for line in lines if line and line not in ("-", "#")))


_HEAD = re.compile(r"^(#{1,6}) (.*)$")


def _drop_boilerplate_sections(lines) -> list[str]:
    out: list[str] = []
    skipping = 0  # level of the boilerplate heading being skipped, 0 when not skipping
    for line in lines:
        m = _HEAD.match(line)
        if m:
            level = len(m.group(1))
            if skipping and level > skipping:
                continue
            skipping = 0
            if not m.group(2).strip(" #-"):
                continue
            if BOILERPLATE_HEADING.match(m.group(2).strip()):
                skipping = level
                continue
        elif skipping:
            continue
        out.append(line)
    return out
