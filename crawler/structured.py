"""Reading schema.org practitioner data (JSON-LD, microdata, RDFa) out of a page.

Sites nest the same facts in many shapes: a ``@graph``, a top-level list, ``@type`` as a list, a Person
whose address hangs off ``workLocation`` or ``worksFor``, a clinic listing its ``employee``s, an address
as a plain string, the same facts in JSON-LD, microdata or RDFa. Everything here reduces them to one graph
(references followed, cycles kept, every node numbered by its place in the document), chooses the
practitioners in it by type and role (`practitioners`), and flattens those to ``Entity`` dicts the spider
can use: the same answer whatever the syntax, on every run. `python -m bench.schemaorg` holds it to
schema.org's own examples.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from typing import Any
from urllib.parse import urljoin

import extruct
import lxml.html

from crawler.plainpage import tel_link
from crawler.schematypes import MEDICAL_ORG_TYPES, WORK_TYPES

log = logging.getLogger(__name__)

PERSON_TYPES = {"person", "physician", "individualphysician", "psychiatrist", "nurse", "psychologist"}
ORG_TYPES = {"medicalclinic", "medicalbusiness", "medicalorganization", "localbusiness", "organization",
             "healthandbeautybusiness", "hospital", "physiciansoffice", "psychiatric", "medicalcenter",
             "healthclub", "dayspa", "professionalservice", "veterinarycare", "pharmacy", "dentist",
             "diagnosticlab"} | (MEDICAL_ORG_TYPES - PERSON_TYPES)
PRACTITIONER_TYPES = PERSON_TYPES | ORG_TYPES
# "https://schema.org" without its slash is a common RDFa vocab: its terms come out "https://schema.orgname".
_SCHEMA_PREFIX = re.compile(r"^(https?://)?(www\.)?schema\.org/?", re.I)
_LINK_KEYS = ("workLocation", "worksFor", "location", "affiliation", "parentOrganization", "hospitalAffiliation",
              "memberOf", "department", "branchOf")
_MAX_NODES = 2000


def _types(node: dict) -> set[str]:
    t = node.get("@type") or node.get("type") or []
    if isinstance(t, str):
        t = [t]
    out = set()
    for x in t if isinstance(t, list) else []:
        if isinstance(x, str):
            out.add(_SCHEMA_PREFIX.sub("", x).rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower())
    return out


def _text(v: Any) -> str:
    """A property value as plain text: first string of a list, ``@value`` objects, names of objects."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, list):
        for x in v:
            t = _text(x)
            if t:
                return t
        return ""
    if isinstance(v, dict):
        for k in ("@value", "name", "@id"):
            if k in v:
                return _text(v[k])
    return ""


def _texts(v: Any) -> list[str]:
    if isinstance(v, list):
        return [t for x in v if (t := _text(x))]
    t = _text(v)
    return [t] if t else []


def load_jsonld(root, base_url: str = "") -> tuple[list[dict], int]:
    """All JSON-LD objects on a page, plus how many scripts were malformed (they are skipped, not fatal)."""
    try:
        return extruct.extract(root, base_url=base_url, syntaxes=["json-ld"], errors="strict")["json-ld"], 0
    except Exception:  # noqa: BLE001 - one broken script must not hide the others
        pass
    items, bad = [], 0
    for script in root.xpath('//script[@type="application/ld+json"]'):
        raw = re.sub(r"^\s*(//.*|<!--.*-->)\s*$", "", script.text_content() or "", flags=re.M)
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            bad += 1
            continue
        items.extend(data if isinstance(data, list) else [data])
    return [i for i in items if isinstance(i, dict)], bad


