"""Schema.org's own examples as a conformance suite for the structured-data reader (issue 18).

The schema.org repository ships its examples as text files: blocks opened by "TYPES: #eg-0001 Person, …",
then "PRE-MARKUP:", "MICRODATA:", "RDFA:" and "JSON:" sections, the same example in each syntax. This
script wraps each syntax's markup in a minimal HTML page, reads it with the spider's own extraction
(crawler.structured, as a listing page with no selectors reads it) and prints, per syntax:

- examples read (pages in that syntax), malformed blocks skipped;
- pages with practitioners and practitioners found (apart: pages where only the site's own publisher,
  a WebSite's or WebPage's, would be listed, as the spider lists it when it finds nothing else);
- the practitioner-like entities the markup states, read here without extruct (a Person with an address
  or phone, Physician, MedicalClinic and the other medical organisations, an Organization or
  LocalBusiness with an address or phone, unless it is only a work's author, publisher, performer,
  an organisation's alumni… — CREDIT_PROPS), and field accuracy on them: name, street, city, region,
  postal code and phone, each against the markup's own value ("others read": people and organisations
  the reader lists that are not such, mostly a page's top-level Person with no contact data);
- "works-only" pages, whose top-level entities are all creative works, events or products and whose
  people and organisations are only their credits, and how many of them yield practitioners;
- examples whose syntaxes give different answers (and how many of those the markup itself explains, its
  own values differing between syntaxes: "Opéra" in one, "Opera" in another);
- with --runs N, pages whose answer changes between N readings.

The example files are not part of this repository. Put them in DIR, keeping the repository's layout:

    data/*examples.txt, data/ext/*/*examples.txt      (from github.com/schemaorg/schemaorg; the file
                                                        format as its software/SchemaExamples reads it,
                                                        "JSON-LD:" taken for "JSON:")
    schemaorg-all-https-types.csv                      (optional, from data/releases/<version>/: the type
                                                        hierarchy; without it, crawler/schematypes.py's)

    .venv/bin/python -m bench.schemaorg DIR
    .venv/bin/python -m bench.schemaorg DIR --runs 10            # answers stable across readings?
    .venv/bin/python -m bench.schemaorg DIR -v                   # every miss, extra and disagreement
    .venv/bin/python -m bench.schemaorg DIR --example eg-0007    # one example in full
    .venv/bin/python -m bench.schemaorg DIR --families > crawler/schematypes.py   # the reader's type lists
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import textwrap
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
from scrapy.http import HtmlResponse

from crawler import structured
from crawler.schematypes import MEDICAL_ORG_TYPES, WORK_TYPES

SYNTAXES = ("json-ld", "microdata", "rdfa")
FIELDS = ("name", "street", "city", "region", "postal_code", "phone")
_MARKERS = {"PRE-MARKUP:": "pre", "MICRODATA:": "microdata", "RDFA:": "rdfa", "JSON:": "json-ld",
            "JSON-LD:": "json-ld"}
_NO_JSON = re.compile(r"no json-?ld|microdata only|no json example", re.I)
# A person or organisation reached only through these is credited with, or related to, something else on
# the page: it is not the page's subject.
CREDIT_PROPS = {
    "author", "creator", "editor", "publisher", "reviewedBy", "reviewer", "contributor", "copyrightHolder",
    "sdPublisher", "sourceOrganization", "funder", "sponsor", "producer", "translator", "illustrator",
    "publisherImprint", "publishedBy", "accountablePerson", "maintainer", "creditedTo",
    "actor", "actors", "director", "directors", "performer", "performers", "organizer", "attendee", "attendees",
    "byArtist", "composer", "lyricist", "musicBy", "character", "broadcaster", "instructor",
    "manufacturer", "brand", "seller", "offeredBy", "provider", "buyer", "customer", "underName",
    "agent", "participant", "recipient", "winner", "competitor", "athlete", "coach",
    "alumni", "colleague", "colleagues", "spouse", "parent", "parents", "children", "sibling", "siblings",
    "relatedTo", "knows", "follows", "endorsee", "bookingAgent", "sender", "toRecipient", "ccRecipient",
    "bccRecipient", "borrower", "lender", "landlord", "realEstateAgent",
}
ORG_EXACT = {"Organization", "LocalBusiness", "ProfessionalService", "HealthAndBeautyBusiness", "HealthClub",
             "DaySpa"}
WORK_ROOTS = ("CreativeWork", "Event", "Product")


# --- the example files ------------------------------------------------------------------------------

@dataclass
class Example:
    id: str
    file: str
    terms: list[str]
    markup: dict[str, str] = field(default_factory=dict)  # syntax -> markup, only the syntaxes it has


def parse_examples(path: Path) -> list[Example]:
    """The examples of one file, as schema.org's own parser (software/SchemaExamples) splits them: a
    "TYPES:" line opens an example, the other markers open its sections; boilerplate ("@@") is skipped."""
    out: list[Example] = []
    cur: Example | None = None
    section, lines = "", []

    def flush():
        if cur is not None and section in ("microdata", "rdfa", "json-ld"):
            text = "\n".join(lines).strip()
            if _has(section, text):
                cur.markup[section] = text

    for raw in re.split(r"\r\n|\n|\r", path.read_text(encoding="utf-8", errors="replace")):
        line = raw.rstrip()
        if line.startswith("TYPES:"):
            flush()
            section, lines = "", []
            head = line[len("TYPES:"):]
            m = re.search(r"#(\S+)", head)
            terms = [t.strip() for t in re.sub(r"#\S+", "", head).split(",") if t.strip()]
            cur = Example(m.group(1) if m else f"{path.name}#{len(out) + 1}", str(path), terms)
            if not any("@@" in t or "FakeEntryNeeded" in t for t in terms):
                out.append(cur)
            continue
        marker = next((k for k in _MARKERS if line.startswith(k)), None)
        if marker:
            flush()
            section, lines = _MARKERS[marker], [line[len(marker):]]
            continue
        lines.append(line)
    flush()
    return out


def _has(syntax: str, text: str) -> bool:
    """The checks schema.org's parser makes (hasMicrodata, hasRdfa, hasJsonld): placeholders are no markup."""
    if syntax == "microdata":
        return "itemtype" in text and "itemprop" in text
    if syntax == "rdfa":
        return "typeof" in text and "property" in text
    return "@type" in text and not _NO_JSON.match(text)


