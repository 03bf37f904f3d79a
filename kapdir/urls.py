"""Which web addresses kapdir keeps.

Shared by the crawler (a listing's website) and curation (a maintainer typing one): the same rule on both
sides, and neither has to reach into the other for it.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.\-]*\s*:", re.I)


def clean_website(url: str | None) -> str:
    """Only http(s) links are kept: a crawled ``javascript:`` or ``data:`` URL must never reach a page."""
    if not url:
        return ""
    url = url.strip()
    if _SCHEME.match(url) and not url.lower().startswith(("http://", "https://")):
        return ""  # javascript:, data:, mailto: … are never a practitioner's website
    if url.startswith("//"):
        url = "https:" + url
    if "://" not in url and "." in url and " " not in url:
        url = "https://" + url
    try:
        p = urlparse(url)
    except ValueError:
        return ""
    return url if p.scheme in ("http", "https") and p.hostname else ""


def host_of(url: str | None) -> str:
    """A web address's host, lower-cased and without "www." ("https://www.Fluence.com/x" -> "fluence.com"); "" for
    none or a malformed address ("http://[bad"), which a crawled or typed address may be."""
    try:
        host = (urlparse(url or "").hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")