def load_structured(root, base_url: str = "", syntaxes: tuple[str, ...] = ("json-ld", "microdata", "rdfa")
                    ) -> tuple[list[dict], int]:
    """Every structured-data object on the page in one uniform (JSON-LD-like) shape: one graph whatever
    the syntax, references by @id (or itemid, or RDFa resource) replaced by the node they name, every node
    numbered by its position in the document ("@pos") so that readers can keep the page's own order."""
    objects: list[dict] = []
    bad = 0
    if "json-ld" in syntaxes:
        items, bad = load_jsonld(root, base_url)
        _number(items, 0)
        objects.extend(items)
    for syntax in ("microdata", "rdfa"):
        if syntax not in syntaxes:
            continue
        if syntax == "microdata" and not root.xpath("//*[@itemscope]"):
            continue
        if syntax == "rdfa" and not root.xpath("//*[@typeof or @property or @vocab]"):
            continue
        try:
            # pyRdfa needs its own parse of the markup (marked with each typed element's position, since
            # its graph has no order); microdata can reuse the tree Scrapy already built.
            doc = _rdfa_markup(root) if syntax == "rdfa" else root
            found = extruct.extract(doc, base_url=base_url, syntaxes=[syntax], uniform=True, errors="strict")
        except Exception:  # noqa: BLE001 - malformed markup in one syntax is counted and skipped
            bad += 1
            continue
        data = found.get(syntax, [])
        if syntax == "rdfa":
            objects.extend(_from_rdfa(data, doc))
        else:
            items = [_from_microdata(d, base_url) for d in data if isinstance(d, dict)]
            _phones_beside_microdata(root, items)
            _number(items, _MICRODATA_POS)
            objects.extend(items)
    resolve_references(objects, base_url)
    return objects, bad


def _phones_beside_microdata(root, items: list[dict]) -> None:
    """A microdata card with no telephone property takes the number its own element links or dials ("Call to
    Schedule" buttons carry it only in data-phone): it is that card's, as a tel: link inside an h-card is.
    extruct lists the top-level items in document order, one per itemscope element that is no property."""
    tops = root.xpath("//*[@itemscope][not(@itemprop)]")
    if len(tops) != len(items):
        return
    for item, el in zip(items, tops, strict=True):
        if isinstance(item, dict) and not item.get("telephone") and (tel := tel_link(el)):
            item["telephone"] = tel


_MICRODATA_POS, _RDFA_POS = 1_000_000, 2_000_000
_POS_IRI = "https://kapdir.invalid/pos"  # marks each RDFa-typed element's position for pyRdfa to carry
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr"}
# Properties whose value is a value (an address on the web, a name, a number), never another entity of the
# page: a person's url may be the page itself, and is their website, not a link to the page's node.
_VALUE_KEYS = {"url", "sameAs", "image", "logo", "photo", "thumbnailUrl", "contentUrl", "embedUrl", "email",
             "telephone", "faxNumber", "hasMap", "significantLink", "relatedLink", "additionalType", "name",
             "description", "identifier"}


def _number(objects: list, start: int) -> None:
    """Number every node (not bare references) in document order: JSON text order, microdata element order."""
    n = start
    stack: list[Any] = list(reversed(objects))
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict) or id(node) in seen or _is_ref(node):
            continue
        seen.add(id(node))
        node.setdefault("@pos", n)
        n += 1
        stack.extend(reversed([v for k, v in node.items() if isinstance(v, (dict, list)) and k != "@context"]))


def _from_microdata(item: dict, base_url: str) -> dict:
    """extruct's microdata items name their itemid "id": make it the node's @id (absolute, as links are)."""
    out = {}
    for k, v in item.items():
        if isinstance(v, dict):
            v = _from_microdata(v, base_url)
        elif isinstance(v, list):
            v = [_from_microdata(x, base_url) if isinstance(x, dict) else x for x in v]
        if k == "id" and "@type" in item and isinstance(v, str):
            k, v = "@id", urljoin(base_url, v) if base_url else v
        out[k] = v
    return out


def _rdfa_markup(root) -> str:
    """The page for pyRdfa, with an invisible position property as the first child of every typed element."""
    tree = copy.deepcopy(root)
    for n, el in enumerate(tree.xpath("//*[@typeof]")):
        if isinstance(el.tag, str) and el.tag.lower() not in _VOID:
            el.insert(0, lxml.html.Element("meta", property=_POS_IRI, content=str(_RDFA_POS + n)))
    return lxml.html.tostring(tree, encoding="unicode")


def _is_ref(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("@id"), str) and set(v) <= {"@id", "@type"}


def _node_id(ident: str, base_url: str) -> str:
    return ident if ident.startswith("_:") or not base_url else urljoin(base_url, ident)


