"""The item a spider yields: what one page says about one practitioner, before any cleaning."""

from __future__ import annotations

import scrapy
from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

MAX_FIELD = 2000
MAX_TEXT = 20000


def _clean(value):
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = " ".join(value.replace("\x00", " ").split())
    return value[:MAX_FIELD] or None


def _clean_text(value):
    if not isinstance(value, str):
        return None
    lines = [" ".join(line.split()) for line in value.replace("\x00", " ").splitlines()]
    return "\n".join(line for line in lines if line)[:MAX_TEXT] or None


class ListingItem(scrapy.Item):
    source = scrapy.Field()
    kind = scrapy.Field()
    url = scrapy.Field()
    key = scrapy.Field()            # tells apart several practitioners on one page
    via = scrapy.Field()            # json-ld | microdata | rdfa | selectors | roster | api
    name = scrapy.Field()
    credentials_text = scrapy.Field()
    practice = scrapy.Field()
    address = scrapy.Field()        # a free-form address line, parsed by the normalise pipeline
    street = scrapy.Field()
    city = scrapy.Field()
    region = scrapy.Field()
    postal_code = scrapy.Field()
    country = scrapy.Field()
    lat = scrapy.Field()
    lon = scrapy.Field()
    phone = scrapy.Field()
    website = scrapy.Field()
    text = scrapy.Field(output_processor=Join("\n"))
    roster_program = scrapy.Field()


class ListingLoader(ItemLoader):
    """Every field is attacker-controlled text: collapse whitespace, drop NULs, cap lengths."""

    default_item_class = ListingItem
    default_input_processor = MapCompose(_clean)
    default_output_processor = TakeFirst()
    text_in = MapCompose(_clean_text)
    lat_in = lon_in = Identity()