def load_corpus(folder: Path) -> list[Example]:
    files = sorted(set(folder.glob("**/*examples.txt")) - set(folder.glob("**/releases/**/*examples.txt")))
    examples, seen = [], set()
    for f in files:
        for ex in parse_examples(f):
            if ex.id not in seen:
                seen.add(ex.id)
                examples.append(ex)
    return examples


def page_html(ex: Example, syntax: str) -> str:
    body = ex.markup[syntax]
    if syntax == "json-ld" and "<script" not in body:
        body = f'<script type="application/ld+json">\n{body}\n</script>'
    if not re.search(r"<body[\s>]", body, re.I):  # some examples are a whole <body itemscope …>
        body = f"<body>\n{body}\n</body>"
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Example {ex.id}</title></head>\n'
            f"{body}\n</html>\n")


def page_url(ex: Example) -> str:
    return f"https://example.org/examples/{ex.id}"


# --- the reader under test ----------------------------------------------------------------------------

def read(html: str, url: str) -> tuple[list[dict], list[dict], int]:
    """What the spider lists from such a page (SourceSpider.parse_listing_items with no selectors): the
    practitioners in its structured data; apart, the site's own publisher, which it lists only when it
    finds nothing else on the page (a clinic's one-page site)."""
    root = HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8").selector.root
    objects, bad = structured.load_structured(root, url)
    entities = structured.practitioners(objects)
    return [e for e in entities if not e.get("site_owner")], [e for e in entities if e.get("site_owner")], bad


# --- what the markup says, read without extruct -------------------------------------------------------

@dataclass(eq=False)
class Node:
    types: list[str]
    id: str = ""
    props: dict[str, list] = field(default_factory=dict)

    def add(self, key: str, value) -> None:
        self.props.setdefault(key, []).append(value)

    def texts(self, key: str) -> list[str]:
        return [v for v in self.props.get(key, []) if isinstance(v, str) and v.strip()]


def _schema_term(term: str) -> bool:
    """A schema.org term ("name", "schema:name", "https://schema.org/name"), not another vocabulary's ("gs1:value")."""
    return ":" not in term or bool(re.match(r"(https?://(www\.)?schema\.org/|schema:)", term))


def _local(term: str) -> str:
    return re.split(r"[/#:]", term.strip())[-1]


