"""People on a roster page, found without selectors: a table whose columns are known by their header
text, or a list whose items each start with a person's name.

Why: a certifying body's roster is almost always a table whose header says what each column is
("Name", "Credentials", "City", "State", "Phone", "Website"). A maintainer adding such a site should
write `kind = "roster"` and a start URL, not CSS selectors. Selectors in the source file still win.

A table of people who are *not* on the roster (trainees, a current cohort, applicants) is told apart
by its caption, class or id, or the heading just before it; its rows are never published.
"""

from __future__ import annotations

import csv
import io
import re

from lxml import html as lxml_html

from crawler.plainpage import PHONE, person_name
from kapdir.places._text import us_state_names
from kapdir.urls import clean_website

_STATES = us_state_names()

# Header text -> listing field.  First match wins, so "Practice website" is a website, not a practice.
_COLUMNS: list[tuple[str, re.Pattern]] = [
    ("last", re.compile(r"\b(?:last|family|sur)\s*name\b|\bsurname\b", re.I)),
    ("first", re.compile(r"\b(?:first|given)\s*name\b", re.I)),
    ("public", re.compile(r"\bpublic\b|\blisted\b|\bpublish", re.I)),
    ("id", re.compile(r"\b(?:id|no|number|#)\b|^#$", re.I)),
    ("since", re.compile(r"\b(?:since|year|date|expir\w*)\b", re.I)),
    ("status", re.compile(r"\bstatus\b|\bstanding\b", re.I)),
    ("text", re.compile(r"\bservices?\b|\boffered\b|\btreatments?\b|\bspecialt(?:y|ies)\b|\bmodalit", re.I)),
    ("postal_code", re.compile(r"\b(?:zip|postal|post\s*code|postcode)\b", re.I)),
    ("street", re.compile(r"\bstreet\b|\baddress\b", re.I)),
    ("website", re.compile(r"\b(?:web\s*site|web|url|site|link|homepage)\b", re.I)),
    ("phone", re.compile(r"\b(?:phone|tel|telephone|contact\s+number|mobile)\b", re.I)),
    ("contact", re.compile(r"\bcontact\b", re.I)),  # a phone, an e-mail, a website in one cell
    ("credentials", re.compile(r"\b(?:credentials?|degrees?|licen[cs]es?|designations?|title)\b", re.I)),
    ("region", re.compile(r"\b(?:state|province|region)\b", re.I)),
    ("city", re.compile(r"\b(?:city|town|location|where)\b", re.I)),
    ("practice", re.compile(r"\b(?:practice|clinic|organi[sz]ation|company|business)\b", re.I)),
    ("name", re.compile(r"\b(?:name|clinician|practitioner|provider|therapist|member|graduate|person)\b", re.I)),
]
# Who is listed but not (yet) on the roster.
_NOT_ON_ROSTER = re.compile(
    r"\b(?:in\s+training|trainees?|cohort|not\s+yet\s+certified|pending|applicants?|students?|wait-?list"
    r"|in\s+progress|candidates?|enrolled|provisional)\b", re.I)
_EMPTY = {"", "—", "–", "-", "n/a", "none"}
_NO = {"no", "n", "false", "0", "private", "hidden"}
_CITY_STATE = re.compile(r"^\s*(?P<city>[^,]+?)\s*,\s*(?P<region>[A-Za-z]{2}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s*$")


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


def _header(table) -> list[str] | None:
    """The header cells' texts: a <thead> row, else a first row made only of <th>, else a first row of short
    cells that name columns (Word and Google Docs exports write the header as bold <td>s). Each text node
    counts as a word of its own: a sortable column reads "Name" then a hidden "Sort descending", not "NameSort"."""
    rows = table.xpath("./thead/tr") or table.xpath("./tr[1] | ./tbody/tr[1]")
    if not rows:
        return None
    cells = rows[0].xpath("./th | ./td")
    texts = [" ".join(" ".join(c.itertext()).split()) for c in cells]
    if table.xpath("./thead") or (cells and all(c.tag == "th" for c in cells)):
        return texts
    if len(cells) >= 2 and all(len(t) <= 40 and not re.search(r"\d", t) for t in texts):
        fields = _fields(texts)
        if len(fields) >= 2 and _names_someone(fields):
            return texts
    return None


