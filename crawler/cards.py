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

import re
from collections import defaultdict
from urllib.parse import unquote, urlsplit

from crawler.plainpage import PHONE, address_fields, address_line, block_text

MIN_CARDS = 2
_SKIP_ANCESTORS = "ancestor::nav | ancestor::header | ancestor::footer | ancestor::*[@role='navigation']"
_TITLE = ("./descendant::*[self::h2 or self::h3 or self::h4 or self::h5][1]",
          "./descendant::*[contains(@class, 'name') or contains(@class, 'title')][1]",
          "./descendant::*[self::strong or self::b][1]")
_PRACTICE_CLASS = re.compile(r"practice|clinic|organi[sz]ation|company", re.I)


def _signature(el) -> tuple[str, str]:
    return el.tag, " ".join(sorted((el.get("class") or "").split()))


def _title(card) -> str:
    for xp in _TITLE:
        hit = card.xpath(xp)
        if hit:
            text = " ".join(" ".join(hit[0].itertext()).split())
            if 2 <= len(text) <= 120:
                return text
    return ""


def _phone(card) -> str:
    tel = card.xpath('.//a[starts-with(translate(@href, "TEL", "tel"), "tel:")]/@href')
    if tel:
        return unquote(tel[0].split(":", 1)[1]).strip()
    m = PHONE.search(" ".join(card.itertext()))
    return m.group() if m else ""


def _card(card, host: str) -> dict[str, str] | None:
    name = _title(card)
    if not name:
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
    row["text"] = block_text(card)
    return row


def cards(root, page_url: str = "") -> list[dict[str, str]]:
    """Every entry of the page's card lists (see the module docstring), in page order."""
    host = urlsplit(page_url).hostname
    groups: dict[tuple, list] = defaultdict(list)
    for parent in root.iter():
        if not isinstance(parent.tag, str) or parent.tag in ("head", "script", "style", "select", "table"):
            continue
        kids = [c for c in parent if isinstance(c.tag, str)]
        if len(kids) < MIN_CARDS:
            continue
        by_sig: dict[tuple, list] = defaultdict(list)
        for c in kids:
            by_sig[_signature(c)].append(c)
        for sig, members in by_sig.items():
            if len(members) >= MIN_CARDS and sig[0] not in ("option", "br", "script", "style", "meta", "link"):
                groups[sig].extend(members)
    best: list[dict] = []
    for _sig, members in groups.items():
        members = [m for m in members if not m.xpath(_SKIP_ANCESTORS)]
        if len(members) < MIN_CARDS:
            continue
        rows = [r for r in (_card(m, host) for m in members) if r]
        # Most blocks must read as entries; the biggest such list wins (cards inside a card list
        # would give fewer entries, a page wrapper fewer still).
        if len(rows) >= MIN_CARDS and len(rows) * 5 >= len(members) * 3 and len(rows) > len(best):
            best = rows
    return best