def _clean(s: str) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def truth_json(html: str) -> list[Node] | None:
    """The JSON-LD scripts of the page as nodes (references by @id followed); None if one is not JSON."""
    root = lxml.html.fromstring(html)
    tops: list[Node] = []
    by_id: dict[str, Node] = {}

    def conv(v):
        if isinstance(v, list):
            return [y for x in v for y in _as_list(conv(x))]
        if isinstance(v, dict):
            if "@value" in v:
                return conv(v["@value"])
            if "@graph" in v and "@type" not in v:
                return [conv(x) for x in _as_list(v["@graph"])]
            t = v.get("@type", [])
            node = Node([_local(x) for x in _as_list(t) if isinstance(x, str) and _schema_term(x)],
                        str(v.get("@id", "")))
            if node.id and set(v) - {"@id", "@context"}:
                by_id.setdefault(node.id, node)
            for k, x in v.items():
                if not k.startswith("@") and _schema_term(k):
                    for y in _as_list(conv(x)):
                        node.add(_local(k), y)
            return node
        if isinstance(v, bool) or v is None:
            return []
        return str(v)

    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except ValueError:
            return None
        tops.extend(n for n in _as_list(conv(data)) if isinstance(n, Node))
    _resolve(tops, by_id)
    tops = [n for n in tops if not (n.id in by_id and by_id[n.id] is not n)]
    # The top of the graph: what nothing else on the page points to (all of it if everything is pointed to).
    pointed = {id(v) for n in _all_nodes(tops) for vals in n.props.values() for v in vals if isinstance(v, Node)}
    return [n for n in tops if id(n) not in pointed] or tops


def _as_list(v) -> list:
    return v if isinstance(v, list) else [v]


def _resolve(tops: list[Node], by_id: dict[str, Node]) -> None:
    for node in _all_nodes(tops):
        for k, vals in node.props.items():
            node.props[k] = [by_id[v.id] if isinstance(v, Node) and not v.types and not v.props and v.id in by_id
                             else v for v in vals]


def _all_nodes(tops: list[Node]) -> list[Node]:
    out, seen, stack = [], set(), list(reversed(tops))
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        for vals in n.props.values():
            stack.extend(v for v in reversed(vals) if isinstance(v, Node))
    return out


_URL_TAGS = {"a": "href", "link": "href", "area": "href", "img": "src", "audio": "src", "video": "src",
             "source": "src", "embed": "src", "iframe": "src", "track": "src", "object": "data"}


def _value(el, syntax: str) -> str:
    if el.get("content") is not None:
        return _clean(el.get("content"))
    if syntax == "rdfa" and el.get("resource"):
        return el.get("resource")
    attr = _URL_TAGS.get(el.tag if isinstance(el.tag, str) else "")
    if attr and el.get(attr) is not None:
        return el.get(attr)
    if el.tag == "time" and el.get("datetime"):
        return el.get("datetime")
    if el.tag in ("data", "meter") and el.get("value") is not None:
        return el.get("value")
    return _clean(el.text_content())


def truth_markup(html: str, syntax: str, url: str) -> list[Node]:
    """Microdata items (itemscope/itemprop) or RDFa nodes (typeof/property) as nodes, top level first.
    A simplified reading of each standard, enough for the properties compared here."""
    root = lxml.html.fromstring(html)
    scope, prop, kind = ("itemscope", "itemprop", "itemtype") if syntax == "microdata" else \
        ("typeof", "property", "typeof")
    nodes: dict = {}
    by_id: dict[str, Node] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get(scope) is None:
            continue
        ident = el.get("itemid") if syntax == "microdata" else (el.get("resource") or el.get("about") or "")
        node = Node([_local(t) for t in (el.get(kind) or "").split()], urljoin(url, ident) if ident else "")
        nodes[el] = node
        if node.id:
            by_id.setdefault(node.id, node)
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get(prop) is None:
            continue
        owner = next((a for a in el.iterancestors() if a in nodes), None)
        if owner is None:
            continue
        value = nodes.get(el) or _value(el, syntax)
        if isinstance(value, str) and syntax == "rdfa" and urljoin(url, value) in by_id and \
                el.get("content") is None and (el.get("href") or el.get("resource") or el.get("src")):
            value = by_id[urljoin(url, value)]
        for p in el.get(prop).split():
            nodes[owner].add(_local(p), value)
    children = {id(v) for n in nodes.values() for vals in n.props.values() for v in vals if isinstance(v, Node)}
    return [n for n in nodes.values() if id(n) not in children]