def resolve_references(objects: list, base_url: str = "") -> None:
    """Replace references with the node of that @id on the page: `{"@id": …}` objects (Yoast and other
    @graph writers link a clinic to its PostalAddress, a page to its publisher, only by @id), and plain
    strings naming a node's @id ("author": "#author", a microdata link to an itemid). Ids are compared
    absolute, so "#clinic" names "https://site/page/#clinic". Shared nodes and cycles are fine: `walk`
    visits each node once."""
    by_id: dict[str, dict] = {}
    nodes = walk(objects)
    for node, _d, _p in nodes:
        if isinstance(node.get("@id"), str) and not _is_ref(node):
            by_id.setdefault(_node_id(node["@id"], base_url), node)
    if not by_id:
        return

    def target(k: str, v: Any, node: dict) -> Any:
        if _is_ref(v):
            t = by_id.get(_node_id(v["@id"], base_url))
        elif isinstance(v, str) and k not in _VALUE_KEYS and v.startswith(("#", "_:", "http://", "https://")):
            t = by_id.get(_node_id(v.strip(), base_url))
        else:
            return v
        return v if t is None or t is node else t

    for node, _d, _p in nodes:
        for k, v in list(node.items()):
            if k.startswith("@"):
                continue
            if isinstance(v, list):
                node[k] = [target(k, x, node) for x in v]
            else:
                node[k] = target(k, v, node)


def _from_rdfa(items: list, doc: str = "") -> list[dict]:
    """extruct's RDFa output is expanded JSON-LD (full IRIs, lists of {"@value"}, every node at the top,
    linked by @id): fold it to plain keys and link the nodes themselves, so that nodes pointing at each
    other (a clinic and the physician who works for it) stay a graph instead of vanishing. Nodes come in
    document order; values of one property (a set in RDF) too; text has its whitespace collapsed, as
    microdata's has."""
    raw = {i["@id"]: i for i in items if isinstance(i, dict) and isinstance(i.get("@id"), str)}

    def meaningful(i: dict) -> bool:
        return bool(i.get("@type")) or any(not k.startswith(("@", "http://www.w3.org/ns/rdfa#", _POS_IRI))
                                           for k in i)

    out = {k: {} for k, i in raw.items() if meaningful(i)}
    flat = " ".join(doc.split())

    def order(v: Any) -> tuple:
        if isinstance(v, dict):
            return (0, v.get("@pos", _RDFA_POS * 2), "")
        at = flat.find(v)
        return (1, at if at >= 0 else len(flat), v)

    for ident, node in out.items():
        item = raw[ident]
        if item.get("@type"):
            node["@type"] = sorted(_SCHEMA_PREFIX.sub("", t) for t in _as_list(item["@type"]) if isinstance(t, str))
        if not ident.startswith("_:"):
            node["@id"] = ident
        for prop, vals in sorted(item.items()):
            if prop == _POS_IRI:
                pos = [int(v["@value"]) for v in vals if str(v.get("@value", "")).isdigit()]
                if pos:
                    node["@pos"] = min(pos)
                continue
            if prop.startswith(("@", "http://www.w3.org/ns/rdfa#")):
                continue
            key = _SCHEMA_PREFIX.sub("", prop).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            conv: list[Any] = []
            for v in vals if isinstance(vals, list) else [vals]:
                if not isinstance(v, dict):
                    continue
                if "@value" in v:
                    conv.append(" ".join(str(v["@value"]).split()))
                elif isinstance(v.get("@id"), str):
                    t = v["@id"]
                    conv.append(out[t] if t in out and t != ident and key not in _VALUE_KEYS else t)
            if conv:
                conv.sort(key=order)
                node[key] = conv[0] if len(conv) == 1 else conv
    # Untyped nodes stay too: a property outside any typed element belongs to the page itself ("the
    # page's author"), and what it points to is not a top-level entity.
    nodes = sorted(out.values(), key=lambda n: (n.get("@pos", _RDFA_POS * 2), "@type" not in n,
                                                repr(sorted((k, v) for k, v in n.items() if isinstance(v, str)))))
    for i, n in enumerate(nodes):  # typed void elements (<link typeof=…>) and untyped nodes: after the rest
        n.setdefault("@pos", _RDFA_POS * 2 + i)
    return nodes


SYNTAX_NAMES = {"json-ld": "JSON-LD", "microdata": "microdata", "rdfa": "RDFa"}


