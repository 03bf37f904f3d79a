"""The contract's fixed vocabulary for administration routes and settings, in display order.

One definition so the reader, curation, the index and the sample-site labels cannot drift apart.
"""

from __future__ import annotations

ROUTES = ("iv", "im", "intranasal", "oral", "subcutaneous")
SETTINGS = ("in_clinic", "at_home", "unspecified")