class Types:
    """schema.org's type hierarchy (from its types CSV); without one, the families crawler/schematypes.py
    keeps (generated from that CSV): creative works, events and products, medical organisations."""

    def __init__(self, csv_path: Path | None):
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.from_csv = bool(csv_path)
        if csv_path:
            with csv_path.open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    for p in (row.get("subTypeOf") or "").split(","):
                        if p.strip():
                            self.parents[_local(row["label"])].add(_local(p))
        self._cache: dict[str, set[str]] = {}

    def family(self, t: str) -> set[str]:
        if not self.from_csv:
            low = t.lower()
            return {t} | ({"CreativeWork"} if low in WORK_TYPES else set()) | (
                {"MedicalOrganization", "Organization"} if low in MEDICAL_ORG_TYPES else set()) | (
                {"Organization"} if t in ORG_EXACT else set())
        if t not in self._cache:
            out, stack = set(), [t]
            while stack:
                x = stack.pop()
                if x not in out:
                    out.add(x)
                    stack.extend(self.parents.get(x, ()))
            self._cache[t] = out
        return self._cache[t]

    def isa(self, node: Node, *roots: str) -> bool:
        return any(r in self.family(t) for t in node.types for r in roots)


def _address(node: Node) -> dict:
    for a in node.props.get("address", []):
        if isinstance(a, Node):
            return {"street": _clean(" ".join(a.texts("streetAddress"))),
                    "city": _clean(next(iter(a.texts("addressLocality")), "")),
                    "region": _clean(next(iter(a.texts("addressRegion")), "")),
                    "postal_code": _clean(next(iter(a.texts("postalCode")), ""))}
    return {}


def _node_name(node: Node) -> str:
    name = next(iter(node.texts("name")), "")
    if not name:
        name = " ".join(x for x in (next(iter(node.texts("givenName")), ""),
                                    next(iter(node.texts("familyName")), "")) if x)
    return _clean(name)


def practitioner_like(node: Node, types: Types) -> bool:
    contact = bool(node.props.get("address") or node.texts("telephone"))
    if not _node_name(node):
        return False
    if types.isa(node, "MedicalOrganization", "MedicalBusiness", "IndividualPhysician"):
        return True
    if types.isa(node, "Person") or any(t in ORG_EXACT for t in node.types):
        return contact
    return False


def truth_practitioners(tops: list[Node], types: Types) -> list[dict]:
    """The practitioner-like entities the markup states, each with its own values of the compared fields:
    not the ones a work, event or product only credits (author, publisher, actor, alumni…)."""
    credited_only: dict[int, bool] = {}
    for n in _all_nodes(tops):
        for k, vals in n.props.items():
            for v in vals:
                if isinstance(v, Node):
                    credited_only[id(v)] = credited_only.get(id(v), True) and k in CREDIT_PROPS
    out = []
    for n in _all_nodes(tops):
        if practitioner_like(n, types) and not credited_only.get(id(n), False):
            row = {"name": _node_name(n), **_address(n), "phone": _clean(next(iter(n.texts("telephone")), ""))}
            out.append({k: row.get(k, "") for k in FIELDS})
    return out


def works_only(tops: list[Node], types: Types) -> bool:
    """Whether the page's only entities are creative works, events or products and the people and
    organisations they credit: every top-level entity is a work, every person or organisation is reached
    only as an author, publisher, performer, manufacturer… (CREDIT_PROPS)."""
    if not tops or not all(types.isa(n, *WORK_ROOTS) for n in tops):
        return False
    credited_only: dict[int, bool] = {}
    nodes = _all_nodes(tops)
    for n in nodes:
        for k, vals in n.props.items():
            for v in vals:
                if isinstance(v, Node):
                    credited_only[id(v)] = credited_only.get(id(v), True) and k in CREDIT_PROPS
    return all(credited_only.get(id(n), False) for n in nodes if types.isa(n, "Person", "Organization"))


# --- comparing ------------------------------------------------------------------------------------------

def norm(f: str, v) -> str:
    v = unicodedata.normalize("NFKC", str(v or ""))
    if f == "phone":
        return re.sub(r"\D", "", v)
    return re.sub(r"[\s,.]+", " ", v).strip().casefold()


def _name_match(truth: str, got: str) -> bool:
    t, g = norm("name", truth), norm("name", got)
    return bool(t) and (t == g or g.endswith(" " + t))