def syntax_of(node: dict) -> str:
    """Which syntax a node of `load_structured` came from (its position says: JSON-LD, then microdata, then RDFa)."""
    pos = node.get("@pos")
    if not isinstance(pos, int):
        return ""
    return "json-ld" if pos < _MICRODATA_POS else "microdata" if pos < _RDFA_POS else "rdfa"


def types_used(objects: list) -> dict[str, list[str]]:
    """The schema.org types on a page per syntax, most used first: what a maintainer probing a site sees."""
    counts: dict[str, dict[str, list[int]]] = {}  # syntax -> type -> [uses, first position]
    for n, _d, _p in walk(objects):
        syntax = syntax_of(n)
        for t in _as_list(n.get("@type") or []):
            if syntax and isinstance(t, str) and t.strip():
                name = _SCHEMA_PREFIX.sub("", t).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
                seen = counts.setdefault(syntax, {}).setdefault(name, [0, n["@pos"]])
                seen[0], seen[1] = seen[0] + 1, min(seen[1], n["@pos"])
    return {s: sorted(c, key=lambda t: (-c[t][0], c[t][1])) for s in SYNTAX_NAMES if (c := counts.get(s))}


def walk(objects: list) -> list[tuple[dict, int, dict | None]]:
    """Every dict node reachable from the page's objects, as (node, depth, parent), capped for safety."""
    out: list[tuple[dict, int, dict | None]] = []
    stack: list[tuple[Any, int, dict | None]] = [(o, 0, None) for o in reversed(objects)]
    seen: set[int] = set()
    while stack and len(out) < _MAX_NODES:
        node, depth, parent = stack.pop()
        if isinstance(node, list):
            stack.extend((x, depth, parent) for x in reversed(node))
            continue
        if not isinstance(node, dict) or id(node) in seen or depth > 8:
            continue
        seen.add(id(node))
        if "@graph" in node:
            stack.extend((x, depth, parent) for x in reversed(_as_list(node["@graph"])))
        out.append((node, depth, parent))
        for k, v in reversed(list(node.items())):
            if isinstance(v, (dict, list)) and k != "@graph":
                stack.append((v, depth + 1, node))
    return out


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v]


def parse_address(v: Any) -> dict:
    """A PostalAddress (or a string, or a list of either) as street/city/region/postal_code/country."""
    if isinstance(v, list):
        for x in v:
            a = parse_address(x)
            if any(a.values()):
                return a
        return {}
    if isinstance(v, str):
        return {"address": v.strip()} if v.strip() else {}
    if not isinstance(v, dict):
        return {}
    if "address" in v and not any(k in v for k in ("streetAddress", "addressLocality")):
        return parse_address(v["address"])
    street = " ".join(_texts(v.get("streetAddress")))
    out = {
        "street": street,
        "city": _text(v.get("addressLocality")),
        "region": _text(v.get("addressRegion")),
        "postal_code": _text(v.get("postalCode")),
        "country": _text(v.get("addressCountry")),
    }
    return {k: x for k, x in out.items() if x}


def _geo(node: dict) -> tuple[float, float] | None:
    g = node.get("geo")
    if isinstance(g, list):
        g = g[0] if g else None
    if isinstance(g, dict):
        try:
            lat, lon = float(_text(g.get("latitude"))), float(_text(g.get("longitude")))
        except ValueError:
            return None
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def _name(node: dict) -> str:
    n = _text(node.get("name"))
    if not n:
        n = " ".join(x for x in (_text(node.get("givenName")), _text(node.get("familyName"))) if x)
    prefix = _text(node.get("honorificPrefix"))
    return f"{prefix} {n}".strip() if prefix and n and not n.startswith(prefix) else n


def _service_text(node: dict) -> list[str]:
    """Patient-facing text: description plus the names/descriptions of services the node lists."""
    parts = _texts(node.get("description"))
    for key in ("availableService", "hasOfferCatalog", "makesOffer", "knowsAbout", "medicalSpecialty",
                "itemListElement", "serviceType"):
        for v in _as_list(node.get(key)):
            if isinstance(v, dict):
                parts += [t for t in (_text(v.get("name")), _text(v.get("description"))) if t]
                if "itemListElement" in v:
                    parts += _service_text(v)
                if "itemOffered" in v and isinstance(v["itemOffered"], dict):
                    parts += _service_text(v["itemOffered"]) + _texts(v["itemOffered"].get("name"))
            elif isinstance(v, str) and v.strip():
                parts.append(v.strip())
    return parts


