"""A practitioner's page with no structured data and no selectors: who, where and how to call.

Why: small practices' sites (WordPress, Squarespace, Wix templates) rarely carry schema.org markup,
and a maintainer pointing kapdir at one should not have to write CSS. The forms real sites use are few:
the person's name and credentials as the page heading or title ("Jane Doe, LMFT", "Dr. Jane Doe",
"Jane Q. Doe PsyD", "Jane Doe | Practice name", "About Jane Doe"), a `tel:` link, an `<address>`
(often in the footer), an h-card (`.h-card`/`.vcard` with `.adr`), or an address line ending in a ZIP.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from crawler.pagetext import main_node
from kapdir.places._text import us_state_names
from kapdir.reading import split_name_credentials
from kapdir.vocabulary import US_STATES

_TITLE_SPLIT = re.compile(r"\s+[|–—·:]\s+|\s+-\s+")
_LEAD_IN = re.compile(r"^(?:about|meet|welcome\s+to|hi,?\s+i['’]m|i['’]m|profile:?)\s+", re.I)
_UP, _LOW = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"  # "Tomás", "José Muñoz", "Zoë"
_NAME_WORD = re.compile(rf"^(?:[{_UP}][{_LOW}'’]+(?:-[{_UP}][{_LOW}'’]+)?|[{_UP}]\.|Mc[{_UP}][{_LOW}]+"
                        rf"|O['’][{_UP}][{_LOW}]+|d[ea]|van|von)$")
# Words that make a heading a service or a place, not a person.
_NOT_A_PERSON = re.compile(
    r"\b(?:ketamine|therapy|therapies|clinic|center|centre|health|wellness|psychiatry|counsel+ing|services?"
    r"|treatment|institute|group|practice|associates|care|medicine|medical|home|contact|team|our|about\s+us"
    r"|faq|blog|spravato|infusions?|psychotherapy|mental|location|locations|welcome|collective|partners"
    r"|collaborative|llc|pllc|inc|studio|healing|space|journey|mind|minds|life|center"
    # a page of people, not a person: "Staff Directory", "Our Providers", "Find a Member"
    r"|staff|directory|providers|clinicians|members|people|find|search"
    # a role or a place, not a name: "Board-Certified Psychiatrist", "Grand Avenue Office"
    r"|psychiatrist|psychologist|therapist|counsel+or|nurse|practitioner|physician|director|coordinator"
    r"|intern|manager|assistant|receptionist|specialist|certified|licensed|office|avenue|street|suite)\b", re.I)
# "1420 Larimer St, Suite 300, Denver, CO 80202": a street number, the street (a suite may follow), the
# city, a state code and a ZIP.
# The state as its code or its name ("Albuquerque, New Mexico 87109", as site builders write it).
_STATE = "(?:[A-Z]{2}|" + "|".join(sorted(map(re.escape, us_state_names().values()), key=len, reverse=True)) + ")"
ZIP_LINE = re.compile(r"\b\d+[ \t][^,\n·|]{2,60}(?:,\s*(?:suite|ste\.?|unit|floor|fl\.?|#)\s*[\w-]+)?,"
                      rf"\s*[A-Z][A-Za-z .'-]+,\s*{_STATE}\s+\d{{5}}(?:-\d{{4}})?", re.I)
PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\d)")


def person_name(*candidates: str) -> str:
    """The first candidate that reads as a person's name (credentials kept, for the normaliser to split);
    "" when none does."""
    for raw in candidates:
        for part in _TITLE_SPLIT.split(" ".join((raw or "").split())):
            part = _LEAD_IN.sub("", part.strip())
            if not part or _NOT_A_PERSON.search(part):
                continue
            name, _creds = split_name_credentials(part)
            words = name.split()
            if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
                return part
    return ""


_BLOCKS = {"p", "div", "li", "ul", "ol", "section", "article", "aside", "header", "footer", "main", "nav", "table",
           "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "address", "dd", "dt", "dl", "form"}


def block_text(node) -> str:
    """Text for finding an address line: a <br> inside a block reads as ", " ("1101 Madison St, Suite
    600<br>Seattle, WA 98104"), and block boundaries as line breaks, which an address never crosses."""
    out: list[str] = []

    def walk(el):
        if el.text and isinstance(el.tag, str):
            out.append(el.text)
        for child in el:
            if not isinstance(child.tag, str):
                pass  # a comment or processing instruction: its tail is still text
            elif child.tag == "br":
                out.append(", ")
            elif child.tag in ("script", "style", "noscript", "template"):
                pass
            else:
                block = child.tag in _BLOCKS
                out.append("\n" if block else "")
                walk(child)
                out.append("\n" if block else "")
            if child.tail:
                out.append(child.tail)

    walk(node)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


# A practice's name ends in (or holds) what kind of place it is, after a name of its own:
# "Bayou City Ketamine Clinic", "Trinity Mind & Body Ketamine Center", "Grant Street Psychiatry".
_PRACTICE_NOUN = re.compile(
    r"\b(?:clinics?|centers?|centres?|psychiatry|wellness|health|institute|practice|group|associates|counseling"
    r"|counselling|therapy|therapies|collective|partners|medicine|medical|llc|pllc|inc"
    # a brand named for the medicine ("Magnolia Bend Ketamine", "Kestrel Ketamine"): "IV Ketamine" still is not
    # one, having no word of its own
    r"|ketamine)\b\.?"
    # "Saguaro Ketamine Clinic of Phoenix": a chain's clinic named for its town
    r"(?:\s+of\s+(?:[A-Z][\w.'’-]*\s*){1,3})?$", re.I)
# Words any service heading has: a practice needs at least one capitalised word besides these.
_GENERIC = re.compile(
    r"^(?:ketamine|esketamine|spravato|iv|im|infusions?|therapy|therapies|treatment|services?|clinics?|centers?"
    r"|centres?|find|listing|category|categories|tag|archives?|psychiatry|wellness|health|mental|our|the|and|&|of|for|in|at|a|an|assisted|psychotherapy|kap"
    r"|care|medicine|medical|mind|body|counseling|counselling|group|practice|institute|associates|home"
    r"|about|us|contact|new|patients?|depression|anxiety|ptsd|pain|intravenous|intramuscular|nasal|spray"
    r"|oral|lozenges?|at-home|virtual|online|telehealth|faq|blog|team|locations?)$", re.I)


def lead_part(heading: str) -> str:
    """A title's own part, before the site's name ("Nora Lindahl — Casco Light Therapy Collective")."""
    return _TITLE_SPLIT.split(" ".join((heading or "").split()))[0]


def with_credentials(person: str, root) -> str:
    """``person`` as a sub-heading of the page gives them with credentials ("Nora Lindahl, LCSW" in an <h2>
    of a page whose title says only "Nora Lindahl — …"); ``person`` itself when none does."""
    if split_name_credentials(person)[1]:
        return person
    for h in root.xpath("//h2|//h3")[:12]:
        named = person_name(" ".join("".join(h.itertext()).split()))
        name, creds = split_name_credentials(named)
        if creds and name.casefold() == person.casefold():
            return named
    return person


def practice_name(heading: str) -> str:
    """The heading when it names a practice (a name of its own, then the kind of place); "" otherwise."""
    for part in _TITLE_SPLIT.split(" ".join((heading or "").split())):
        words = part.strip().split()
        if not (2 <= len(words) <= 8) or not _PRACTICE_NOUN.search(part.strip()):
            continue
        own = [w for w in words if w[:1].isupper() and not _GENERIC.match(w.strip(",.:"))]
        if own:
            return part.strip()
    return ""


def practice_in_town(heading: str, practice: str, city: str) -> str:
    """The heading "Practice – Town" when its town is the page's own city, else the practice name alone."""
    heading = " ".join((heading or "").split())
    parts = [p.strip() for p in _TITLE_SPLIT.split(heading)]
    i = parts.index(practice) if city and practice in parts else -1
    if 0 <= i < len(parts) - 1 and parts[i + 1].lower() == city.strip().lower():
        if m := re.search(rf"{re.escape(practice)}(?:{_TITLE_SPLIT.pattern}){re.escape(parts[i + 1])}", heading):
            return m.group()
    return practice


def name_and_role(heading: str) -> tuple[str, str]:
    """("Jess Albright", "Practice Coordinator") from a heading naming a person and then a job title that is
    no credential; ("", "") when it does not read so."""
    first, _sep, rest = (heading or "").partition(",")
    rest = rest.strip()
    if not rest or split_name_credentials(heading)[1] or not re.fullmatch(r"[A-Z][\w&'’-]*(?:\s+[\w&'’-]+){0,5}", rest):
        return "", ""
    name = person_name(first.strip())
    return (name, rest) if name else ("", "")


def page_heading(root) -> str:
    """The page's <h1> text (its first text pieces), not counting a theme's logo: an <h1> in the site header or
    marked "logo" whose text is a link home (Bootstrap themes such as Medilab put the brand there and the page's
    own title in an <h2> of its breadcrumbs). A page whose only <h1> is the logo is headed by the first heading of
    its main content; "" when it has neither."""
    texts, logo = [], False
    for h in root.xpath("//h1"):
        links = h.xpath(".//a/@href")
        if links and all(urlsplit(u).path in ("", "/") for u in links) and (
                h.xpath("ancestor::header") or "logo" in (h.get("class") or "")):
            logo = True
            continue
        texts += h.xpath(".//text()")
    if texts:
        return " ".join(texts[:6])
    if logo:
        for h in root.xpath("//main//*[self::h2 or self::h3][1]")[:1]:
            return " ".join(h.xpath(".//text()")[:6])
    return ""


# "Role: Practice Manager", "Position: Front Desk": a profile's own job-title field.
_ROLE_LABEL = re.compile(r"^\s*(?i:role|position|title|job\s+title)\s*:\s*([^\n]{2,60}?)\s*$", re.M)


def labelled_role(root) -> str:
    """The job title a profile's main content gives in a field of its own ("Role: Practice Manager"); "" when none."""
    for node in root.xpath("//main | //article")[:1]:
        if m := _ROLE_LABEL.search(block_text(node)):
            return m.group(1)
    return ""


def site_practice_name(root) -> str:
    """The practice a site names itself: a practice name among its <title>'s parts ("Sandia Ketamine Clinic |
    IV Ketamine Infusions in Albuquerque"), else its og:site_name; "" when neither names one."""
    for text in (*root.xpath("//title/text()")[:1], *root.xpath("//meta[@property='og:site_name']/@content")[:1]):
        if name := practice_name(text):
            return name
    return ""


def names_the_site(name: str, root) -> bool:
    """Whether ``name`` is the start of a longer name the site gives itself (its <title>'s last part,
    og:site_name): "Desert Bloom" on "About Us - Desert Bloom Wellness & Infusion" is the practice. A solo
    practitioner's site is named for them too ("Maren Holloway Counseling"): the caller asks only of an
    "About X" heading without credentials."""
    words = name.casefold().split()
    return any(len(site := s.casefold().split()) > len(words) and site[:len(words)] == words
               for s in _site_names(root))


def _site_names(root) -> list[str]:
    """The names a site gives itself: its <title>'s last part (the page's own part comes first), og:site_name."""
    sites = [parts[-1] for t in root.xpath("//title/text()")[:1]
             if len(parts := _TITLE_SPLIT.split(" ".join(t.split()))) > 1]
    return sites + root.xpath("//meta[@property='og:site_name']/@content")[:1]


def _text(nodes) -> str:
    return " ".join(" ".join(t.split()) for n in nodes for t in n.itertext() if t.strip())


def _has_class(cls: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {cls} ")'


# h-card property -> listing field, each with its microformats2 and legacy hCard class.
_ADDRESS_PARTS = (("street", ("p-street-address", "street-address")), ("city", ("p-locality", "locality")),
                  ("region", ("p-region", "region")), ("postal_code", ("p-postal-code", "postal-code")))
_CARD_PARTS = (("credentials", ("p-honorific-suffix", "honorific-suffix")), *_ADDRESS_PARTS,
               ("practice", ("p-org", "org")), ("phone", ("p-tel", "tel")))
_CARD = f"{_has_class('h-card')} or {_has_class('vcard')}"


def _class_suffix(tail: str) -> str:
    """A class token ending in ``-tail`` or ``_tail`` ("member-city", "listing_state"), as themes and
    directory plugins prefix their field classes."""
    return " or ".join(f'contains(concat(" ", normalize-space(@class), " "), "{sep}{tail} ")' for sep in "-_")


def _card_parts(card, parts, suffixes: bool = False) -> dict[str, str]:
    """The text of each named property inside one card (first class that is present; then a plugin's
    prefixed field class, "member-city")."""
    out = {}
    for field, classes in parts:
        for test in (*(_has_class(c) for c in classes), *(_class_suffix(t) for t in (_FIELD_SUFFIXES.get(field, ()) if suffixes else ()))):
            hit = card.xpath(f".//*[{test}]")
            if hit:
                out[field] = _text(hit[:1])
                break
    return out


def hcards(root) -> list[dict[str, str]]:
    """People marked up as h-cards (or legacy vcards) on a listing page, each with its own name,
    address parts, phone and website; cards without a name are skipped."""
    out = []
    for card in root.xpath(f"//*[{_CARD}]"):
        if card.xpath(f"ancestor::*[{_CARD}]"):
            continue  # a card nested in another (an organisation inside a person) is part of it
        name = _text(card.xpath(f".//*[{_has_class('p-name')} or {_has_class('fn')}]")[:1])
        if not name:
            continue
        if card.xpath(f"self::*[{_has_class('author')}] | .//a[@rel='author' or contains(@href, '/author/')]"):
            continue  # a post's byline (WordPress themes' hidden "vcard author" for rich snippets), not a listing
        row = {"name": name, **_card_parts(card, _CARD_PARTS)}
        url = card.xpath(f".//a[{_has_class('u-url')} or {_has_class('url')}]/@href")
        if url and url[0].startswith(("http://", "https://")):
            row["website"] = url[0]
        note = _text(card.xpath(f".//*[{_has_class('p-note')} or {_has_class('note')}]")[:1])
        if note:
            row["text"] = note
        out.append(row)
    return out


# Address parts marked by class without an h-card around them: Drupal's address field ("address-line1",
# "locality", "administrative-area", "postal-code"), and themes that borrow hCard's class names.
_FIELD_PARTS = (("street", ("street-address", "address-line1", "p-street-address", "street", "address-street")),
                ("city", ("locality", "p-locality", "city", "address-city")),
                ("region", ("administrative-area", "region", "p-region", "state", "address-region", "address-state")),
                ("postal_code", ("postal-code", "p-postal-code", "postal", "zip", "address-postal", "address-zip")))
_FIELD_SUFFIXES = {"city": ("city",), "region": ("state", "region"), "postal_code": ("zip", "postcode", "postal-code")}
_CITY_CLASSES = " or ".join([*(_has_class(c) for c in _FIELD_PARTS[1][1]), _class_suffix("city")])


_ITEMPROP_PARTS = (("street", "streetAddress"), ("city", "addressLocality"), ("region", "addressRegion"),
                   ("postal_code", "postalCode"))


def address_fields(root) -> dict[str, str]:
    """The first address marked up part by part inside ``root`` (not in a header, nav or footer): by
    schema.org itemprops (a PostalAddress outside any practitioner item) or by class names."""
    for node in root.xpath(".//*[@itemprop='addressLocality']"):
        if node.xpath("ancestor::footer | ancestor::header | ancestor::nav"):
            continue
        box = node.getparent()
        parts = {f: _text(box.xpath(f".//*[@itemprop='{prop}']")[:1]) for f, prop in _ITEMPROP_PARTS}
        parts = {k: v for k, v in parts.items() if v}
        if "city" in parts:
            return parts
    for node in root.xpath(f".//*[{_CITY_CLASSES}]"):
        if node.xpath("ancestor::footer | ancestor::header | ancestor::nav"):
            continue
        for box in node.iterancestors():
            parts = _card_parts(box, _FIELD_PARTS, suffixes=True)
            if "region" in parts or "postal_code" in parts:
                return parts
            if box is root or box.tag in ("main", "article", "body"):
                break
    return {}


_TEL_LINKS = './/a[starts-with(translate(@href, "TEL", "tel"), "tel:")]'


def _tel_number(href: str) -> str:
    """A `tel:` link's number, percent-decoded ("tel:%28303%29555-0180", as Drupal writes it)."""
    return unquote(href.split(":", 1)[1]).strip()


# Click-to-call buttons of practice-site builders (Tebra/PatientPop, call-tracking scripts) that carry the
# number only in an attribute for their script to dial: `<button data-phone="(520) 555-0116">Call</button>`.
_CALL_ATTRS = ("data-phone", "data-phone-number", "data-tel", "data-telephone")
_CALL_BUTTONS = ".//*[" + " or ".join(f"@{a}" for a in _CALL_ATTRS) + "]"


def tel_link(node) -> str:
    """The number of the first `tel:` link inside ``node``, or else of its first click-to-call button."""
    tel = node.xpath(f"{_TEL_LINKS}/@href")
    if tel:
        return _tel_number(tel[0])
    for button in node.xpath(_CALL_BUTTONS):
        for attr in _CALL_ATTRS:
            if sum(c.isdigit() for c in button.get(attr) or "") >= 7:
                return button.get(attr).strip()
    return ""


# An address written on two lines, as site builders lay it out ("321 E Main St, Suite 204" over "Bozeman, MT
# 59715"): read as one line.
_TWO_LINE_ADDRESS = re.compile(r"(^|\n)(\d+\s[^\n]{2,60}?),?\n([A-Z][A-Za-z .'-]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)\b")


# A place given alone on its line, as directory cards and profiles do ("Kingston, NY", "Asheville, NC
# 28801"), or at the end of a practice's or role's line ("Hale Counseling · Eugene, OR"): a US state code
# makes it a place and not any comma-separated phrase.
_PLACE = r"(?P<city>[A-Z][A-Za-z .'’-]{1,40}),\s*(?P<region>[A-Z]{2})"
_CITY_LINE = re.compile(rf"^(?:[^\n]{{1,60}}?\s[·|•–—]\s+)?(?P<place>{_PLACE}(?:\s+\d{{5}}(?:-\d{{4}})?)?)$", re.M)
_TOWN = re.compile(_PLACE)


def _a_place(place: str, region: str) -> bool:
    # "Dr. Julian Asante, MD" is a name and a credential, not a town in Maryland.
    return region in US_STATES and not person_name(place)


def town(title: str) -> str:
    """The town a title is, and nothing else ("Albuquerque, NM" -> "Albuquerque"); "" otherwise."""
    m = _TOWN.fullmatch(title)
    return m.group("city") if m and _a_place(title, m.group("region")) else ""


def _address_text(node) -> str:
    """``node``'s block text with two-line addresses joined: what every address search here reads."""
    return _TWO_LINE_ADDRESS.sub(r"\1\2, \3", block_text(node))


def address_line(node) -> str:
    """The first address line with a ZIP inside ``node`` ("1200 Grant St, Suite 5, Denver, CO 80203"), else
    the first line that is only a city and state ("Kingston, NY")."""
    text = _address_text(node)
    m = ZIP_LINE.search(text)
    if m:
        return " ".join(m.group().replace(" ,", ",").split())
    return next((c.group("place") for c in _CITY_LINE.finditer(text) if _a_place(c.group("place"), c.group("region"))),
                "")


def addressee(root) -> str:
    """The practice named just before its street address ("Saguaro Ketamine Clinic – Phoenix Biltmore" above
    "2425 E Camelback Rd …") in the page's own content, as a clinic's location page writes it; "" when that
    line names no practice. The site's footer address names the site, not what the page is about."""
    for node in root.xpath("//main | //article"):
        text = _address_text(node)
        m = ZIP_LINE.search(text)
        if not m:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        before = text[start:m.start()].strip(" ,")
        if not before and start > 1:  # the name on a line of its own, above the street
            before = text[text.rfind("\n", 0, start - 1) + 1:start - 1].strip(" ,")
        if not before or len(before.split()) > 12:
            return ""
        # A practice name, or the name the site gives itself ("Kindred Mind Cleveland" above the street, the
        # <title> being "Contact – Kindred Mind Cleveland": a chain's location named for its town).
        named = before.casefold() in {s.casefold() for s in _site_names(root)} and not person_name(before)
        return before if practice_name(before) or named else ""
    return ""


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def _main_tel(root) -> str:
    """The first `tel:` link of the page's own content (a clinic location's number under its address, a
    clinician's direct line), before the site header's booking line."""
    for node in root.xpath("//main | //article"):
        for a in node.xpath(_TEL_LINKS):
            if not a.xpath("ancestor::header[not(ancestor::article)] | ancestor::nav | ancestor::footer"):
                return _tel_number(a.get("href"))
    return ""


def _office_phone(root) -> str:
    """On a site of several offices, the one a person's own page names in its text ("sees clients at our
    Lowertown office, 651-555-0177"): a number of the page's main content that is also one of the office
    lines the header or footer lists. "" when the site has one line or the text names none of them."""
    main = root.xpath("//main | //article")
    if not main:
        return ""
    # The page around its content: <header>, <footer> and <nav>, and a theme's top bar or footer widgets
    # written as plain <div>s outside them (GeneratePress's "top-bar", "footer-widgets").
    outside = "not(ancestor::main) and not(ancestor::article) and not(ancestor::script) and not(ancestor::style)"
    chrome_text = " ".join(root.xpath(f"//body//text()[{outside}]"))
    lines = {_digits(m.group()) for m in PHONE.finditer(chrome_text)}
    lines |= {_digits(_tel_number(h)) for h in root.xpath(f"//body{_TEL_LINKS[1:]}[{outside}]/@href")}
    if len(lines) < 2:
        return ""
    return next((m.group() for m in PHONE.finditer(_text(main[:1])) if _digits(m.group()) in lines), "")


# "Offices: Denver | Boulder", "Location: Louisville": the offices a group practice's profile says the person
# works in, first the main one.
_OFFICES_LABEL = re.compile(r"^\s*(?i:offices?|locations?|office\s+locations?|practice\s+locations?"
                            r"|sees\s+(?:patients|clients)\s+(?:at|in)|practi[cs]es\s+(?:at|in)|works\s+(?:at|in))\s*:\s*"
                            r"([A-Z][A-Za-z .'’-]{1,40}?)(?:\s+(?i:office|clinic|location))?\s*(?:[|,/;•·]|\band\b|&|$)",
                            re.M)


def _named_office(root) -> str:
    """The first office a profile's own text names with an "Offices:" label ("Sees patients at: Cleveland office"
    -> "Cleveland"), or as a definition list's
    "Location" term (a static site echoing a provider's front matter: <dt>Location</dt><dd>Bozeman, MT</dd>);
    "" when it names none."""
    for node in root.xpath("//main | //article"):
        m = _OFFICES_LABEL.search(block_text(node))
        if m:
            return m.group(1).strip()
        for dt in node.xpath(".//dt"):
            dd = dt.xpath("following-sibling::*[1][self::dd]")
            if dd and (m := _OFFICES_LABEL.search(f"{_text([dt]).rstrip(':')}: {_text(dd)}")):
                return m.group(1).strip()
    return ""


def _zip_lines(node) -> list[tuple[str, str]]:
    """Every address line with a ZIP inside ``node``, each with the text that follows it (its office's phone)."""
    text = _address_text(node)
    found = list(ZIP_LINE.finditer(text))
    ends = [m.start() for m in found[1:]] + [len(text)] * bool(found)
    return [(" ".join(m.group().replace(" ,", ",").split()), text[m.end():min(end, m.end() + 80)])
            for m, end in zip(found, ends, strict=True)]


# "Hi, I'm Lena." / "I'm Lena Marchetti, LICSW, a licensed …": a solo practitioner introducing themselves.
_SELF_INTRO = re.compile(
    rf"\b(?:I[’']m|I\s+am|My\s+name\s+is)\s+((?:Dr\.\s+)?[{_UP}][{_LOW}’'-]+(?:\s+(?:[{_UP}]\.|[{_UP}][{_LOW}’'-]+)){{1,3}}"
    r"(?:,\s*[A-Z][A-Za-z-]{1,8}(?:,\s*[A-Z][A-Za-z-]{1,8}){0,3})?)")


def self_introduction(root) -> str:
    """The practitioner a home page's own text introduces in the first person ("I'm Lena Marchetti, LICSW"),
    with their credentials; "" when it introduces nobody by full name."""
    text = " ".join(" ".join(t.split()) for t in root.xpath("//main//text() | //article//text()")) or \
        " ".join(" ".join(t.split()) for t in root.xpath("//body//text()"))
    for m in _SELF_INTRO.finditer(text):
        name = person_name(m.group(1))
        if name and not set(name.replace(",", " ").split()) & _NOT_NAME_WORDS:
            return name
    return ""


# "I'm Happy To Help You", "I'm So Glad You're Here": capitalised words that are not a name.
_NOT_NAME_WORDS = {"To", "The", "And", "Of", "For", "Your", "You", "Here", "Happy", "Glad", "So", "Excited",
                   "Proud", "Not", "Also", "A", "An", "In", "On", "At", "With", "Honored", "Thrilled", "Sorry",
                   "Available", "Currently", "Now", "Accepting", "Passionate", "Committed", "Delighted"}


def page_regions(root) -> dict[str, str]:
    """Each city the page gives a full address for, with its state ("ann arbor" -> "MI"): a staff table or a
    card that names only its office's city ("Ann Arbor") takes the state from the practice's own address."""
    from kapdir.places import parse_address

    out: dict[str, str] = {}
    for line, _after in _zip_lines(root):
        parsed = parse_address(line)
        if parsed.get("city") and parsed.get("region"):
            out.setdefault(parsed["city"].lower(), parsed["region"])
    return out


def map_block_address(root) -> str:
    """The address a Squarespace Map block pins: its data-block-json "location" (addressLine1 "1110 W Jefferson
    St, Suite 310", addressLine2 "Boise, ID, 83702"), which the page text often never repeats."""
    for raw in root.xpath("//*[contains(concat(' ', @class, ' '), ' sqs-block-map ')]/@data-block-json"):
        try:
            loc = json.loads(raw).get("location") or {}
        except (ValueError, AttributeError):
            continue
        line1, line2 = str(loc.get("addressLine1") or "").strip(), str(loc.get("addressLine2") or "").strip()
        line2 = re.sub(r",\s*(\d{5}(?:-\d{4})?)$", r" \1", line2)  # "Boise, ID, 83702" -> "Boise, ID 83702"
        if line1 and _CITY_LINE.match(line2):
            return f"{line1}, {line2}"
    return ""


def contact(root) -> dict[str, str]:
    """Phone and address from a parsed page (lxml root): tel: links, h-card, <address>, a ZIP line. On a site
    of several offices, the office the page's own text names wins over the first one in the header."""
    out: dict[str, str] = {}
    office = _office_phone(root)
    if tel := office or _main_tel(root) or tel_link(root):
        out["phone"] = tel
    card = root.xpath(f"//*[{_CARD}]")
    if card:
        out.update(_card_parts(card[0], _ADDRESS_PARTS))
        if "phone" not in out:
            out.update(_card_parts(card[0], (("phone", ("p-tel", "tel")),)))
    if "city" not in out:
        out.update(address_fields(root))
    if "city" not in out and (mapped := map_block_address(root)):
        out["address"] = mapped
    if "city" not in out and "address" not in out:
        named = _named_office(root)
        for node in root.xpath("//address") + root.xpath("//body"):
            lines = _zip_lines(node)
            if lines:
                # The office the profile names as theirs ("Offices: Denver | Boulder"), else the office whose
                # listing carries the page's own number, else the first.
                mine = [line for line, _after in lines
                        if named and re.search(rf"(?i)\b{re.escape(named)},\s*[A-Z]{{2}}\b", line)]
                mine = mine or [line for line, after in lines if office and _digits(office) in re.sub(r"\D", "", after)]
                out["address"] = (mine or [lines[0][0]])[0]
                break
    if "phone" not in out:
        m = PHONE.search(_text(root.xpath("//main | //article | //address | //footer")) or "")
        if m is None and not root.xpath("//main | //article"):
            # No <main> or <article> (Drupal 7's div#content): the block the page's content sits in.
            m = PHONE.search(_text([main_node(root)]))
        if m:
            out["phone"] = m.group()
    return out