def signature(ents: list[dict]) -> list[tuple]:
    return [tuple(norm(f, e.get(f)) for f in FIELDS) for e in ents]


def check_example(ex: Example, types: Types, runs: int = 1) -> dict:
    """Every syntax of one example: the reader's answer, the markup's own practitioners, the scores."""
    res: dict = {"id": ex.id, "syntaxes": {}}
    for syntax in SYNTAXES:
        if syntax not in ex.markup:
            continue
        html, url = page_html(ex, syntax), page_url(ex)
        got, owners, bad = read(html, url)
        answers = {repr(signature(got + owners))}
        for _ in range(runs - 1):
            again = read(html, url)
            answers.add(repr(signature(again[0] + again[1])))
        tops = truth_json(html) if syntax == "json-ld" else truth_markup(html, syntax, url)
        truth = truth_practitioners(tops, types) if tops is not None else None
        row = {"got": got, "owners": owners, "bad": bad, "truth": truth, "unstable": len(answers) > 1,
               "works_only": bool(tops) and works_only(tops, types), "fields": Counter(), "right": Counter(),
               "misses": [], "extra": []}
        matched = set()
        for t in truth or []:
            e = next((e for i, e in enumerate(got) if i not in matched and _name_match(t["name"], e.get("name"))),
                     None)
            if e is not None:
                matched.add(got.index(e))
            for f in FIELDS:
                if not t[f]:
                    continue
                row["fields"][f] += 1
                ok = e is not None and (norm(f, t[f]) == norm(f, e.get(f)) or (f == "name" and _name_match(
                    t[f], e.get(f))))
                row["right"][f] += ok
                if not ok:
                    row["misses"].append(f"{f}: markup {t[f]!r}, read {(e or {}).get(f, '(not found)')!r}")
        row["extra"] = [e.get("name") for i, e in enumerate(got) if i not in matched]
        res["syntaxes"][syntax] = row
    # One answer whatever the syntax: the same practitioners, fields and order.
    rows = res["syntaxes"]
    sigs = {s: signature(r["got"]) for s, r in rows.items()}
    truths = {s: signature(r["truth"]) for s, r in rows.items() if r["truth"] is not None}
    res["disagree"] = len({repr(v) for v in sigs.values()}) > 1
    # ... which the markup explains when its own values differ between syntaxes too ("Opéra" / "Opera").
    res["markup_differs"] = res["disagree"] and len({repr(sorted(v)) for v in truths.values()}) > 1
    return res


def summarise(results: list[dict], runs: int) -> list[str]:
    lines = [f"{'':28}" + "".join(f"{s:>13}" for s in SYNTAXES)]

    def line(label: str, fn) -> None:
        lines.append(f"{label:28}" + "".join(f"{fn(s):>13}" for s in SYNTAXES))

    def rows(s):
        return [r["syntaxes"][s] for r in results if s in r["syntaxes"]]

    line("examples read", lambda s: len(rows(s)))
    line("malformed (skipped)", lambda s: sum(1 for r in rows(s) if r["bad"]))
    line("pages with practitioners", lambda s: sum(1 for r in rows(s) if r["got"]))
    line("practitioners found", lambda s: sum(len(r["got"]) for r in rows(s)))
    line("  + site publisher only", lambda s: sum(1 for r in rows(s) if r["owners"] and not r["got"]))
    line("pages with markup practs", lambda s: sum(1 for r in rows(s) if r["truth"]))
    line("markup practitioners", lambda s: sum(len(r["truth"] or []) for r in rows(s)))

    def acc(s, f=None):
        n = sum((r["fields"][f] if f else sum(r["fields"].values())) for r in rows(s))
        k = sum((r["right"][f] if f else sum(r["right"].values())) for r in rows(s))
        return f"{k}/{n}" + (f" {k / n:.0%}" if n else "")
    for f in FIELDS:
        line(f"  {f} right", lambda s, f=f: acc(s, f))
    line("all fields right", acc)
    line("  pages all right", lambda s: f"{sum(1 for r in rows(s) if r['truth'] and not r['misses'])}"
                                        f"/{sum(1 for r in rows(s) if r['truth'])}")
    line("others read (not p.-like)", lambda s: sum(len(r["extra"]) for r in rows(s)))
    line("works-only pages", lambda s: sum(1 for r in rows(s) if r["works_only"]))
    line("  ... yielding practs", lambda s: sum(1 for r in rows(s) if r["works_only"] and r["got"]))
    line("  ... only site publisher", lambda s: sum(1 for r in rows(s) if r["works_only"] and r["owners"]
                                                   and not r["got"]))
    if runs > 1:
        line(f"answer changes ({runs} runs)", lambda s: sum(1 for r in rows(s) if r["unstable"]))
    multi = [r for r in results if len(r["syntaxes"]) > 1]
    dis = [r for r in multi if r["disagree"]]
    lines.append(f"\n{len(results)} examples, {sum(len(r['syntaxes']) for r in results)} pages; "
                 f"{len(multi)} examples in 2+ syntaxes: {len(dis)} give different answers across syntaxes "
                 f"({sum(1 for r in dis if r['markup_differs'])} of them where the markup itself differs, "
                 f"{sum(1 for r in dis if not r['markup_differs'])} where it does not)")
    return lines