def _training_text(node: dict) -> list[str]:
    """Training claims in structured form become sentences the classifier can cite as evidence."""
    out = []
    for key, verb in (("hasCredential", "Holds"), ("alumniOf", "Trained at"), ("award", "Awarded"),
                      ("memberOf", "Member of"), ("hasCertification", "Certified:")):
        for v in _as_list(node.get(key)):
            t = _text(v.get("name") if isinstance(v, dict) else v)
            if t:
                out.append(f"{verb} {t}.")
    return out


def _iri(v: Any) -> str:
    """A url property as text: the address itself, also when a reader made it a node."""
    if isinstance(v, list):
        return next((t for x in v if (t := _iri(x))), "")
    if isinstance(v, dict):
        return v["@id"] if isinstance(v.get("@id"), str) and not v["@id"].startswith("_:") else _text(v.get("url"))
    return _text(v)


def _one_line(v: str) -> str:
    return " ".join(v.split())


def entity(node: dict, context: list[dict], listed_by: list[tuple[str, dict]] | None = None) -> dict:
    """Flatten one practitioner node, filling gaps from the organisations it links to (worksFor,
    workLocation…), the ones that list it (`listed_by`: (key, organisation) for employee, member,
    founder…), then the page's other subjects."""
    linked = [x for k in _LINK_KEYS for x in _as_list(node.get(k)) if isinstance(x, dict) and x is not node]
    linked += [x for _k, x in listed_by or [] if x not in linked]
    employers = [x for k, x in listed_by or [] if k in _EMPLOYER_KEYS]
    fill_from = linked + [c for c in context if c is not node and c not in linked]
    addr = parse_address(node.get("address"))
    practice = ""
    if _types(node) & PERSON_TYPES:  # a clinic's parent network is not its "practice"
        own = [x for k in ("workLocation", "worksFor") for x in _as_list(node.get(k)) if isinstance(x, dict)]
        # the clinic that lists them, unless they name a place of work of their own (a Place, say)
        for x in own or employers:
            if not practice and _types(x) & ORG_TYPES:
                practice = _name(x)
    for x in fill_from:
        if not addr:
            addr = parse_address(x.get("address"))
    phone = _text(node.get("telephone"))
    for x in fill_from:
        phone = phone or _text(x.get("telephone"))
    geo = _geo(node)
    for x in fill_from:
        geo = geo or _geo(x)
    texts = _service_text(node)
    if not texts:
        for x in linked:
            texts += _service_text(x)
    creds = _texts(node.get("honorificSuffix")) + _texts(node.get("jobTitle"))
    out = {
        "types": sorted(_types(node)),
        "name": _name(node),
        "credentials_text": ", ".join(creds),
        "practice": practice,
        "phone": re.sub(r"^tel:\s*", "", phone, flags=re.I),
        "website": _iri(node.get("url")) or next((_iri(x.get("url")) for x in linked if _iri(x.get("url"))), ""),
        "text": "\n".join(dict.fromkeys(texts + _training_text(node))),
        **addr,
    }
    # One line per field whatever the syntax (RDFa keeps a street's newlines; JSON-LD may too).
    out = {k: _one_line(v) if isinstance(v, str) and k != "text" else v for k, v in out.items()}
    if geo:
        out["lat"], out["lon"] = geo
    return out


