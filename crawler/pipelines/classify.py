"""Decide what a listing offers (routes × settings, training) and whether it is a ketamine provider at all."""

from __future__ import annotations

from kapdir.reading import classify


def apply_verdict(listing: dict) -> tuple[str, str]:
    """Fill routes/certifications from the text; return (status, reason)."""
    verdict = classify(listing.get("text") or "", roster_program=listing.get("roster_program") or None)
    listing["routes"] = verdict["routes"]
    listing["offers_at_home"] = verdict["offers_at_home"]
    listing["certifications"] = verdict["certifications"]
    listing["ketamine"] = verdict["ketamine"]
    listing["credentials"] = list(dict.fromkeys(listing.get("credentials", []) + verdict["credentials"]))
    if not listing.get("name"):
        return "rejected", "no practitioner name on the page"
    if not verdict["ketamine"]:
        if listing.get("roster_program") and verdict["certifications"]:
            # A KAP training roster vouches for the person even when the row carries no service text.
            return "published", ""
        return "rejected", "not a ketamine provider: no ketamine care offered in the text"
    return "published", ""


class ClassifyPipeline:
    def process_item(self, item, spider=None):
        item["status"], item["reason"] = apply_verdict(item["listing"])
        return item