def _grid(table) -> list[list]:
    """The table's body rows as cells, a cell spanning rows (a city over two people) repeated in each."""
    out: list[list] = []
    spans: dict[int, tuple[object, int]] = {}  # column -> (cell, rows still to fill)
    for tr in table.xpath("./tbody/tr | ./tr"):
        row: list = []
        cells = iter(tr.xpath("./td | ./th"))
        col = 0
        while True:
            if col in spans:
                cell, left = spans[col]
                row.append(cell)
                spans[col] = (cell, left - 1)
                if left - 1 <= 0:
                    del spans[col]
                col += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            row.append(cell)
            rowspan = cell.get("rowspan", "1")
            if rowspan.isdigit() and int(rowspan) > 1:
                spans[col] = (cell, int(rowspan) - 1)
            col += 1
        out.append(row)
    return out


def _lines(cell) -> list[str]:
    """A cell's lines, as its <br>s and paragraphs break them."""
    return [" ".join(x.split()) for x in "".join(_ordered_text(cell)).split("\n") if x.split()]


def _ordered_text(el):
    if el.tag in ("br", "p", "div", "li"):
        yield "\n"
    if el.text and el.tag not in ("script", "style"):
        yield el.text
    for child in el:
        yield from _ordered_text(child)
        if child.tail:
            yield child.tail


def _web_link(node) -> str:
    """The first link to a web address inside ``node`` (not a mailto: or a page of the roster's own)."""
    return next((h for h in node.xpath(".//a/@href") if h.startswith(("http://", "https://"))), "")


def _group_region(cells: list, width: int) -> str | None:
    """A row that is one cell across the table naming a state ("MINNESOTA", "Western Wisconsin"): the state of
    the rows below it, as its code."""
    if len(cells) != 1 or width < 2:
        return None
    text = " ".join(cells[0].text_content().split()).lower()
    for code, name in _STATES.items():
        if re.search(rf"\b{re.escape(name.lower())}\b", text):
            return code
    return None


def _fields(header: list[str]) -> dict[int, str]:
    out: dict[int, str] = {}
    taken: set[str] = set()
    for i, h in enumerate(header):
        for field, rx in _COLUMNS:
            if field not in taken and rx.search(h):
                out[i] = field
                taken.add(field)
                break
    return out


def _context(table) -> str:
    """What the page says about this table: its caption, class and id, and the heading just before it."""
    bits = [table.get("class") or "", table.get("id") or ""]
    bits += [_text(c) for c in table.xpath("./caption")]
    heading = table.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]")
    if heading:
        bits.append(_text(heading[0]))
    for anc in table.iterancestors():
        bits += [anc.get("class") or "", anc.get("id") or ""]
        if anc.tag in ("section", "article", "main", "body"):
            break
    return " ".join(bits)


def roster_rows(page: str | bytes, base_url: str = "", lists: bool = True) -> list[dict]:
    """One dict per person in the page's roster tables (or, with no table and ``lists``, its roster lists):
    name plus whichever of credentials, city, region, phone, website, practice the columns give. Tables
    without a name column are skipped."""
    try:
        root = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    if base_url:
        root.make_links_absolute(base_url, resolve_base_href=True)
    people: list[dict] = []
    for table in root.iter("table"):
        header = _header(table)
        if not header:
            continue
        fields = _fields(header)
        if not _names_someone(fields) or _NOT_ON_ROSTER.search(_context(table)):
            continue
        region = None
        for n, cells in enumerate(_grid(table)):
            if n == 0 and not table.xpath("./thead") or not cells or all(c.tag == "th" for c in cells):
                continue  # the header
            if (state := _group_region(cells, len(header))) or len(cells) == 1:
                region = state or region
                continue  # a group row ("MINNESOTA", "California")
            values = []
            extra: dict[str, str] = {}
            for i, cell in enumerate(cells):
                field = fields.get(i)
                if field == "website":
                    href = next(iter(cell.xpath(".//a/@href")), "")
                    values.append(href.strip() if href.startswith(("http://", "https://")) else "")
                elif field == "name" and len(lines := _lines(cell)) > 1 and "practice" not in fields.values():
                    values.append(lines[0])  # "<b>Jane Doe</b>, LMFT<br><i>Lakewater Counseling</i>"
                    extra["practice"] = lines[1]
                elif field == "contact":
                    text = _text(cell)
                    if m := PHONE.search(text):
                        extra["phone"] = m.group()
                    if href := _web_link(cell):
                        extra["website"] = href
                    values.append("")
                else:
                    values.append(_text(cell))
            row = _row(fields, values)
            if row:
                for k, v in extra.items():
                    row.setdefault(k, v)
                if region and "region" not in row:
                    row["region"] = region
                people.append(row)
    return people or (_list_rows(root) if lists else [])


