"""How two spellings of a practitioner's name are made comparable.

Here, not in ``kapdir.records``, because the store needs the same key (it keeps a copy of it on every listing
for indexed look-ups, and matches suppressions by it) and ``kapdir.records`` is built on the store: with the
key in records, the two modules imported each other.
"""

from __future__ import annotations

import re
import unicodedata


def fold(s: str) -> str:
    """Accents, case and punctuation never tell two practitioners apart; spacing neither."""
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[^\w\s]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


_TITLES = re.compile(r"^(dr|doctor|mr|mrs|ms|mx|prof)\s+")


def name_key(name: str) -> str:
    """Titles go too: "Dr. Adá One" and "ada one" are one person to entity resolution and to a removal request."""
    return _TITLES.sub("", fold(name))
