"""A listing page of repeated cards, read without selectors: one practitioner or location per card.

Why: provider finders, partner lists and team grids (WordPress team widgets, page builders, hand-written
HTML) repeat one block per entry — a heading with the name, then a phone, an address, a link and a few
lines about services — with no structured data. The block's markup differs on every site, but the shape
does not: sibling elements with the same tag and class, most of them holding a name and a way to find
the place (a phone or an address). A maintainer should not have to write `[selectors]` for that.

What is not a card list: navigation, header and footer blocks; lists of posts or services (no phone or
address in them); a single block.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from crawler.plainpage import (
    PHONE,
    ZIP_LINE,
    address_fields,
    address_line,
    block_text,
    person_name,
    site_practice_name,
    tel_link,
    town,
)
from crawler.plainpage import contact as contact_of_page
from kapdir.reading import split_name_credentials

MIN_CARDS = 2
_SKIP_ANCESTORS = "ancestor::nav | ancestor::header | ancestor::footer | ancestor::*[@role='navigation']"
_TITLE = ("./descendant::*[self::h2 or self::h3 or self::h4 or self::h5][1]",
          "./descendant::*[contains(@class, 'name') or contains(@class, 'title')][1]",
          "./descendant::*[self::strong or self::b][1]",
          # bold by inline style, as Google Sites and pasted Google Docs write it
          "./descendant::*[contains(translate(@style, ' ', ''), 'font-weight:700')"
          " or contains(translate(@style, ' ', ''), 'font-weight:bold')][1]")
_STAFF_ROLE = re.compile(
    r"\b(?:coordinator|receptionist|front\s+desk|office\s+manager|practice\s+manager|billing|administrator"
    r"|administrative|scheduler|scheduling|operations|marketing|bookkeep\w*|patient\s+services|navigator"
    # someone still training: an intern, a student, "not yet licensed" (a trainee is not listed)
    r"|intern|trainee|student|not\s+yet\s+licensed|(?:msw|ma|phd)\s+candidate)\b", re.I)
_PRACTICE_CLASS = re.compile(r"practice|clinic|organi[sz]ation|company", re.I)


def _title(card) -> str:
    for xp in _TITLE:
        hit = card.xpath(xp)
        if hit:
            text = " ".join(" ".join(hit[0].itertext()).split())
            if 2 <= len(text) <= 120:
                return text
    return ""


def _person_named(card, title: str) -> str:
    """A card whose first title is a tagline naming someone by first name ("Meet Delphine": Showit's canvases, where
    the name is a text box styled as a title and the photo's alt text) names them in full in a later title-like
    element or its photo. The full name must hold a word of the tagline: a card titled "Lily Brandt, LMT" is not
    Still Water Bodywork's, and a lone image widget (no title) names no card of its own."""
    words = {w for w in re.findall(r"[A-Z][\w'’-]+", title or "") if w not in _TAGLINE_WORDS}
    if not words:
        return ""
    found = [" ".join(" ".join(hit.itertext()).split()) for xp in _TITLE[1:] for hit in card.xpath(xp.replace("[1]", ""))]
    for text in found + [" ".join(alt.split()) for alt in card.xpath(".//img/@alt")]:
        if (name := person_name(text)) and words & set(re.findall(r"[\w'’-]+", name)):
            return name
    return ""


_TAGLINE_WORDS = {"Meet", "About", "Hi", "Hello", "I", "I'm", "I’m", "Our", "The", "Team", "Dr", "Get", "Know", "To"}


def _phone(card) -> str:
    if tel := tel_link(card):
        return tel
    m = PHONE.search(" ".join(card.itertext()))
    return m.group() if m else ""


# A block titled as a place of the practice ("St. Paul Office", "Locations") is where people work, not
# someone to list.
_PLACE_TITLE = re.compile(r"\b(?:office|offices|location|locations|campus|branch|headquarters|hq|hours)\s*$", re.I)


def _card(card, host: str, places: bool = False) -> dict[str, str] | None:
    name = _title(card)
    if not name or bool(_PLACE_TITLE.search(name)) != places:
        return None
    row = {"name": name}
    phone = _phone(card)
    if phone:
        row["phone"] = phone
    parts = address_fields(card)
    if parts:
        row.update(parts)
    elif line := address_line(card):
        row["address"] = line
    if "phone" not in row and "address" not in row and "city" not in row:
        return None
    for a in card.xpath(".//a[@href]"):
        href = a.get("href", "")
        if href.startswith(("http://", "https://")) and urlsplit(href).hostname not in (None, host):
            row["website"] = href
            break
    for el in card.xpath(".//*[@class]"):
        if _PRACTICE_CLASS.search(el.get("class", "")) and el is not card:
            text = " ".join(" ".join(el.itertext()).split())
            if text and text != name:
                row["practice"] = text
                break
    row["text"] = _about(card, row)
    return row


def _about(card, row: dict) -> str:
    """What a card says about the listing, without its name, contact and address lines: a directory card is
    short and about one listing, and the reader reads it as such."""
    skip = {row.get("name", ""), row.get("practice", "")}
    lines = [line for line in block_text(card).splitlines()
             if line not in skip and not PHONE.search(line) and not ZIP_LINE.search(line)
             and not re.fullmatch(r"(?:web(?:site)?:?\s*)?\S+\.\S+", line, re.I)]
    return "\n".join(lines)


def _own_block(card, members: list):
    """The block that is this card's alone: a page builder puts a clinic's contact box, its services text and
    its map in one column, each a widget of its own (Elementor's icon-box, text-editor, map); the column,
    holding no other card, is the clinic's. A card that shares its parent with the next stays itself."""
    others = {m for m in members if m is not card}
    block = card
    for anc in list(card.iterancestors())[:3]:
        if anc.tag in ("body", "main", "html", "article") or anc.xpath(_SKIP_ANCESTORS) \
                or any(el in others for el in anc.iter()):
            break
        block = anc
    return block


def cards(root, page_url: str = "") -> list[dict[str, str]]:
    """Every entry of the page's card lists (see the module docstring), in page order."""
    host = urlsplit(page_url).hostname
    best: list[dict] = []
    for members in _sibling_groups(root):
        # One entry per listing: wrappers nested around the list read the same first heading and phone.
        read = {}
        for m in members:
            if r := _card(m, host):
                read[(r["name"], r.get("phone"), r.get("city"), r.get("address"))] = (r, m)
        # Most blocks must read as entries; the biggest such list wins (cards inside a card list
        # would give fewer entries, a page wrapper fewer still).
        if len(read) >= MIN_CARDS and len(read) * 5 >= len(members) * 3 and len(read) > len(best):
            best = [{**r, "text": _about(_own_block(m, members), r)} for r, m in read.values()]
    # A chain's clinic titled only by its town ("Albuquerque, NM" over its address and Call button) is the
    # practice's clinic there: named as the site names itself, then the town ("Turquoise Trail Ketamine
    # Clinics Albuquerque").
    if any(town(r["name"]) for r in best) and (site := site_practice_name(root)):
        for r in best:
            if city := town(r["name"]):
                r["name"] = f"{site} {city}"
    # A card with a phone but no address ("Psychiatrist · Boise office"): the office its text names gives it.
    if any("city" not in r and "address" not in r for r in best):
        offices = _offices(root, page_url)
        for r in best:
            if "city" not in r and "address" not in r and (office := _office_named(offices, r.get("text", ""))):
                r.update(_place_of(office))
    return best


# A block a site builder names as the site's header or footer (Showit's canvases "sib-site-header", id="site-footer"),
# written as a <div> beside the page's own blocks: chrome, not one of them.
_SITE_CHROME = re.compile(r"(?i)(?:^|[\s_-])site[-_]?(?:header|footer)(?:$|[\s_-])")


def _sibling_groups(root) -> list[list]:
    """Groups of sibling elements with one tag and class, two or more, outside menus and footers."""
    groups: dict[tuple, list] = defaultdict(list)
    # Page builders give every element a class of its own ("elementor-element-c85d"): only classes that
    # other elements of the page share say what kind of block it is.
    shared = Counter(t for el in root.iter() if isinstance(el.tag, str) for t in set((el.get("class") or "").split()))
    for parent in root.iter():
        if not isinstance(parent.tag, str) or parent.tag in ("head", "script", "style", "select", "table"):
            continue
        kids = [c for c in parent
                if isinstance(c.tag, str) and c.tag not in ("option", "br", "script", "style", "meta", "link", "noscript")
                and not _SITE_CHROME.search(f"{c.get('id', '')} {c.get('class', '')}")]
        if not kids:
            continue
        by_sig: dict[tuple, list] = defaultdict(list)
        by_tag: dict[str, list] = defaultdict(list)
        for c in kids:
            by_sig[(c.tag, " ".join(sorted(t for t in set((c.get("class") or "").split()) if shared[t] >= 2)))].append(c)
            by_tag[c.tag].append(c)
        for sig, members in by_sig.items():
            groups[sig].extend(members)
            if not sig[1] and len(members) >= MIN_CARDS:
                # Plain blocks in one container ("<p><strong>Owen Tranberg, CRNA</strong> – nurse anesthetist…"
                # inside an accordion pane) are a list of their own, not only part of every <p> on the page.
                groups[(*sig, id(parent))].extend(members)
        # WordPress marks each entry with its taxonomy terms as classes ("member_level-clinical",
        # "member_level-student"): siblings of one tag that share a core of classes are one list too.
        for tag, members in by_tag.items():
            if len(members) < MIN_CARDS:
                continue
            core = set.intersection(*(set((m.get("class") or "").split()) for m in members))
            core = sorted(t for t in core if shared[t] >= 2)
            if core and len({sig for sig in by_sig if sig[0] == tag}) > 1:
                groups[(tag, "core:" + " ".join(core), id(parent))].extend(members)
    # Cards may be split over several containers (one per state, per region): a kind of block that
    # stands twice or more in the page is a group, whatever its parents.
    return [[m for m in g if not m.xpath(_SKIP_ANCESTORS)] for g in groups.values() if len(g) >= MIN_CARDS]


class Readings:
    """A listing page's readings without selectors (repeated cards, a team, people as headings), each
    computed once when first asked: the spider asks a page's team before its structured data is trusted,
    and again when it picks the reading that finds the most people."""

    def __init__(self, root, page_url: str = ""):
        self.root, self.page_url = root, page_url

    @functools.cached_property
    def cards(self) -> list[dict[str, str]]:
        return cards(self.root, self.page_url)

    @functools.cached_property
    def team(self) -> list[dict[str, str]]:
        return team(self.root, self.page_url)

    @functools.cached_property
    def sections(self) -> list[dict[str, str]]:
        return sections(self.root, self.page_url)

    def most(self) -> list[dict[str, str]]:
        """The reading that finds the most listings (on a tie: cards, then the team, then sections)."""
        return max((self.cards, self.team, self.sections), key=len)


def non_treating_role(role: str) -> bool:
    """A job title that treats no one whatever the credential beside it ("Nurse Navigator", "Practice
    Manager", "Intake Coordinator"), and names no treating role ("Medical Director, Ketamine Service")."""
    return bool(_STAFF_ROLE.search(role or "")) and not _TREATING_ROLE.search(role or "")


_TREATING_ROLE = re.compile(r"(?i)\b(?:physician|psychiatrist|psychologist|therapist|psychotherapist|counsel+or"
                            r"|nurse\s+practitioner|prescriber|provider|director|anesthesiologist|clinician)\b")


def clinician(row: dict) -> bool:
    """Whether a listed person treats anyone: a clinical credential, or no staff role named beside them
    (a care coordinator, the front desk, billing, an intern)."""
    if split_name_credentials(row.get("name", ""))[1] or row.get("credentials", "").strip() and not \
            _STAFF_ROLE.search(row.get("credentials", "")):
        return not _STAFF_ROLE.search(row.get("name", ""))
    return not _STAFF_ROLE.search(" ".join(str(v) for v in row.values()))


def team(root, page_url: str = "") -> list[dict[str, str]]:
    """A team page's people: repeated cards whose heading is a person's name ("Anneliese Bergstrom, MD"),
    with no contact of their own. Each person's bio may sit elsewhere on the page (a popup, an accordion
    panel, a modal) under a heading naming them again; its text and any phone or address in it are theirs.
    Otherwise the practice's own contact (footer, <address>) is theirs: colleagues share it and stay
    separate people."""
    from kapdir.records import name_key

    best: list[tuple] = []
    best_score = (0, 0)
    for members in _sibling_groups(root):
        named = [(m, person_name(title) or _person_named(m, title)) for m in members for title in (_title(m),)]
        named = [(m, n) for m, n in named if n]
        # The biggest grid of named cards; on a tie, the one in the page's content (the grid, not the
        # popups holding the bios, which page builders put after </main>).
        score = (len(named), sum(bool(m.xpath("ancestor::main")) for m, _n in named))
        if len(named) >= MIN_CARDS and len(named) * 5 >= len(members) * 3 and score > best_score:
            best, best_score = named, score
    if not best:
        return []
    # Staff who do not treat anyone (a care coordinator, the front desk, billing) are on the team page
    # but are not practitioners: a card naming such a role, for someone with no clinical credential.
    best = [(m, n) for m, n in best if split_name_credentials(n)[1] or not _STAFF_ROLE.search(block_text(m))]
    keys = {name_key(split_name_credentials(n)[0]): (m, n) for m, n in best}
    headings = [h for h in root.xpath("//h1|//h2|//h3|//h4|//h5|//h6") if not h.xpath(_SKIP_ANCESTORS)]
    in_cards = {el for m, _n in best for el in m.iter()}
    around_cards = {a for m, _n in best for a in m.iterancestors()} | {m for m, _n in best}
    bios: dict[str, object] = {}
    for h in headings:
        who = person_name(" ".join(" ".join(h.itertext()).split()))
        key = name_key(split_name_credentials(who)[0]) if who else ""
        if key not in keys or key in bios or h in in_cards:
            continue
        # The biggest block around this heading that holds no other team member's heading and no card.
        block = h
        for anc in list(h.iterancestors())[:8]:
            if anc.tag in ("body", "main", "html") or anc in around_cards:
                break
            others = {name_key(split_name_credentials(person_name(" ".join(" ".join(x.itertext()).split())))[0])
                      for x in anc.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")} - {key, ""}
            if others & set(keys):
                break
            block = anc
        bios[key] = block
    # A definition list (Joomla and hand-written "Our Physicians" pages): the <dd> after a person's <dt> is theirs.
    described = {key: _following_dd(card) for key, (card, _n) in keys.items() if card.tag == "dt"}
    panels = {key: _controlled(card) for key, (card, _n) in keys.items()}
    page = _practice_contact(root, [m for m, _n in keys.values()] + list(bios.values())
                             + [d for dds in described.values() for d in dds]
                             + [p for p in panels.values() if p is not None])
    offices = _offices(root, page_url)
    out = []
    for key, (card, name) in keys.items():
        bio = bios.get(key)
        if bio is None and described.get(key):
            bio = _wrap(described[key])
        if bio is None:
            bio = panels[key]
        text = "\n".join(t for t in (block_text(card), block_text(bio) if bio is not None else "") if t)
        office = _office_named(offices, text)
        row = _person_contact(_credentialed(name, card), [card, bio] if bio is not None else [card],
                              ([office] if office else []) + [page])
        row["text"] = text
        out.append(row)
    return out


def _controlled(card):
    """The panel a card's header opens (an accordion's button with aria-controls, Bootstrap's data-bs-target or a
    "#id" link): a provider accordion keeps each bio in a hidden panel after the header that names the person,
    without naming them again. None when the card opens nothing, or opens a panel holding the card itself."""
    # (A plain "#id" link is not enough: a card's "#contact" link or an icon sprite's "#pin" opens nothing of
    # theirs. Bootstrap's toggles say what they open.)
    for attr, where in (("aria-controls", "*"), ("data-bs-target", "*"), ("data-target", "*"),
                        ("href", "a[@data-bs-toggle or @data-toggle]")):
        for value in card.xpath(f"./descendant-or-self::{where}[@{attr}]/@{attr}"):
            ref = value.strip()
            if attr != "aria-controls":  # a selector or a link: "#bio-ana"
                if not ref.startswith("#"):
                    continue
                ref = ref[1:]
            if not ref or " " in ref:
                continue
            hit = card.getroottree().getroot().xpath("//*[@id=$ref]", ref=ref)
            # (neither inside the card nor around it)
            if hit and card not in hit[0].iterancestors() and not any(el is card for el in hit[0].iter()):
                return hit[0]
    return None


def _credentialed(name: str, card) -> str:
    """The card's name with the credentials a field of their own gives (Drupal's field--name-field-credentials,
    a theme's "degree" line: "Helen Varga" over "DO"), which read alone would be a word, not a degree."""
    if split_name_credentials(name)[1]:
        return name
    for el in card.xpath(".//*[contains(@class, 'credential') or contains(@class, 'degree')]")[:1]:
        text = " ".join(" ".join(el.itertext()).split())
        if text and len(text) <= 40 and split_name_credentials(f"{name}, {text}")[1]:
            return f"{name}, {text}"
    return name


def _person_contact(name: str, nodes: list, fallbacks: list[dict]) -> dict[str, str]:
    """A listed person's phone and address: from the page parts that are theirs first (their card, bio,
    block, the office they are listed under), then from contacts read already (an office card named in
    their bio, the practice's own), each field from the first that has it."""
    row = {"name": name}
    for source in nodes:
        if "phone" not in row and (phone := _phone(source)):
            row["phone"] = phone
        if "city" not in row and "address" not in row:
            if parts := address_fields(source):
                row.update(parts)
            elif line := address_line(source):
                row["address"] = line
    for fallback in fallbacks:
        if "phone" not in row and fallback.get("phone"):
            row["phone"] = fallback["phone"]
        if "city" not in row and "address" not in row:
            row.update(_place_of(fallback))
    return row


def _place_of(contact: dict) -> dict[str, str]:
    """A contact's address fields (an office's, the practice's), without its phone, name, text and place name."""
    return {k: v for k, v in contact.items() if k not in ("phone", "name", "text", "place")}


def _practice_contact(root, members: list) -> dict[str, str]:
    """The practice's own contact on a team page: the page's, read without the members' cards and bios (a
    therapist's direct line in her bio is hers, not her colleagues')."""
    import copy

    tree = root.getroottree()
    paths = [tree.getpath(m) for m in members if m is not None and m is not root]
    stripped = copy.deepcopy(root)
    found = [x for p in paths for x in stripped.getroottree().xpath(p)]
    for x in found:
        if x.getparent() is not None:
            x.getparent().remove(x)
    return contact_of_page(stripped)


def _offices(root, page_url: str) -> list[dict[str, str]]:
    """The practice's own places listed as cards ("St. Paul Office" with its address), each with the place
    name a bio would use ("St. Paul"); and places written as a bold name over an address with a ZIP (a
    sidebar's "<strong>Tucson – East Broadway</strong><br>5255 E Broadway Blvd…", a footer column's
    "<h6>Boise</h6>" over its address), named by that line."""
    host = urlsplit(page_url).hostname
    found = []
    for members in _sibling_groups(root):
        for m in members:
            row = _card(m, host, places=True)
            if row:
                row["place"] = _place(row["name"])
                found.append(row)
    # (The name may be a small heading instead: a footer column's "<h6>Boise</h6><p>1010 W Jefferson St…".)
    for block in root.xpath("//p[*[1][self::strong or self::b]] | //*[self::div or self::section or self::li or self::span]"
                            "[*[1][self::strong or self::b or self::h4 or self::h5 or self::h6]]"):
        head = " ".join(" ".join(block[0].itertext()).split())
        if not 2 <= len(head) <= 60 or not block_text(block).startswith(head) or not address_line(block):
            continue
        found.append({**_person_contact(head, [block], []), "place": _place(head)})
    # (Or a box of its own, the address in the next: Showit's absolutely positioned text boxes, "Asheville Office"
    # then "46 Haywood St…<br>Asheville, NC 28801<br>(828) 555-0142".)
    for el in root.xpath("//body//*[not(*) or (count(*) = 1 and not(*/*))]"):
        head = " ".join(" ".join(el.itertext()).split())
        if not 2 <= len(head) <= 40 or not _PLACE_TITLE.search(head) or not (place := _place(head)):
            continue
        nxt = el.getnext() if el.getnext() is not None else el.getparent().getnext()  # (the box's wrapper's next)
        if nxt is None or not isinstance(nxt.tag, str) or address_line(el) or not address_line(nxt):
            continue
        if not any(o["place"] == place for o in found):
            found.append({**_person_contact(head, [nxt], []), "place": place})
    return found


def _place(title: str) -> str:
    """The place a bio would name, from an office's title ("St. Paul Office" -> "St. Paul"; "Our Offices" -> "")."""
    place = _PLACE_TITLE.sub("", title).strip(" -–—·|,")
    return "" if place.lower() in ("our", "the", "all", "other", "visit", "find") else place


# "Sees patients at: Tucson – East Broadway", "Location: Oro Valley", "Offices: St. Paul".
_WHERE_LABEL = re.compile(r"(?im)^[^\n]{0,30}?\b(?:sees\s+(?:patients|clients)\s+at|practi[cs]es\s+at|works\s+at|locations?"
                          r"|offices?)\s*:\s*([^\n]+)")


def _office_named(offices: list[dict], text: str) -> dict | None:
    """The office a person's text places them at: one named on a "Sees patients at:" line first, else the
    first office their text names ("Grace sees clients at our Grand Avenue office in St. Paul")."""
    def first(where: str) -> dict | None:
        """The office named earliest ("Warwick office … sees patients at both offices, mostly in Providence")."""
        at = [(m.start(), i) for i, o in enumerate(offices) if o["place"]
              and (m := re.search(rf"\b{re.escape(o['place'])}\b", where))]
        return offices[min(at)[1]] if at else None

    for m in _WHERE_LABEL.finditer(text):
        if hit := first(m.group(1)):
            return hit
    return first(text)


def _following_dd(dt) -> list:
    """The <dd> elements after a <dt>, up to the next <dt>."""
    out = []
    for sib in dt.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        if sib.tag == "dt":
            break
        if sib.tag == "dd":
            out.append(sib)
    return out


# How a medicine is given, said without naming it ("You take your lozenge at home", "IM sessions").
_ROUTE_WORD = re.compile(r"\b(?:lozenges?|troches?|sublingual|RDTs?|rapid[- ]dissolv\w+|intramuscular|IM|infusions?"
                         r"|nasal\s+spray|injections?)\b")
_KETAMINE = re.compile(r"(?i)\b(?:es)?ketamine\b|\bspravato\b|\bKAP\b")


def in_context(rows: list[dict], title: str) -> list[dict]:
    """Each card's text, headed by the page's title when the card says how a medicine is given but not which
    and the title names ketamine ("Our Team — Northstar Ketamine Therapy"): on a ketamine practice's team page
    "You take your lozenge at home" is about ketamine. A card that names no route is left as it is, so a
    massage therapist on the same page does not become a ketamine provider."""
    if not _KETAMINE.search(title):
        return rows
    return [{**r, "text": f"{title.strip()}\n{r['text']}"}
            if r.get("text") and _ROUTE_WORD.search(r["text"]) and not _KETAMINE.search(r["text"]) else r
            for r in rows]



_LEVEL = {"h2": 2, "h3": 3, "h4": 4, "h5": 5}


def sections(root, page_url: str = "") -> list[dict[str, str]]:
    """A providers page written as headings and paragraphs with no block per person: each person's heading
    ("Adaeze Whitcombe, MD") and what follows it up to the next heading or rule is theirs (their direct line,
    their bio); the office heading above them ("Overland Park Office", its address and main line) places
    them. Offices in tab panels or accordions count, hidden or not: a tab is the page's content. Staff with
    no clinical credential and a role that treats no one (a practice manager) are left out."""
    heads = [h for h in root.xpath("//h2|//h3|//h4|//h5") if not h.xpath(_SKIP_ANCESTORS)]
    titles = [(h, " ".join(" ".join(h.itertext()).split())) for h in heads]
    people = [(h, person_name(t)) for h, t in titles if not _PLACE_TITLE.search(t)]
    people = [(h, n) for h, n in people if n]
    from kapdir.records import name_key

    keys = [name_key(split_name_credentials(n)[0]) for _h, n in people]
    if len(people) < MIN_CARDS or len(set(keys)) < len(keys):
        return []  # a name heading twice is a card and its bio elsewhere: a team page (see `team`)
    page = _practice_contact(root, [h.getparent() for h, _n in people if h.getparent() is not None])
    out = []
    for h, name in people:
        own = _following(h, stop_at_rule=True)
        office = _office_above(h)
        text = "\n".join(block_text(el) for el in own if isinstance(el.tag, str))
        if not text.strip():
            continue
        row = _person_contact(name, [_wrap(own)] + ([office] if office is not None else []), [page])
        row["text"] = text
        if clinician({"name": name, "text": text}):
            out.append(row)
    return out


def _following(h, stop_at_rule: bool) -> list:
    """The siblings after a heading up to the next heading of its level or above (or a rule)."""
    level = _LEVEL.get(h.tag, 6)
    out = []
    for sib in h.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        if (sib.tag in _LEVEL and _LEVEL[sib.tag] <= level) or sib.tag == "h1" or (stop_at_rule and sib.tag == "hr"):
            break
        out.append(sib)
    return out


def _office_above(h):
    """The block of the nearest heading above ``h``, of a higher level, among its earlier siblings (the office
    a person is listed under), up to the first person heading; None when there is none."""
    level = _LEVEL.get(h.tag, 6)
    for sib in h.itersiblings(preceding=True):
        if isinstance(sib.tag, str) and sib.tag in _LEVEL and _LEVEL[sib.tag] < level:
            return _wrap([sib, *_following(sib, stop_at_rule=True)])
    return None


def _wrap(elements: list):
    """Copies of ``elements`` under one <div>, for the phone, address and text helpers that read a node."""
    import copy

    from lxml import html

    box = html.Element("div")
    for el in elements:
        box.append(copy.deepcopy(el))
    return box