def _names_someone(fields: dict[int, str]) -> bool:
    cols = set(fields.values())
    return "name" in cols or {"first", "last"} <= cols


def _row(fields: dict[int, str], values: list[str]) -> dict[str, str] | None:
    """One person from a row's cell texts, or None (no name, or marked as not for public listing)."""
    row: dict[str, str] = {}
    for i, value in enumerate(values):
        field = fields.get(i)
        value = " ".join((value or "").split())
        if field and value.lower() not in _EMPTY:
            row[field] = value
    if row.pop("public", "yes").lower() in _NO or _NOT_ON_ROSTER.search(row.pop("status", "")):
        return None  # opted out of the public list; "Provisional (in training)"
    row.pop("id", None)
    row.pop("since", None)
    first, last = row.pop("first", ""), row.pop("last", "")
    if not row.get("name") and first and last:
        row["name"] = f"{first} {last}"
    if not row.get("name"):
        return None
    if "website" in row:
        row["website"] = clean_website(row["website"])  # "doe.example.com" -> "https://doe.example.com"
        if not row["website"]:
            del row["website"]
    if "city" in row and "region" not in row and (m := _CITY_STATE.match(row["city"])):
        row["city"], row["region"] = m["city"], m["region"]
    return row


# A roster published as a file the roster page links to: a spreadsheet export (CSV) or a text file.
ROSTER_FILE = re.compile(r"\.(?:csv|tsv|txt)(?:$|[?#])", re.I)


def roster_file_rows(data: bytes) -> list[dict]:
    """One dict per person in a CSV/TSV roster file whose first row names the columns (a spreadsheet
    export: byte-order mark, CRLF, quoted fields, split first/last names). Rows marked as not for
    public listing are skipped; a file without a name column gives nothing."""
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if not lines:
        return []
    head = lines[0]
    delimiter = max(",\t;|", key=head.count)
    if not head.count(delimiter):
        return []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    fields = _fields([h.strip() for h in header])
    if not _names_someone(fields):
        return []
    people = []
    for values in reader:
        if any(v.strip() for v in values):
            row = _row(fields, values)
            if row:
                people.append(row)
    return people


_SEPARATOR = re.compile(r"\s+[—–|·•]\s+|\s+-\s+|\n")
_PLACE = re.compile(r"^(?P<city>[A-Z][\w .'-]+?),\s*(?P<region>[A-Z]{2})\b")


def _list_rows(root) -> list[dict]:
    """A roster written as a list: "<li><b>Jane Doe, LMFT</b> — Denver, CO — (303) 555-0100</li>". A list
    counts when most of its items start with a person's name; trainees' lists are skipped as for tables."""
    people: list[dict] = []
    for lst in root.xpath("//ul | //ol"):
        items = lst.xpath("./li")
        if len(items) < 3 or lst.xpath("ancestor::nav | ancestor::header | ancestor::footer | ancestor::noscript"):
            continue
        rows = []
        for li in items:
            parts = [p.strip(" ,;") for p in _SEPARATOR.split(re.sub(r"[ \t]+", " ", li.text_content()).strip())]
            name = person_name(parts[0]) if parts and parts[0] else ""
            if not name:
                continue
            row = {"name": name}
            for part in parts[1:]:
                if "phone" not in row and (m := PHONE.search(part)):
                    row["phone"] = m.group()
                elif "city" not in row and (m := _PLACE.match(part)):
                    row["city"], row["region"] = m["city"].strip(), m["region"]
            if href := _web_link(li):
                row["website"] = href
            rows.append(row)
        if len(rows) * 5 >= len(items) * 3 and not _NOT_ON_ROSTER.search(_context(lst)):
            people += rows
    return people
