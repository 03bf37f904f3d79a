"""Lists of locations in JSON, wherever they sit: a locator API's response or a page's <script> blob.

Why one module: `kapdir sources add` guesses a JSON API's item list and fields, and the spider reads a
clinic chain's locator page whose data is embedded in a script (`<script id="__NEXT_DATA__"
type="application/json">`, `window.__LOCATIONS__ = [...]`). Both need the same guess: the biggest list
of objects is the items, and field names are recognised from the keys real locators use.
"""

from __future__ import annotations

import html
import json
import re

FIELD_GUESSES = {
    "id": ("id", "location_id", "slug"),
    "name": ("name", "displayName", "display_name", "fullName", "full_name", "providerName", "title", "clinic_name",
             "location_name"),
    "street": ("address.line1", "address.street", "street", "address1", "address_line1", "address.streetAddress"),
    "city": ("address.city", "city", "locality", "address.addressLocality"),
    "region": ("address.state", "state", "region", "province", "address.addressRegion"),
    "postal_code": ("address.zip", "zip", "postal_code", "postcode", "address.postal_code",
                    "address.postalCode"),
    "lat": ("lat", "latitude", "geo.lat"), "lon": ("lng", "lon", "longitude", "geo.lng"),
    # ("office": "Richmond, VA", a provider's office given as its town)
    "address": ("address", "full_address", "formatted_address", "address.full", "office", "officeLocation",
                "office_location"),
    "phone": ("phone", "telephone", "phone_number"), "website": ("url", "website", "link"),
    "text": ("services", "description", "about", "summary", "desc", "content", "info", "bio", "biography",
             "overview"),
    # A person's job ("Nurse Navigator"): only where the name came from another key.
    "role": ("jobTitle", "job_title", "role", "position", "title"),
}
# A person's or clinic's place in a list of their offices ("locations": [{"city": …}]): the first is the main one.
_FIRST_OF = ("locations", "offices", "addresses", "practiceLocations", "clinics")
for _f, _keys in (("street", ("address1", "street", "address_line1", "address.street", "address.line1")),
                  ("city", ("city", "address.city")), ("region", ("state", "region", "address.state")),
                  ("postal_code", ("zip", "postal_code", "postalCode", "address.zip", "address.postalCode")),
                  ("phone", ("phone",))):
    FIELD_GUESSES[_f] = FIELD_GUESSES[_f] + tuple(f"{lst}.0.{k}" for lst in _FIRST_OF for k in _keys)
# A person's name in two keys (Vue and React apps' providers files): read as "firstName+lastName".
_NAME_PARTS = (("firstName", "lastName"), ("first_name", "last_name"), ("givenName", "familyName"))
_NEXT_KEY = re.compile(r"(^|\.)(next|next_page|nextPage|next_url)$")
# `window.__LOCATIONS__ = [...]`, `var clinics = {...};` — the JSON after an assignment.
_ASSIGNED = re.compile(r"(?:^|[;\s])(?:window\.)?[\w$.]+\s*=\s*(?=[\[{])")


def dig_paths(obj, prefix: str = "", depth: int = 0):
    """Every (dotted path, value) inside a JSON object, four levels deep."""
    if depth > 3:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{prefix}.{k}" if prefix else k
            yield p, v
            yield from dig_paths(v, p, depth + 1)
            if k in _FIRST_OF and isinstance(v, list) and v and isinstance(v[0], dict):
                yield from dig_paths(v[0], f"{p}.0", depth + 1)


def _lists(data):
    """Every (path, list of objects) in a JSON value, the top level included. A collection keyed by
    id (`{"3": {...}, "4": {...}}`, as WordPress map plugins write their markers) counts as a list."""
    for path, v in [("", data), *dig_paths(data)]:
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            yield path, v
        elif isinstance(v, dict) and len(v) >= 2 and all(isinstance(x, dict) for x in v.values()):
            keysets = [frozenset(x) for x in v.values()]
            if len(set(keysets)) == 1 or all(k.isdigit() for k in v):
                yield path, list(v.values())


