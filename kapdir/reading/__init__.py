"""Reading free text written for patients: is this a ketamine provider, how and where is
ketamine given, which trainings do they hold, and which credentials do they list.

The verdict shape is the project's public contract; see README.md in this package.
"""

from __future__ import annotations

from pathlib import Path

from .credentials import parse_credentials, split_name_credentials
from .programmes import DEFAULT_PATH, ProgrammeMatcher, load_programmes
from .rules import ROUTES, SETTINGS
from .rules import classify_text as _classify_text

PROGRAMMES: dict[str, dict] = load_programmes()
_MATCHER = ProgrammeMatcher(PROGRAMMES)

__all__ = [
    "PROGRAMMES",
    "ROUTES",
    "SETTINGS",
    "classify",
    "load_programmes",
    "make_classifier",
    "parse_credentials",
    "split_name_credentials",
]


def classify(text: str, *, roster_program: str | None = None) -> dict:
    """Verdict for one page of patient-facing text (see README.md for the shape).

    ``roster_program`` is a programme id for pages that are training rosters: being
    listed there is itself evidence of the certification.
    """
    return _classify_text(text or "", _MATCHER, roster_program)


def make_classifier(programmes_path: str | Path = DEFAULT_PATH):
    """A ``classify`` bound to another registry file, for tests and local extensions."""
    matcher = ProgrammeMatcher(load_programmes(programmes_path))

    def _classify(text: str, *, roster_program: str | None = None) -> dict:
        return _classify_text(text or "", matcher, roster_program)

    _classify.programmes = matcher.registry  # type: ignore[attr-defined]
    return _classify
