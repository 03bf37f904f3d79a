"""The contract's fixed vocabulary for administration routes and settings, in display order.

One definition so the reader, curation, the index and the sample-site labels cannot drift apart.
"""

from __future__ import annotations

ROUTES = ("iv", "im", "intranasal", "oral", "subcutaneous")
SETTINGS = ("in_clinic", "at_home", "unspecified")
# How the site names them: short labels for facets and badges, long ones for a practitioner's page.
ROUTE_LABELS = {"iv": "IV", "im": "IM", "intranasal": "Intranasal", "oral": "Oral", "subcutaneous": "Subcutaneous"}
ROUTE_LONG = {"iv": "IV infusion", "im": "IM injection", "intranasal": "Intranasal / Spravato",
              "oral": "Oral / sublingual", "subcutaneous": "Subcutaneous injection"}
SETTING_LABELS = {"in_clinic": "In clinic", "at_home": "At home", "unspecified": "Setting not stated"}
# Where an at-home or telehealth provider serves (record field `serves`, issue 15): the 50 states and DC,
# in code order. Fixed, so an index stores each record's states as bits of one 64-bit number.
US_STATES = ("AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN",
             "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ",
             "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA",
             "WI", "WV", "WY")
