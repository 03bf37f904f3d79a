"""Reading a page owner's robots directives (X-Robots-Tag and <meta name="robots">)."""

from __future__ import annotations

import re

_NOINDEX = re.compile(rb"\bnoindex\b|\bnone\b", re.I)
_NOFOLLOW = re.compile(rb"\bnofollow\b|\bnone\b", re.I)
_META = re.compile(rb"<meta\b[^>]*>", re.I)
_NAME_ROBOTS = re.compile(rb"""name\s*=\s*["']?(robots|kapdir)["'\s>/]""", re.I)
_CONTENT = re.compile(rb"""content\s*=\s*["']([^"']*)["']""", re.I)


def robots_directives(headers_value: bytes | None, body: bytes) -> tuple[bool, bool]:
    """(noindex, nofollow) from X-Robots-Tag and <meta name="robots"> in the first 64 KB of the page."""
    noindex = nofollow = False
    if headers_value:
        noindex = bool(_NOINDEX.search(headers_value))
        nofollow = bool(_NOFOLLOW.search(headers_value))
    head = body[:65536]
    for tag in _META.findall(head):
        if _NAME_ROBOTS.search(tag):
            m = _CONTENT.search(tag)
            if m:
                noindex = noindex or bool(_NOINDEX.search(m.group(1)))
                nofollow = nofollow or bool(_NOFOLLOW.search(m.group(1)))
    return noindex, nofollow
