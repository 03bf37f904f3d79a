"""Turn raw strings into comparable facts: names without titles, parsed addresses, E.164 phones, coordinates."""

from __future__ import annotations

from itemadapter import ItemAdapter

from kapdir.phones import normalise_phone
from kapdir.places import geocode, normalise_city, normalise_region, parse_address
from kapdir.reading import parse_credentials, split_name_credentials
from kapdir.urls import clean_website


def normalise(raw: dict) -> dict:
    """The listing as stored: every field present, typed and normalised."""
    name, name_creds = split_name_credentials(raw.get("name") or "")
    creds = list(dict.fromkeys(name_creds + parse_credentials(raw.get("credentials_text") or "")))
    addr = {k: raw.get(k) or "" for k in ("street", "city", "region", "postal_code", "country")}
    if raw.get("address"):
        parsed = parse_address(raw["address"])
        for k, v in parsed.items():
            if v and not addr.get(k):
                addr[k] = v
    if addr["city"] and not addr["region"] and "," in addr["city"]:
        parsed = parse_address(addr["city"])
        addr["city"], addr["region"] = parsed.get("city") or addr["city"], parsed.get("region", "")
    addr["region"] = normalise_region(addr["region"]) if addr["region"] else ""
    addr["city"] = normalise_city(addr["city"], addr["region"]) if addr["city"] else ""
    if not addr["country"] and (addr["region"] or addr["postal_code"]):
        addr["country"] = "US"
    if addr["country"] in ("USA", "United States", "United States of America", "U.S.", "US"):
        addr["country"] = "US"
    lat, lon = raw.get("lat"), raw.get("lon")
    try:
        lat, lon = (float(lat), float(lon)) if lat not in (None, "") and lon not in (None, "") else (None, None)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            lat = lon = None
    except (TypeError, ValueError):
        lat = lon = None
    if lat is None:
        point = geocode(addr["city"], addr["region"], addr["postal_code"])
        if point:
            lat, lon = point
    return {
        "kind": raw.get("kind") or "directory",
        "via": raw.get("via") or "",
        "name": name,
        "practice": raw.get("practice") or "",
        "credentials": creds,
        **addr,
        "lat": lat,
        "lon": lon,
        "phone": normalise_phone(raw.get("phone") or "") or "",
        "website": clean_website(raw.get("website")),
        "text": raw.get("text") or "",
        "roster_program": raw.get("roster_program") or "",
    }


class NormalisePipeline:
    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        raw = adapter.asdict()
        return {"source": raw.get("source"), "url": raw.get("url"), "key": raw.get("key") or "",
                "listing": normalise(raw)}