# Through these a node credits, or merely relates to, another: whoever they reach is not a practitioner of
# this page (a work's author, publisher, reviewer, performer; an organisation's alumni; a person they know).
_NOT_SUBJECT_KEYS = {
    "author", "creator", "editor", "publisher", "reviewedBy", "reviewer", "lastReviewer", "contributor",
    "copyrightHolder", "sdPublisher", "sourceOrganization", "funder", "funding", "sponsor", "producer",
    "translator", "illustrator", "accountablePerson", "maintainer", "publishedBy", "publisherImprint",
    "creditedTo", "actor", "actors", "director", "directors", "performer", "performers", "organizer",
    "attendee", "attendees", "byArtist", "composer", "lyricist", "musicBy", "character", "broadcaster",
    "manufacturer", "brand", "seller", "offeredBy", "hiringOrganization", "alumni", "alumniOf", "memberOf",
    "affiliation", "hospitalAffiliation", "colleague", "colleagues", "knows", "knowsAbout", "follows", "spouse",
    "parent", "parents", "children", "sibling", "siblings", "relatedTo", "competitor", "endorsee", "owns",
    "isPartOf", "mainEntityOfPage", "breadcrumb", "potentialAction", "review", "reviews", "recipient",
    "agent", "participant", "instrument", "winner", "loser", "candidate", "customer", "broker", "buyer",
    "athlete", "coach", "borrower", "lender", "landlord", "sender", "toRecipient", "ccRecipient", "bccRecipient",
}
# From a creative work, event, product or action only these lead to the page's subjects (an article about
# a clinic, a talk held at one); the rest of its people and organisations are credits or participants.
_WORK_SUBJECT_KEYS = {"about", "mainEntity", "itemListElement", "item", "location", "announcementLocation"}
_CONTAINER_TYPES = {"webpage", "website", "aboutpage", "contactpage", "collectionpage", "profilepage", "itempage",
                    "medicalwebpage", "faqpage", "searchresultspage", "qapage", "itemlist", "listitem",
                    "breadcrumblist", "offercatalog", "realestatelisting"}
_SITE_TYPES = _CONTAINER_TYPES - {"itemlist", "listitem", "breadcrumblist", "offercatalog"}
# From a part to its whole: these do not make their target any less a top-level entity.
_BACK_KEYS = {"isPartOf", "mainEntityOfPage", "worksFor", "workLocation", "memberOf", "parentOrganization",
              "branchOf", "subjectOf", "affiliation", "hospitalAffiliation", "alumniOf", "practicesAt",
              "containedInPlace", "containedIn", "partOfSeries", "partOfSeason", "offeredBy"}
_STAFF_KEYS = ("employee", "employees", "member", "members", "founder", "founders", "physician",
               "medicalStaff", "subOrganization", "department")
_EMPLOYER_KEYS = {"employee", "employees", "founder", "founders", "physician", "medicalStaff"}


def _flat(v: Any) -> list:
    out, stack = [], [v]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


class _Graph:
    """The page's nodes and the named edges between them, with each node's document position."""

    def __init__(self, objects: list):
        walked = walk(objects)
        self.nodes = [n for n, _d, _p in walked]
        index = {id(n): i for i, n in enumerate(self.nodes)}
        self.pos = {id(n): (n["@pos"] if isinstance(n.get("@pos"), int) else 10 ** 9 + i)
                    for i, n in enumerate(self.nodes)}
        self.out: dict[int, list[tuple[str, dict]]] = {id(n): [] for n in self.nodes}
        self.into: dict[int, list[tuple[str, dict]]] = {id(n): [] for n in self.nodes}
        for n in self.nodes:
            for k, v in n.items():
                if k.startswith("@"):
                    continue
                for c in _flat(v):
                    if isinstance(c, dict) and id(c) in index and c is not n:
                        self.out[id(n)].append((k, c))
                        self.into[id(c)].append((k, n))

    def ordered(self, nodes) -> list[dict]:
        return sorted(nodes, key=lambda n: self.pos[id(n)])

    def roots(self) -> list[dict]:
        """The page's top-level entities: nodes nothing points to except from a part to its whole (a
        physician's worksFor, a volume's isPartOf, a person's mainEntityOfPage), so that a clinic and the
        physician linking back to it, a book and its volumes, keep their top; then, for nodes that only
        point at each other otherwise, the first of each such group in document order."""
        roots = [n for n in self.nodes if all(k in _BACK_KEYS for k, _p in self.into[id(n)])]
        reached = self._reach(roots, lambda _n, _k, _c: True)
        for n in self.ordered(self.nodes):
            if id(n) not in reached:
                roots.append(n)
                reached |= self._reach([n], lambda _n, _k, _c: True)
        return roots

    def _reach(self, start: list[dict], follow) -> set[int]:
        seen = {id(n) for n in start}
        stack = list(start)
        while stack:
            n = stack.pop()
            for k, c in self.out[id(n)]:
                if id(c) not in seen and follow(n, k, c):
                    seen.add(id(c))
                    stack.append(c)
        return seen

    def subjects(self) -> set[int]:
        """What the page is about: its top-level entities, what a page or list presents (mainEntity, about,
        itemListElement…), and the people and places of a practice (employee, member, founder, worksFor…);
        never what is only credited or related (author, publisher, performer, alumni, knows…)."""
        def follow(n: dict, k: str, _c: dict) -> bool:
            if k in _NOT_SUBJECT_KEYS:
                return False
            types = _types(n)
            if not types & (PRACTITIONER_TYPES | _CONTAINER_TYPES) and (
                    types & WORK_TYPES or any(t.endswith("action") for t in types)):
                return k in _WORK_SUBJECT_KEYS
            return True
        return self._reach(self.roots(), follow)


