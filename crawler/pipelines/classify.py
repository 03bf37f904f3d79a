"""Decide what a listing offers (routes × settings, training) and whether it is a ketamine provider at all."""

from __future__ import annotations

import logging
import re

from kapdir.reading import classify
from kapdir.reading.serves import service_area

# A page that treats patients at home or by telehealth: the states it names are where it serves
# (issue 15). An in-clinic practice's "serving central Virginia" is where its patients come from.
_REMOTE = re.compile(r"(?i:\b(?:tele-?health|tele-?medicine|virtual(?:ly)?|online|by\s+video|remote(?:ly)?)\b)")

log = logging.getLogger(__name__)


def apply_verdict(listing: dict) -> tuple[str, str]:
    """Fill routes/certifications from the text; return (status, reason)."""
    verdict = classify(listing.get("text") or "", roster_program=listing.get("roster_program") or None,
                       listing=True, url=listing.get("url") or "")
    listing["routes"] = verdict["routes"]
    listing["offers_at_home"] = verdict["offers_at_home"]
    listing["certifications"] = verdict["certifications"]
    listing["ketamine"] = verdict["ketamine"]
    text = listing.get("text") or ""
    listing["serves"] = service_area(text) if verdict["ketamine"] and (
        verdict["offers_at_home"] or _REMOTE.search(text)) else []
    listing["credentials"] = list(dict.fromkeys(listing.get("credentials", []) + verdict["credentials"]))
    if not listing.get("name"):
        return "rejected", "no practitioner name on the page"
    if not verdict["ketamine"]:
        if listing.get("kind") == "roster":
            # A roster (a KAP training programme's graduates, a ketamine practitioners' network) vouches
            # for the person even when the row carries no service text; with a registry programme
            # (`certification`) it also gives them that training.
            return "published", ""
        return "rejected", "not a ketamine provider: no ketamine care offered in the text"
    return "published", ""


class ClassifyPipeline:
    """A bug or a pathological page must not lose the crawl: the listing is kept as rejected, counted as an
    error by kind, and the crawl is reported partial."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        try:
            item["status"], item["reason"] = apply_verdict(item["listing"])
        except Exception as exc:  # noqa: BLE001
            log.exception("extraction failed for %s", item.get("url"))
            item["status"], item["reason"] = "rejected", f"extraction failed: {type(exc).__name__}"
            spider = spider or (self.crawler.spider if self.crawler else None)
            if spider is not None and hasattr(spider, "errors"):
                spider.errors["extraction_error"] += 1
        return item
