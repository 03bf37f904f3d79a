#!/usr/bin/env python3
"""Generate the kapdir sample websites from ``people.toml``.

Usage (from the repository root)::

    .venv/bin/python crawler/samples/build.py

Every site lives in ``crawler/samples/<site>/``. The generator deletes and rewrites everything
in each site folder EXCEPT the hand-written ``source.toml``, then writes the site's
``expected.json`` (what a correct crawl must publish). Templates live in ``_templates/``
(not a site: it has no ``source.toml``). Output is deterministic: running twice changes nothing.

Only the standard library and jinja2 are used. All people, clinics and numbers are fictional.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "_templates"
CTX = "https://schema.org"

ROUTES = {"iv", "im", "intranasal", "oral", "subcutaneous"}
SETTINGS = {"in_clinic", "at_home", "unspecified"}
# kapdir.vocabulary.US_STATES (this generator runs on the standard library and jinja2 alone)
US_STATES = set("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ "
                "NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY".split())
PROGRAMS = {
    "polaris", "fluence", "ciis", "ipi", "prati", "ktc", "askp3", "maps",
    "spravato-rems", "journey-clinical", "onca", "sage", "living-medicine",
}
SITE_NAMES = ["lotus", "riverbend", "rainfall", "meadow", "oakline", "beacon", "harbor"]

STATE_NAMES = {
    "CA": "California", "CO": "Colorado", "IL": "Illinois", "NY": "New York",
    "OR": "Oregon", "TX": "Texas", "WA": "Washington",
}

JOB_TITLES = {
    "MD": "Psychiatrist",
    "DO": "Psychiatrist",
    "DO, MPH": "Psychiatrist",
    "PhD": "Clinical Psychologist",
    "PsyD": "Clinical Psychologist",
    "LMFT": "Licensed Marriage and Family Therapist",
    "LCSW": "Licensed Clinical Social Worker",
    "LICSW": "Licensed Independent Clinical Social Worker",
    "LPC": "Licensed Professional Counselor",
    "LMHC": "Licensed Mental Health Counselor",
    "NP": "Psychiatric Nurse Practitioner",
    "PMHNP": "Psychiatric Nurse Practitioner",
    "PMHNP-BC": "Psychiatric Nurse Practitioner",
}

SITES: dict[str, dict[str, Any]] = {
    "lotus": {
        "title": "Lotus Ketamine Network",
        "logo": "❀",
        "css": "/assets/lotus.css",
        "nav": [("Directory", "/directory/"), ("About", "/about/")],
        "footer": "© 2025 Lotus Ketamine Network · A directory, not a medical provider.",
        "theme": {"accent": "#8e5bb5", "accent_dark": "#5e3a80", "accent_soft": "#f3ecf8",
                  "bg": "#faf8fc", "radius": "14px",
                  "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
    },
    "riverbend": {
        "title": "Riverbend Clinic Network",
        "logo": "≈",
        "css": "/css/riverbend.css",
        "nav": [("Locations", "/locations/"), ("Home", "/")],
        "footer": "© 2025 Riverbend Clinic Network · Member clinics are independently owned.",
        "theme": {"accent": "#1f7a8c", "accent_dark": "#145565", "accent_soft": "#e3f2f5",
                  "bg": "#f6fafb", "radius": "6px",
                  "font": "'Helvetica Neue', Arial, sans-serif"},
    },
    "rainfall": {
        "title": "Rainfall Institute",
        "logo": "☂",
        "css": "/style.css",
        "nav": [("Certified clinicians", "/roster/"), ("Home", "/")],
        "footer": "© 2025 Rainfall Institute for Psychedelic-Assisted Care (fictional).",
        "theme": {"accent": "#3d5a80", "accent_dark": "#263c5a", "accent_soft": "#e6edf5",
                  "bg": "#f7f9fb", "radius": "4px",
                  "font": "Georgia, 'Times New Roman', serif"},
    },
    "meadow": {
        "title": "Meadow Care Finder",
        "logo": "✿",
        "css": "/static/meadow.css",
        "nav": [("About", "/about.html"), ("Contact", "/contact.html")],
        "footer": "© 2025 Meadow Care Finder · Profiles are updated as providers verify them.",
        "theme": {"accent": "#5a8f29", "accent_dark": "#3c6419", "accent_soft": "#eef5e4",
                  "bg": "#fbfcf7", "radius": "18px",
                  "font": "'Trebuchet MS', 'Segoe UI', sans-serif"},
    },
    "oakline": {
        "title": "Oakline Health Partners",
        "logo": "♣",
        "css": "/css/oakline.css",
        "nav": [("Find a provider", "/find-a-provider/"), ("Home", "/")],
        "footer": "© 2025 Oakline Health Partners · Referral network of independent practices.",
        "theme": {"accent": "#9a6b3f", "accent_dark": "#6b4726", "accent_soft": "#f5ede4",
                  "bg": "#fdfaf6", "radius": "3px",
                  "font": "Verdana, Geneva, sans-serif"},
    },
    "beacon": {
        "title": "Beacon Clinic Locator",
        "logo": "✦",
        "css": "/assets/beacon.css",
        "nav": [("Locator data", "/api/locations/1.json"), ("Home", "/")],
        "footer": "© 2025 Beacon Clinic Locator · Data supplied by listed clinics.",
        "theme": {"accent": "#d9822b", "accent_dark": "#a35a12", "accent_soft": "#fbefe2",
                  "bg": "#fffaf5", "radius": "8px",
                  "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
    },
    "harbor": {
        "title": "Harbor Psychedelic Therapy Collective",
        "logo": "⚓",
        "css": "/assets/harbor.css",
        "nav": [("Team", "/team/"), ("Home", "/")],
        "footer": "© 2025 Harbor Psychedelic Therapy Collective · Seattle · Portland.",
        "theme": {"accent": "#274c77", "accent_dark": "#17304f", "accent_soft": "#e7eef6",
                  "bg": "#f8fafc", "radius": "10px",
                  "font": "'Gill Sans', 'Gill Sans MT', Calibri, sans-serif"},
    },
}


# --------------------------------------------------------------------------- helpers


def e164(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits


def fmt_phone(phone: str, style: str) -> str:
    d = e164(phone)[2:]
    a, b, c = d[:3], d[3:6], d[6:]
    return {
        "paren": f"({a}) {b}-{c}",
        "dash": f"{a}-{b}-{c}",
        "dot": f"{a}.{b}.{c}",
        "intl": f"+1 {a} {b} {c}",
        "intl-dash": f"+1-{a}-{b}-{c}",
        "one-dash": f"1-{a}-{b}-{c}",
        "e164": f"+1{d}",
    }[style]


def website_label(url: str) -> str:
    return re.sub(r"^https?://", "", url).rstrip("/")


def initials(name: str) -> str:
    parts = [w for w in re.split(r"[\s&—–-]+", name) if w and w[0].isalpha()]
    return "".join(w[0] for w in parts[:2]).upper()


def postal(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "@type": "PostalAddress",
        "streetAddress": p["street"],
        "addressLocality": p["city"],
        "addressRegion": p["region"],
        "postalCode": p["postal_code"],
        "addressCountry": "US",
    }


def address_line(p: dict[str, Any]) -> str:
    return f"{p['street']}, {p['city']}, {p['region']} {p['postal_code']}"


def dump_jsonld(data: Any) -> str:
    # "</" must never appear inside a <script> element.
    return json.dumps(data, indent=2, ensure_ascii=False).replace("</", "<\\/")


ABBREVIATIONS = ("Dr.", "Mr.", "Ms.", "Mrs.", "St.", "Ave.", "e.g.", "i.e.")


def first_sentence(text: str, limit: int = 150) -> str:
    s = text
    for m in re.finditer(r"[.!?](?=\s|$)", text):
        head = text[: m.end()]
        if not head.endswith(ABBREVIATIONS):
            s = head
            break
    if len(s) > limit:
        s = s[: limit - 1].rsplit(" ", 1)[0] + "…"
    return s


def default_display(p: dict[str, Any], *, with_title: bool = True, comma: bool = True) -> str:
    if p["kind"] == "clinic" or not p.get("credentials"):
        return p["name"]
    title = f"{p['honorific']} " if with_title and p.get("honorific") else ""
    sep = ", " if comma else " "
    return f"{title}{p['name']}{sep}{p['credentials']}"


def view(p: dict[str, Any], site: str, phone_style: str = "paren", **extra: Any) -> dict[str, Any]:
    """A copy of an entry with the computed fields the templates need."""
    v = dict(p)
    v.setdefault("honorific", "")
    v["display"] = p.get("display", {}).get(site) or default_display(p)
    v["e164"] = e164(p["phone"]) if p.get("phone") else ""
    v["phone_display"] = fmt_phone(p["phone"], phone_style) if p.get("phone") else ""
    v["website_label"] = website_label(p["website"]) if p.get("website") else ""
    v["initials"] = initials(p["name"])
    v["job_title"] = JOB_TITLES.get(p.get("credentials", ""), "Clinic")
    v["first_name"] = p["name"].split()[0]
    v["address_line"] = address_line(p) if p.get("street") else ""
    if p["kind"] == "clinic" and p.get("practice", p["name"]) == p["name"]:
        v["practice"] = f"Clinic · {p['city']}, {p['region']}" if p.get("city") else ""
    v.update(extra)
    return v


def expected_entry(
    p: dict[str, Any], source: str, *, roster_cert: str | None = None, with_postal: bool = True,
    name: str | None = None,
) -> dict[str, Any]:
    routes = [] if roster_cert else sorted([list(r) for r in p["routes"]])
    programs = [roster_cert] if roster_cert else sorted(p["programs"])
    return {
        "name": name or p["name"],
        "credentials": p["credentials"] or None,
        "city": p["city"],
        "region": p["region"],
        "postal_code": p["postal_code"] if with_postal else None,
        "phone": e164(p["phone"]) if p["phone"] else None,
        "website": p["website"] or None,
        "routes": routes,
        "offers_at_home": any(setting == "at_home" for _, setting in routes),
        "programs": programs,
        "serves": [] if roster_cert else sorted(p.get("serves", [])),
        "source": source,
    }


class Site:
    """Collects the files of one site and its expected.json."""

    def __init__(self, name: str, env: Environment):
        self.name = name
        self.env = env
        self.meta = {"name": name, **SITES[name]}
        self.files: dict[str, str] = {}
        self.expected: dict[str, Any] = {
            "site": name,
            "practitioners": [],
            "rejected": [],
            "never_fetched": [],
            "noindex": [],
            "missing": [],
            "must_not_publish": [],
        }

    def render(self, path: str, template: str, **ctx: Any) -> None:
        html = self.env.get_template(template).render(site=self.meta, **ctx)
        self.add(path, html)

    def add(self, path: str, text: str) -> None:
        """``path`` is the URL path; ``/x/`` is stored as ``x/index.html``."""
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if rel in self.files:
            raise ValueError(f"{self.name}: duplicate file {rel}")
        self.files[rel] = text.rstrip("\n") + "\n"

    def add_json(self, path: str, data: Any) -> None:
        self.add(path, json.dumps(data, indent=2, ensure_ascii=False))

    def add_css(self) -> None:
        css = self.env.get_template("site.css").render(site=self.meta, theme=self.meta["theme"])
        self.add(self.meta["css"], css)

    def decoy(self, d: dict[str, Any]) -> None:
        trap = d["trap"]
        key = {"rejected": "rejected", "noindex": "noindex", "robots": "never_fetched",
               "missing": "missing", "cohort": None}[trap]
        if key == "rejected":
            self.expected["rejected"].append(d["name"])
        elif key:
            self.expected[key].append(d["path"])
        self.expected["must_not_publish"].append(d["name"])

    def write(self) -> int:
        root = HERE / self.name
        root.mkdir(exist_ok=True)
        for child in root.iterdir():
            if child.name == "source.toml":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        self.add_json("/expected.json", self.expected)
        for rel, text in sorted(self.files.items()):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return len(self.files)


# --------------------------------------------------------------------------- lotus


def lotus_jsonld(v: dict[str, Any], path: str, shape: str) -> Any:
    phone = v["phone"]
    if shape == "physician":
        return {
            "@context": CTX, "@type": "Physician", "name": v["display"],
            "medicalSpecialty": "Psychiatric", "telephone": fmt_phone(phone, "paren"),
            "url": v["website"], "address": postal(v), "description": v["service"],
            "isAcceptingNewPatients": True,
        }
    if shape == "person-worklocation":
        return {
            "@context": CTX, "@type": "Person", "name": v["name"],
            "honorificSuffix": v["credentials"], "jobTitle": v["job_title"],
            "telephone": fmt_phone(phone, "intl-dash"), "url": v["website"],
            "description": v["service"],
            "workLocation": {"@type": "MedicalClinic", "name": v["practice"], "address": postal(v)},
        }
    if shape == "graph":
        return {
            "@context": CTX,
            "@graph": [
                {"@type": "WebPage", "@id": f"{path}#webpage", "url": path,
                 "name": f"{v['display']} | Lotus Ketamine Network",
                 "breadcrumb": {"@id": f"{path}#breadcrumb"}},
                {"@type": "BreadcrumbList", "@id": f"{path}#breadcrumb", "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": "/"},
                    {"@type": "ListItem", "position": 2, "name": "Directory", "item": "/directory/"},
                    {"@type": "ListItem", "position": 3, "name": v["display"], "item": path},
                ]},
                {"@type": "MedicalClinic", "@id": f"{path}#clinic", "name": v["display"],
                 "url": v["website"], "telephone": fmt_phone(phone, "intl-dash"),
                 "address": postal(v), "description": v["service"],
                 "mainEntityOfPage": {"@id": f"{path}#webpage"}},
            ],
        }
    if shape == "array":
        entity_type = "Physician" if v["credentials"] in ("MD", "DO") else "Person"
        return [
            {"@context": CTX, "@type": "Organization", "name": "Lotus Ketamine Network", "url": "/"},
            {"@context": CTX, "@type": entity_type, "name": v["display"],
             "telephone": fmt_phone(phone, "dash"), "url": v["website"], "address": postal(v),
             "description": v["service"]},
        ]
    if shape == "typelist":
        return {
            "@context": CTX, "@type": ["Physician", "MedicalBusiness"], "name": v["display"],
            "telephone": fmt_phone(phone, "dot"), "url": v["website"], "address": postal(v),
            "description": v["service"], "priceRange": "$$$",
        }
    if shape == "address-string":
        return {
            "@context": CTX, "@type": "MedicalBusiness", "name": v["display"],
            "address": address_line(v), "telephone": fmt_phone(phone, "paren"),
            "url": v["website"], "description": v["service"],
        }
    if shape == "body-only":
        return {
            "@context": CTX, "@type": "Person", "name": v["display"], "jobTitle": v["job_title"],
            "telephone": fmt_phone(phone, "intl"), "url": v["website"], "address": postal(v),
        }
    if shape == "beauty":
        return {
            "@context": CTX, "@type": "HealthAndBeautyBusiness", "name": v["display"],
            "telephone": fmt_phone(phone, "paren"), "url": v["website"], "address": postal(v),
            "description": v["service"], "priceRange": "$$",
        }
    raise ValueError(f"unknown lotus shape {shape!r}")


def build_lotus(site: Site, people: list[dict], decoys: list[dict]) -> None:
    entries = [p for p in people if "lotus" in p["sites"]]
    cards: list[tuple[str, dict[str, Any], str, dict[str, Any] | None]] = []
    for p in entries:
        cards.append((f"/provider/{p['slug']}/", p, p["lotus_shape"], None))
    # Decoys are interleaved with real listings so that every directory page has traps.
    positions = {"glow-drip-lounge": 4, "nolan-price": 10, "secret-provider": 13, "preview-iris-north": 19}
    for d in sorted((d for d in decoys if d["site"] == "lotus"), key=lambda d: positions[d["slug"]]):
        shape = "beauty" if d["trap"] == "rejected" else (
            "physician" if d["credentials"] == "MD" else "body-only")
        cards.insert(positions[d["slug"]], (d["path"], d, shape, d))
        site.decoy(d)

    per_page = 8
    pages = math.ceil(len(cards) / per_page)
    page_paths = ["/directory/"] + [f"/directory/page/{n}/" for n in range(2, pages + 1)]
    page_links = list(zip(range(1, pages + 1), page_paths, strict=True))
    for i in range(pages):
        chunk = cards[i * per_page:(i + 1) * per_page]
        card_views = []
        for path, p, _shape, _d in chunk:
            v = view(p, "lotus")
            v["href"] = path
            v["snippet"] = first_sentence(p["service"])
            card_views.append(v)
        site.render(
            page_paths[i], "lotus/directory.html", cards=card_views, page=i + 1, pages=pages,
            total=len(cards), page_links=page_links,
            prev=page_paths[i - 1] if i > 0 else None,
            next=page_paths[i + 1] if i + 1 < pages else None,
        )

    for path, p, shape, d in cards:
        v = view(p, "lotus")
        site.render(path, "lotus/provider.html", p=v, jsonld=dump_jsonld(lotus_jsonld(v, path, shape)),
                    noindex=bool(d and d["trap"] == "noindex"))
        if d is None:
            site.expected["practitioners"].append(expected_entry(p, path))

    featured = []
    for slug in ("elena-marsh", "hannah-okafor", "lakeshore-ketamine", "miguel-santos"):
        p = next(x for x in entries if x["slug"] == slug)
        featured.append(view(p, "lotus", href=f"/provider/{slug}/"))
    site.render("/", "lotus/home.html", featured=featured)
    site.render("/about/", "lotus/about.html")
    site.add("/robots.txt", "# Lotus Ketamine Network\nUser-agent: *\nDisallow: /private/\n"
                            "Disallow: /provider/preview-\n")
    site.add_css()


# --------------------------------------------------------------------------- riverbend


def riverbend_jsonld(v: dict[str, Any], path: str) -> Any:
    network = {"@type": "Organization", "name": "Riverbend Clinic Network", "url": "/"}
    geo: dict[str, Any] = {"@type": "GeoCoordinates", "latitude": v["lat"], "longitude": v["lon"]}
    if v["slug"] == "pinecrest-ketamine":  # geo given as strings, as some CMSes do
        geo = {"@type": "GeoCoordinates", "latitude": f"{v['lat']:.4f}", "longitude": f"{v['lon']:.4f}"}
    clinic = {
        "@type": "MedicalClinic", "@id": f"{path}#clinic", "name": v["display"], "url": v["website"],
        "telephone": fmt_phone(v["phone"], "intl-dash"), "address": postal(v), "geo": geo,
        "description": v["service"], "medicalSpecialty": "Psychiatric",
        "openingHoursSpecification": [{
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            "opens": "08:00", "closes": "17:00",
        }],
    }
    if v["slug"] == "fernhill-ketamine":  # network and clinic as separate @graph nodes
        network_node = {**network, "@id": "/#network"}
        clinic["parentOrganization"] = {"@id": "/#network"}
        return {"@context": CTX, "@graph": [network_node, clinic]}
    if v["slug"] == "bluebonnet-mood-center":
        clinic["availableService"] = [
            {"@type": "MedicalTherapy", "name": "Spravato (esketamine) nasal spray"}]
    clinic["parentOrganization"] = network
    return {"@context": CTX, **clinic}


def build_riverbend(site: Site, people: list[dict]) -> None:
    entries = [p for p in people if "riverbend" in p["sites"]]
    entries.sort(key=lambda p: (p["region"], p["city"], p["name"]))
    views = []
    for p in entries:
        path = f"/locations/{p['slug']}.html"
        v = view(p, "riverbend", href=path)
        views.append(v)
        site.render(path, "riverbend/location.html", p=v, jsonld=dump_jsonld(riverbend_jsonld(v, path)))
        site.expected["practitioners"].append(expected_entry(p, path))
    item_list = {
        "@context": CTX, "@type": "ItemList", "name": "Riverbend member clinics",
        "itemListElement": [
            {"@type": "ListItem", "position": i + 1, "url": v["href"], "name": v["display"]}
            for i, v in enumerate(views)
        ],
    }
    site.render("/locations/", "riverbend/locations.html", clinics=views, jsonld=dump_jsonld(item_list))
    site.render("/", "riverbend/home.html")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    site.add_css()


# --------------------------------------------------------------------------- rainfall


def build_rainfall(site: Site, people: list[dict], decoys: list[dict]) -> None:
    entries = [p for p in people if "rainfall" in p["sites"]]
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in sorted(entries, key=lambda p: (STATE_NAMES[p["region"]], p["name"].split()[-1])):
        groups.setdefault(STATE_NAMES[p["region"]], []).append(
            view(p, "rainfall", phone_style="dot", display=p.get("display", {}).get("rainfall", p["name"])))
    for rows in groups.values():
        for r in rows:
            # the roster spells names its own way ("Lucia Moreno"): expect what the page says
            shown = re.sub(r"^Dr\.\s+", "", r["display"])
            site.expected["practitioners"].append(
                expected_entry(r, "/roster/", roster_cert="polaris", with_postal=False, name=shown))
    cohort = [d for d in decoys if d["site"] == "rainfall"]
    for d in cohort:
        site.decoy(d)
    site.render("/roster/", "rainfall/roster.html", groups=list(groups.items()), count=len(entries),
                cohort=cohort, updated="March 2025")
    site.render("/", "rainfall/home.html")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    site.add_css()


# --------------------------------------------------------------------------- meadow

MEADOW_PAGES = {
    "/about.html": ("How we verify providers", [
        "Meadow checks every provider's licence with the relevant state board before a profile goes live, "
        "and asks providers to confirm their details every six months.",
        "We list only clinicians and clinics. We do not sell ads or rank providers.",
    ]),
    "/contact.html": ("Contact", [
        "Email referrals@meadow-care.example.org and we will reply within two working days.",
        "Meadow is not a crisis service. In an emergency call 911, or call or text 988.",
    ]),
}


def build_meadow(site: Site, people: list[dict], decoys: list[dict]) -> None:
    entries = [p for p in people if "meadow" in p["sites"]]
    lastmods = ["2025-01-14", "2025-02-03", "2025-02-27", "2025-03-11", "2025-04-02", "2025-04-20",
                "2025-05-06", "2025-05-19"]
    urls: list[tuple[str, str]] = []

    def meadow_view(p: dict[str, Any]) -> dict[str, Any]:
        return view(p, "meadow", phone_style="dash",
                    display=p.get("display", {}).get("meadow") or default_display(p, comma=False))

    for i, p in enumerate(entries):
        path = f"/p/{p['slug']}.html"
        v = meadow_view(p)
        if p["meadow_markup"] == "microdata":
            entity = "MedicalClinic" if p["kind"] == "clinic" else "Physician"
            # one page uses the old http:// vocabulary URL and puts itemprop=telephone on the <a>
            schema = "http://schema.org" if p["slug"] == "owen-hartley" else CTX
            site.render(path, "meadow/provider_microdata.html", p=v, itemtype=f"{schema}/{entity}",
                        schema=schema, tel_on_link=p["slug"] == "owen-hartley")
        else:
            if p["kind"] == "clinic":
                rdftype = "MedicalClinic"
            elif p["credentials"] in ("MD", "DO"):
                rdftype = "Physician"
            else:
                rdftype = "Person"
            site.render(path, "meadow/provider_rdfa.html", p=v, rdftype=rdftype)
        urls.append((path, lastmods[i % len(lastmods)]))
        site.expected["practitioners"].append(expected_entry(p, path))

    for d in (d for d in decoys if d["site"] == "meadow"):
        site.decoy(d)
        urls.append((d["path"], "2025-05-20"))
        if d["trap"] == "robots":
            v = meadow_view(d)
            site.render(d["path"], "meadow/provider_microdata.html", p=v, itemtype=f"{CTX}/Person",
                        schema=CTX, tel_on_link=False)

    def urlset(items: list[tuple[str, str | None]]) -> str:
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        for loc, lastmod in items:
            out.append("  <url>")
            out.append(f"    <loc>{loc}</loc>")
            if lastmod:
                out.append(f"    <lastmod>{lastmod}</lastmod>")
            out.append("  </url>")
        out.append("</urlset>")
        return "\n".join(out)

    site.add("/sitemaps/providers.xml", urlset(list(urls)))
    site.add("/sitemaps/pages.xml", urlset([("/", None), ("/about.html", None), ("/contact.html", None)]))
    site.add("/sitemap_index.xml", "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        "  <sitemap>",
        "    <loc>/sitemaps/providers.xml</loc>",
        "    <lastmod>2025-05-20</lastmod>",
        "  </sitemap>",
        "  <sitemap>",
        "    <loc>/sitemaps/pages.xml</loc>",
        "    <lastmod>2025-01-02</lastmod>",
        "  </sitemap>",
        "</sitemapindex>",
    ]))
    site.add("/robots.txt", "# Meadow Care Finder\nUser-agent: *\nDisallow: /drafts/\n\n"
                            "Sitemap: /sitemap_index.xml\n")
    for path, (heading, paragraphs) in MEADOW_PAGES.items():
        site.render(path, "meadow/page.html", heading=heading, paragraphs=paragraphs)
    site.render("/", "meadow/home.html")
    site.add_css()


# --------------------------------------------------------------------------- oakline


def build_oakline(site: Site, people: list[dict], decoys: list[dict]) -> None:
    items: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        (p, None) for p in people if "oakline" in p["sites"]]
    for d in decoys:
        if d["site"] == "oakline":
            items.append((d, d))
            site.decoy(d)
    items.sort(key=lambda it: (it[0]["region"], it[0]["city"], it[0]["name"]))
    per_page = 4
    pages = math.ceil(len(items) / per_page)
    paths = ["/find-a-provider/"] + [f"/find-a-provider/{n}/" for n in range(2, pages + 1)]
    for i in range(pages):
        chunk = items[i * per_page:(i + 1) * per_page]
        views = []
        for p, d in chunk:
            style = "dot" if p["slug"] == "julia-park" else "dash"
            views.append(view(p, "oakline", phone_style=style))
            if d is None:
                site.expected["practitioners"].append(expected_entry(p, paths[i]))
        site.render(paths[i], "oakline/listing.html", items=views, page=i + 1, pages=pages,
                    prev=paths[i - 1] if i > 0 else None, next=paths[i + 1] if i + 1 < pages else None)
    site.render("/", "oakline/home.html")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    site.add_css()


# --------------------------------------------------------------------------- beacon


def build_beacon(site: Site, people: list[dict], decoys: list[dict]) -> None:
    order = ["lakeshore-ketamine", "mile-high-spravato", "evenstar-telehealth", "stillwater-ketamine",
             "haight-street-ketamine", "lakeview-tms", "atlantic-avenue-ketamine"]
    by_slug = {p["slug"]: (p, None) for p in people if "beacon" in p["sites"]}
    for d in decoys:
        if d["site"] == "beacon":
            by_slug[d["slug"]] = (d, d)
            site.decoy(d)
    if set(order) != set(by_slug):
        raise ValueError(f"beacon order mismatch: {sorted(set(order) ^ set(by_slug))}")
    per_page = 4
    pages = math.ceil(len(order) / per_page)
    for i in range(pages):
        path = f"/api/locations/{i + 1}.json"
        locations = []
        for n, slug in enumerate(order[i * per_page:(i + 1) * per_page]):
            p, d = by_slug[slug]
            style = "one-dash" if slug == "evenstar-telehealth" else "intl"
            text = p["service"] + (" " + p["training"] if p.get("training") else "")
            locations.append({
                "id": f"bcn-{1001 + i * per_page + n}",
                "name": p["name"],
                "address": {"line1": p["street"], "line2": None, "city": p["city"],
                            "state": p["region"], "zip": p["postal_code"]},
                "lat": p.get("lat"),
                "lng": p.get("lon"),
                "phone": fmt_phone(p["phone"], style),
                "url": p["website"],
                "telehealth": slug == "evenstar-telehealth",
                "services": text,
                "providers": [{"name": name} for name in p.get("beacon_providers", [])],
                "updated": "2025-04-30",
            })
            if d is None:
                site.expected["practitioners"].append(expected_entry(p, f"{path}#{locations[-1]['id']}"))
        site.add_json(path, {
            "page": i + 1,
            "per_page": per_page,
            "total": len(order),
            "next": f"/api/locations/{i + 2}.json" if i + 1 < pages else None,
            "locations": locations,
        })
    site.render("/", "beacon/home.html")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    site.add_css()


# --------------------------------------------------------------------------- harbor


def build_harbor(site: Site, people: list[dict], orgs: dict[str, dict]) -> None:
    entries = [p for p in people if "harbor" in p["sites"]]
    members = []
    for p in entries:
        org = orgs[p["harbor_org"]]
        inherit = p.get("harbor_inherit", "")
        path = f"/team/{p['slug']}/"
        v = view(p, "harbor", href=path)
        person: dict[str, Any] = {
            "@type": "Person",
            "name": f"Dr. {p['name']}" if p["slug"] == "felix-romero" else p["name"],
            "honorificSuffix": p["credentials"],
            "jobTitle": v["job_title"],
            "description": p["service"],
        }
        if inherit != "all":
            person["telephone"] = fmt_phone(p["phone"], "e164")
            person["url"] = p["website"]
        if not inherit:
            person["workLocation"] = {"@type": "Place", "name": p["practice"], "address": postal(p)}
        node: dict[str, Any] = {
            "@context": CTX, "@type": "MedicalOrganization", "name": org["name"], "url": org["website"],
            "telephone": fmt_phone(org["phone"], "paren"), "address": postal(org),
        }
        link = p["harbor_link"]
        if link == "employee":
            node["employee"] = [person]
        elif link == "member":
            node["member"] = [person]
        elif link == "member-object":
            node["member"] = person
        else:
            raise ValueError(f"unknown harbor_link {link!r}")
        site.render(path, "harbor/member.html", p=v, org=org, jsonld=dump_jsonld(node))
        site.expected["practitioners"].append(expected_entry(p, path))
        members.append(v)
    listing = {
        "@context": CTX, "@type": "MedicalOrganization", "name": "Harbor Psychedelic Therapy Collective",
        "url": "/",
        "employee": [{"@type": "Person", "name": v["name"], "url": v["href"]} for v in members],
    }
    site.render("/team/", "harbor/team.html", members=members, jsonld=dump_jsonld(listing))
    site.render("/", "harbor/home.html")
    site.add("/robots.txt", "User-agent: *\nDisallow:\n")
    site.add_css()


# --------------------------------------------------------------------------- validation


def validate(people: list[dict], decoys: list[dict], orgs: dict[str, dict]) -> list[str]:
    errors: list[str] = []
    slugs: set[str] = set()
    phones: dict[str, str] = {}
    for p in people + decoys:
        tag = p["slug"]
        if tag in slugs:
            errors.append(f"duplicate slug {tag}")
        slugs.add(tag)
        if p.get("phone"):
            if not re.fullmatch(r"\(\d{3}\) 555-01\d\d", p["phone"]):
                errors.append(f"{tag}: phone {p['phone']!r} not in (xxx) 555-01xx form")
            shared = p.get("harbor_inherit") == "all"
            if e164(p["phone"]) in phones and not shared:
                errors.append(f"{tag}: phone also used by {phones[e164(p['phone'])]}")
            phones.setdefault(e164(p["phone"]), tag)
        if p.get("website") and not re.match(r"https://[a-z0-9.-]+\.example\.(com|org|net)/", p["website"]):
            errors.append(f"{tag}: website must be https on example.com/org/net")
        if p.get("postal_code") and not re.fullmatch(r"\d{5}", p["postal_code"]):
            errors.append(f"{tag}: bad ZIP")
    for p in people:
        tag = p["slug"]
        for route, setting in p["routes"]:
            if route not in ROUTES or setting not in SETTINGS:
                errors.append(f"{tag}: bad route {route}/{setting}")
            if route == "intranasal" and setting != "in_clinic":
                errors.append(f"{tag}: intranasal must be in_clinic")
        errors += [f"{tag}: unknown programme {x}" for x in p["programs"] if x not in PROGRAMS]
        errors += [f"{tag}: serves {x} is not a US state code" for x in p.get("serves", []) if x not in US_STATES]
        if not p["sites"] or any(s not in SITE_NAMES for s in p["sites"]):
            errors.append(f"{tag}: bad sites {p['sites']}")
        if "lotus" in p["sites"] and not p.get("lotus_shape"):
            errors.append(f"{tag}: lotus entry needs lotus_shape")
        if "meadow" in p["sites"] and p.get("meadow_markup") not in ("microdata", "rdfa"):
            errors.append(f"{tag}: meadow entry needs meadow_markup")
        if "riverbend" in p["sites"] and ("lat" not in p or "lon" not in p):
            errors.append(f"{tag}: riverbend entry needs lat/lon")
        if "rainfall" in p["sites"] and "polaris" not in p["programs"]:
            errors.append(f"{tag}: on the polaris roster but training does not claim polaris")
        if set(p["sites"]) - {"rainfall"} and not p["service"]:
            errors.append(f"{tag}: listed with a service text but service is empty")
        if "harbor" in p["sites"]:
            org = orgs.get(p.get("harbor_org", ""))
            if org is None:
                errors.append(f"{tag}: unknown harbor_org")
            elif p.get("harbor_inherit") == "all":
                for key in ("street", "city", "region", "postal_code", "phone", "website"):
                    if p[key] != org[key]:
                        errors.append(f"{tag}: inherits {key} from {org['id']} but values differ")
            elif p.get("harbor_inherit") == "address":
                for key in ("street", "city", "region", "postal_code"):
                    if p[key] != org[key]:
                        errors.append(f"{tag}: inherits {key} from {org['id']} but values differ")
    return errors


# --------------------------------------------------------------------------- main


def load() -> tuple[list[dict], list[dict], dict[str, dict]]:
    with open(HERE / "people.toml", "rb") as fh:
        data = tomllib.load(fh)
    people = data["practitioner"]
    for p in people:
        p.setdefault("honorific", "")
        p.setdefault("display", {})
    decoys = data.get("decoy", [])
    for d in decoys:
        d.setdefault("honorific", "")
        d.setdefault("display", {})
        d.setdefault("practice", d["name"] if d["kind"] == "clinic" else "")
    orgs = {o["id"]: o for o in data.get("organization", [])}
    return people, decoys, orgs


def main() -> int:
    people, decoys, orgs = load()
    errors = validate(people, decoys, orgs)
    if errors:
        for e in errors:
            print("error:", e, file=sys.stderr)
        return 1
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    sites = {name: Site(name, env) for name in SITE_NAMES}
    build_lotus(sites["lotus"], people, decoys)
    build_riverbend(sites["riverbend"], people)
    build_rainfall(sites["rainfall"], people, decoys)
    build_meadow(sites["meadow"], people, decoys)
    build_oakline(sites["oakline"], people, decoys)
    build_beacon(sites["beacon"], people, decoys)
    build_harbor(sites["harbor"], people, orgs)
    for name, site in sites.items():
        count = site.write()
        print(f"{name:10s} {len(site.expected['practitioners']):3d} practitioners, {count:3d} files")
    demo = {p["slug"] for p in people if set(p["sites"]) - {"harbor"}}
    cities = sorted({(p["city"], p["region"]) for p in people})
    print(f"distinct entries: {len(people)} ({len(demo)} on demo sites), cities: {len(cities)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