def practitioners(objects: list[dict], with_orgs: bool = False) -> list[dict]:
    """Practitioner entities on a page, people before organisations, each in document order.

    A practitioner is a node of a practitioner type that the page is about (see `_Graph.subjects`): a
    Person, Physician or clinic at the top, a page's main entity, a list's items, a practice's employees,
    members and founder, the practice a person works for. Authors, publishers, reviewers, editors and
    creators never are, nor anyone a book, event or product only credits. An organisation that merely
    employs the people on the page is context, not a practitioner of its own when people are present.
    """
    g = _Graph(objects)
    subjects = g.subjects()
    # The site's own publisher organisation (Yoast's on every page) is marked `site_owner`: the caller
    # decides, since on a clinic's own site the owner is the listing; it lends no address or phone to anyone.
    owners = {id(c) for n in g.nodes if _types(n) & _SITE_TYPES for k, c in g.out[id(n)]
              if k in ("publisher", "copyrightHolder")}
    # A page about something else (a product, a book, an event: its mainEntity or about) is not the
    # site owner's own listing, so the owner is no fallback there; a clinic's one-page site says nothing
    # of the kind, or names the clinic itself as its main entity.
    about_else = any(_types(c) and not _types(c) & (PRACTITIONER_TYPES | _CONTAINER_TYPES)
                     for n in g.nodes if _types(n) & _SITE_TYPES
                     for k, c in g.out[id(n)] if k in ("mainEntity", "about"))
    named = [n for n in g.ordered(g.nodes) if _name(n)]
    people = [n for n in named if _types(n) & PERSON_TYPES and id(n) in subjects]
    orgs = [n for n in named if _types(n) & ORG_TYPES and not _types(n) & PERSON_TYPES
            and (id(n) in subjects or (id(n) in owners and not about_else))]
    orgs.sort(key=lambda n: id(n) in owners)  # the site's publisher after the page's own organisations
    context = [n for n in orgs if id(n) not in owners]
    # On a one-practitioner page (with_orgs) the heading decides between a clinic and its staff, so
    # both are candidates, people first.
    chosen = (people + orgs) if with_orgs else (people or orgs)
    out: list[dict] = []
    for n in chosen:
        listed_by = [(k, p) for k, p in g.into[id(n)] if k in _STAFF_KEYS and _types(p) & ORG_TYPES
                     and id(p) not in owners]
        e = {**entity(n, context, listed_by), **({"site_owner": True} if id(n) in owners else {})}
        if e not in out:  # the same entity written twice (a JSON-LD copy per mention) is one
            out.append(e)
    return out


def has_contact(entity: dict) -> bool:
    """Whether an entity gives a phone or any part of a place of its own (a brand's or an author's node often
    gives only a name)."""
    return any(entity.get(f) for f in ("street", "city", "postal_code", "phone", "address", "lat"))


def named_in(entity: dict, heading: str) -> bool:
    """Whether the page heading names this entity (word for word, case and punctuation aside)."""
    h = re.sub(r"\W+", " ", heading or "").lower()
    n = re.sub(r"\W+", " ", entity.get("name") or "").lower().strip()
    return bool(h and n and n in h)


def pick_primary(entities: list[dict], heading: str = "") -> dict | None:
    """On a one-practitioner page, the entity the page is about: the one named in its heading, else the first."""
    if not entities:
        return None
    return next((e for e in entities if named_in(e, heading)), entities[0])