def _fields(items: list[dict]) -> dict[str, str]:
    keys = {p for item in items[:5] for p, _v in dig_paths(item)}
    fields: dict[str, str] = {}
    for field, guesses in FIELD_GUESSES.items():
        for g in guesses:
            if g in keys and g not in fields.values():
                fields[field] = g
                break
    parts = next((p for p in _NAME_PARTS if set(p) <= keys), None)
    if parts and fields.get("name") in (None, "title"):  # a "title" beside them is the job ("Psychiatrist")
        if fields.get("name") == "title" and "role" not in fields:
            fields["role"] = "title"
        fields["name"] = "+".join(parts)
    # What the listing says about itself may be in several keys ("services": [...], "bio": [...]): all are read.
    taken = {v for f, v in fields.items() if f != "text"}
    texts = [g for g in FIELD_GUESSES["text"] if g in keys and g not in taken]
    if len(texts) > 1:
        fields["text"] = "+".join(texts)
    return fields


def guess_items(data, located: bool = False) -> dict | None:
    """The biggest list of objects is the items ("located": the biggest whose objects have a name and a
    city or street); 'next'-like keys are pagination; fields are known by their keys."""
    best = None
    for path, items in _lists(data):
        fields = _fields(items)
        if located and ("name" not in fields or not {"city", "street", "address"} & set(fields)):
            continue
        if best is None or len(items) > best["count"]:
            best = {"items": path, "fields": fields, "count": len(items)}
    if best is None:
        return None
    best["next"] = next((p for p, v in dig_paths(data) if _NEXT_KEY.search(p) and (v is None or isinstance(v, str))), "")
    return best


def script_blobs(root) -> list:
    """JSON values embedded in a page's scripts: JSON script elements, and the value of an assignment
    in an inline script. Unparseable ones are skipped."""
    out = []
    decoder = json.JSONDecoder()
    for script in root.xpath("//script[not(@src)]"):
        kind = (script.get("type") or "").lower()
        body = script.text or ""
        if "ld+json" in kind:
            continue  # schema.org structured data has its own reader
        if "json" in kind:
            try:
                out.append(json.loads(body))
            except ValueError:
                pass
            continue
        for m in _ASSIGNED.finditer(body):
            try:
                value, _end = decoder.raw_decode(body, m.end())
            except ValueError:
                continue
            out.append(value)
    out += flight_values(root)
    # Components hydrated from an attribute (React mount points: data-props, data-react-props; Inertia's
    # data-page): the same JSON, in the markup.
    for el in root.xpath("//*[@data-props or @data-react-props or @data-page or @data-initial-state]"):
        for name in ("data-props", "data-react-props", "data-page", "data-initial-state"):
            raw = (el.get(name) or "").strip()
            if raw[:1] in ("[", "{"):
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    pass
    return out


_FLIGHT_PUSH = re.compile(r"self\.__next_f\.push\(")
_FLIGHT_ROW = re.compile(r"(?m)^[0-9a-f]{1,8}:(?=[\[{])")


def flight_values(root) -> list:
    """The JSON rows of a Next.js App Router page's streamed payload (``self.__next_f.push([1, "…"])``): a
    server-rendered page shows names only, and the component that lists providers gets its records as
    props there. The pushed strings are one stream of ``id:value`` lines; the JSON values are kept."""
    decoder = json.JSONDecoder()
    stream = []
    for script in root.xpath("//script[not(@src)][contains(., '__next_f')]"):
        body = script.text or ""
        for m in _FLIGHT_PUSH.finditer(body):
            try:
                value, _end = decoder.raw_decode(body, m.end())
            except ValueError:
                continue
            if isinstance(value, list) and len(value) == 2 and value[0] == 1 and isinstance(value[1], str):
                stream.append(value[1])
    text = "".join(stream)
    out: list = []
    for m in _FLIGHT_ROW.finditer(text):
        try:
            value, _end = decoder.raw_decode(text, m.end())
        except ValueError:
            continue
        _component_props(value, out)
    return out


