"""Reading schema.org practitioner data (JSON-LD, microdata, RDFa) out of a page.

Sites nest the same facts in many shapes: a ``@graph``, a top-level list, ``@type`` as a list, a Person
whose address hangs off ``workLocation`` or ``worksFor``, a clinic listing its ``employee``s, an address
as a plain string. Everything here reduces those shapes to flat ``Entity`` dicts the spider can use.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import extruct
import lxml.html

log = logging.getLogger(__name__)

PERSON_TYPES = {"person", "physician", "individualphysician", "psychiatrist", "nurse", "psychologist"}
ORG_TYPES = {"medicalclinic", "medicalbusiness", "medicalorganization", "localbusiness", "organization",
             "healthandbeautybusiness", "hospital", "physiciansoffice", "psychiatric", "medicalcenter",
             "healthclub", "dayspa", "professionalservice", "veterinarycare", "pharmacy", "dentist",
             "diagnosticlab"}
PRACTITIONER_TYPES = PERSON_TYPES | ORG_TYPES
_SCHEMA_PREFIX = re.compile(r"^(https?://)?(www\.)?schema\.org/", re.I)
_LINK_KEYS = ("workLocation", "worksFor", "location", "affiliation", "parentOrganization", "hospitalAffiliation",
              "memberOf", "department", "branchOf")
_CHILD_KEYS = ("employee", "employees", "member", "members", "founder", "physician", "medicalStaff",
               "itemListElement", "item", "mainEntity", "about", "subOrganization", "department")
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
    """Every structured-data object on the page in one uniform (JSON-LD-like) shape."""
    objects: list[dict] = []
    bad = 0
    if "json-ld" in syntaxes:
        items, bad = load_jsonld(root, base_url)
        objects.extend(items)
    for syntax in ("microdata", "rdfa"):
        if syntax not in syntaxes:
            continue
        if syntax == "microdata" and not root.xpath("//*[@itemscope]"):
            continue
        if syntax == "rdfa" and not root.xpath("//*[@typeof or @property or @vocab]"):
            continue
        try:
            # pyRdfa needs its own parse of the markup; microdata can reuse the tree Scrapy already built.
            doc = lxml.html.tostring(root, encoding="unicode") if syntax == "rdfa" else root
            found = extruct.extract(doc, base_url=base_url, syntaxes=[syntax], uniform=True, errors="strict")
        except Exception:  # noqa: BLE001 - malformed markup in one syntax is counted and skipped
            bad += 1
            continue
        data = found.get(syntax, [])
        objects.extend(_from_rdfa(data) if syntax == "rdfa" else [d for d in data if isinstance(d, dict)])
    resolve_references(objects)
    return objects, bad


def _is_ref(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("@id"), str) and set(v) <= {"@id", "@type"}


def resolve_references(objects: list) -> None:
    """Replace `{"@id": …}` references with the node of that @id on the page (Yoast and other @graph
    writers link a clinic to its PostalAddress, a page to its publisher, only by @id). Shared nodes and
    cycles are fine: `walk` visits each node once."""
    by_id: dict[str, dict] = {}
    nodes = walk(objects)
    for node, _d, _p in nodes:
        if isinstance(node.get("@id"), str) and not _is_ref(node):
            by_id.setdefault(node["@id"], node)
    if not by_id:
        return
    for node, _d, _p in nodes:
        for k, v in list(node.items()):
            if _is_ref(v) and v["@id"] in by_id and by_id[v["@id"]] is not node:
                node[k] = by_id[v["@id"]]
            elif isinstance(v, list) and any(_is_ref(x) for x in v):
                node[k] = [by_id.get(x["@id"], x) if _is_ref(x) else x for x in v]


def _from_rdfa(items: list) -> list[dict]:
    """extruct's RDFa output is expanded JSON-LD (full IRIs, lists of {"@value"}); fold it to plain keys."""
    by_id = {i.get("@id"): i for i in items if isinstance(i, dict)}

    def conv(node, depth=0):
        if not isinstance(node, dict) or depth > 6:
            return node
        if "@value" in node:
            return node["@value"]
        if set(node) == {"@id"} and node["@id"] in by_id and depth < 6:
            node = by_id[node["@id"]]
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "@type":
                out["@type"] = [_SCHEMA_PREFIX.sub("", t) for t in (v if isinstance(v, list) else [v])]
                continue
            if k.startswith("@"):
                continue
            key = _SCHEMA_PREFIX.sub("", k).rsplit("/", 1)[-1]
            vals = [conv(x, depth + 1) for x in (v if isinstance(v, list) else [v])]
            out[key] = vals[0] if len(vals) == 1 else vals
        return out

    referenced = set()
    for i in items:
        for v in i.values() if isinstance(i, dict) else []:
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, dict) and set(x) == {"@id"}:
                    referenced.add(x["@id"])
    return [conv(i) for i in items if isinstance(i, dict) and _types(conv(i)) and i.get("@id") not in referenced]


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
        for k, v in node.items():
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


def entity(node: dict, context: list[dict]) -> dict:
    """Flatten one practitioner node, filling gaps from the organisations it links to or sits in."""
    linked = [x for k in _LINK_KEYS for x in _as_list(node.get(k)) if isinstance(x, dict)]
    fill_from = linked + [c for c in context if c is not node]
    addr = parse_address(node.get("address"))
    practice = ""
    if _types(node) & PERSON_TYPES:  # a clinic's parent network is not its "practice"
        for key in ("workLocation", "worksFor"):
            for x in _as_list(node.get(key)):
                if not practice and isinstance(x, dict) and _types(x) & ORG_TYPES:
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
        "phone": phone,
        "website": _text(node.get("url")) or next((_text(x.get("url")) for x in linked if _text(x.get("url"))), ""),
        "text": "\n".join(dict.fromkeys(texts + _training_text(node))),
        **addr,
    }
    if geo:
        out["lat"], out["lon"] = geo
    return out


def practitioners(objects: list[dict], with_orgs: bool = False) -> list[dict]:
    """Practitioner entities on a page, people before organisations, outermost first.

    An organisation that merely employs the people on the page is context, not a practitioner of its own
    when people are present.
    """
    nodes = walk(objects)
    # Who made or publishes the page is not its subject: authors and reviewers are not practitioners,
    # and the site's own publisher organisation is marked `site_owner` (the caller decides, since on a
    # clinic's own site the owner is the listing) and lends no address or phone to anyone.
    credited: set[int] = set()
    owners: set[int] = set()
    for n, _d, _p in nodes:
        for k in _CREDIT_KEYS:
            for x in _as_list(n.get(k)):
                if isinstance(x, dict):
                    credited.add(id(x))
                    if k in ("publisher", "copyrightHolder"):
                        owners.add(id(x))
    orgs = [(n, d) for n, d, _p in nodes if _types(n) & ORG_TYPES and not _types(n) & PERSON_TYPES and _name(n)]
    context = [n for n, _d in orgs if id(n) not in owners]
    subject_people = [(n, d) for n, d, _p in nodes
                      if _types(n) & PERSON_TYPES and _name(n) and id(n) not in credited]
    subject_people.sort(key=lambda nd: nd[1])
    orgs.sort(key=lambda nd: nd[1])
    # On a one-practitioner page (with_orgs) the heading decides between a clinic and its staff, so
    # both are candidates, people first.
    chosen = (subject_people + orgs) if with_orgs else (subject_people or orgs)
    return [{**entity(n, context), **({"site_owner": True} if id(n) in owners else {})} for n, _d in chosen]


_CREDIT_KEYS = ("author", "reviewedBy", "editor", "creator", "publisher", "copyrightHolder")


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