def show(res: dict) -> list[str]:
    out = [f"{res['id']}:" + (" syntaxes disagree" if res["disagree"] else "")]
    for s, r in res["syntaxes"].items():
        out.append(f"  {s}: read {[e.get('name') for e in r['got']]}"
                   + (f" site publisher {[e.get('name') for e in r['owners']]}" if r["owners"] else "")
                   + (" (works only)" if r["works_only"] else "") + (" UNSTABLE" if r["unstable"] else ""))
        for m in r["misses"]:
            out.append(f"    miss {m}")
        for x in r["extra"]:
            out.append(f"    extra {x!r}")
    return out


def families(types: Types) -> str:
    """The source of crawler/schematypes.py: the type families the reader needs, from schema.org's list."""
    def frozen(name: str, roots: set[str]) -> str:
        names = sorted({t.lower() for t in types.parents if types.family(t) & roots} | {r.lower() for r in roots})
        body = textwrap.fill(", ".join(f'"{x}"' for x in names), width=104, initial_indent="    ",
                             subsequent_indent="    ", break_on_hyphens=False, break_long_words=False)
        return f"{name} = frozenset({{\n{body},\n}})\n"

    return ('"""schema.org type families the structured-data reader needs, as lower-case type names.\n\n'
            "Generated from schema.org's own type list (data/releases/30.0/schemaorg-all-https-types.csv in\n"
            "github.com/schemaorg/schemaorg, the subTypeOf column followed to the root) by the snippet in\n"
            "bench/schemaorg.py (`--families`); regenerate it there when schema.org adds types.\n"
            '"""\n\n'
            "# CreativeWork, Event and Product with all their subtypes: things a page can be about whose people and\n"
            "# organisations are credits (author, publisher, performer, manufacturer…), not practitioners.\n"
            + frozen("WORK_TYPES", {"CreativeWork", "Event", "Product"})
            + "\n# MedicalOrganization and MedicalBusiness with all their subtypes.\n"
            + frozen("MEDICAL_ORG_TYPES", {"MedicalOrganization", "MedicalBusiness"}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="folder holding schema.org's *examples.txt files")
    ap.add_argument("--runs", type=int, default=1, help="read every page this many times")
    ap.add_argument("--example", action="append", default=[], help="only this example id (eg-0007); repeatable")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--families", action="store_true",
                    help="print crawler/schematypes.py from DIR's schemaorg-all-https-types.csv, and stop")
    args = ap.parse_args(argv)
    csvs = sorted(args.dir.glob("**/*types.csv"))
    if args.families:
        if not csvs:
            print(f"no *types.csv under {args.dir}", file=sys.stderr)
            return 2
        print(families(Types(csvs[0])), end="")
        return 0
    examples = load_corpus(args.dir)
    if not examples:
        print(f"no *examples.txt files under {args.dir}", file=sys.stderr)
        return 2
    types = Types(csvs[0] if csvs else None)
    if args.example:
        examples = [e for e in examples if e.id in args.example]
    results = [check_example(ex, types, args.runs) for ex in examples if ex.markup]
    print(f"schema.org examples in {args.dir}: {len(examples)} examples"
          + ("" if csvs else " (no types CSV: the type families of crawler/schematypes.py)"))
    for line in summarise(results, args.runs):
        print(line)
    if args.verbose or args.example:
        for res in results:
            rows = res["syntaxes"].values()
            if args.example or res["disagree"] or any(r["misses"] or r["extra"] or r["unstable"] or r["owners"]
                                                      or (r["works_only"] and r["got"]) for r in rows):
                print("\n".join(show(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