def _component_props(value, out: list, depth: int = 0) -> None:
    """The props of each element in a React tree written as ``["$", type, key, props]``, that hold a list:
    the records a client component was handed (``["$", "$L7", null, {"providers": [...]}]``)."""
    if depth > 60:
        return
    if isinstance(value, list):
        if len(value) == 4 and value[0] == "$" and isinstance(value[3], dict):
            props = value[3]
            if any(isinstance(v, list) and v and all(isinstance(x, dict) for x in v) for v in props.values()):
                out.append(props)
            _component_props(props.get("children"), out, depth + 1)
            return
        for v in value:
            _component_props(v, out, depth + 1)
    elif isinstance(value, dict):
        _component_props(value.get("children"), out, depth + 1)


# A providers file's kind of entry that treats no one ("role": "staff", "admin").
STAFF_KIND = re.compile(r"\s*(?:staff|admin|administrative|administration|operations|support|office)\s*$", re.I)
_DATA_FILE = re.compile(r"\.json(?:$|\?)", re.I)


def data_files(root) -> list[str]:
    """JSON files a page says it will fetch at once (``<link rel="preload" as="fetch">``, ``rel="prefetch"``):
    where a single-page app keeps its content."""
    hrefs = root.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' preload ') or "
                       "contains(concat(' ', normalize-space(@rel), ' '), ' prefetch ')]"
                       "[not(@as) or @as='fetch']/@href")
    return list(dict.fromkeys(h.strip() for h in hrefs if _DATA_FILE.search(h.strip())))


def locations_in_page(root) -> tuple[list[dict], dict] | None:
    """The biggest list of location-like objects in the page's scripts (a name and a city or street),
    with the guessed field paths; None when there is none."""
    best = None
    for blob in script_blobs(root):
        guess = guess_items(blob, located=True)
        if not guess:
            continue
        if best is None or guess["count"] > best[1]["count"]:
            best = (items_at(blob, guess["items"]), guess)
    return best


def items_at(data, path: str) -> list:
    """The objects at ``path``: a list, or the values of a collection keyed by id."""
    value = dig(data, path) if path else data
    if isinstance(value, dict):
        return [x for x in value.values() if isinstance(x, dict)]
    return value if isinstance(value, list) else []


def dig(obj, path: str):
    """A value at a dotted path ("address.city", "items.0.name"); None when any step is missing. Paths
    joined by "+" are read each and joined with a space ("firstName+lastName")."""
    if "+" in path:
        values = [dig(obj, p) for p in path.split("+")]
        values = [_joined([x for x in v if isinstance(x, str)]) if isinstance(v, list) else v for v in values]
        values = [str(v).strip() for v in values if isinstance(v, (str, int)) and str(v).strip()]
        return _joined(values, short=" ") or None  # names join with a space, texts (services, a bio) by lines
    for part in path.split(".") if path else []:
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _joined(items: list[str], short: str = "; ") -> str:
    """Strings as one text: short ones ("IV ketamine", "Spravato") on one line joined by ``short``, and when
    any is a sentence, each on a line of its own."""
    return ("\n" if any(len(x) > 40 for x in items) else short).join(items)


_TAG = re.compile(r"<[^>]{0,500}>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|br|h[1-6]|ul|ol|tr)\b[^>]{0,500}>", re.I)


def plain(value: str) -> str:
    """A JSON string as text: HTML entities decoded, tags dropped (block tags become line breaks)."""
    if "<" in value and ">" in value:
        value = _TAG.sub(" ", _BLOCK_TAG.sub("\n", value))
    return html.unescape(value)
