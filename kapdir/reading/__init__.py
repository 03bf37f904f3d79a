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
from .stack import MIN_CHARS, Stack

PROGRAMMES: dict[str, dict] = load_programmes()
_MATCHER = ProgrammeMatcher(PROGRAMMES)
_STACK = Stack.load()

__all__ = [
    "PROGRAMMES",
    "ROUTES",
    "SETTINGS",
    "classify",
    "classify_rules",
    "read_both",
    "load_programmes",
    "make_classifier",
    "parse_credentials",
    "split_name_credentials",
]


def classify(text: str, *, roster_program: str | None = None, listing: bool = False, url: str = "") -> dict:
    """Verdict for one page of patient-facing text (see README.md for the shape).

    ``roster_program`` is a programme id for pages that are training rosters: being
    listed there is itself evidence of the certification. ``listing``: the text is a practitioner's own
    listing (what the crawler reads: a profile, a clinic's page, a card), not any page about ketamine.
    ``url``: the page's address, when known (a training programme's own site claims no one's training in it).
    """
    return _read(text or "", _MATCHER, roster_program, _STACK, listing, url)


def classify_rules(text: str, *, roster_program: str | None = None, url: str = "") -> dict:
    """The rules alone, without the learned layer: what the rules' own tests pin down."""
    return _classify_text(text or "", _MATCHER, roster_program, url=url)


def _read(text: str, matcher: ProgrammeMatcher, roster_program: str | None, stack: Stack | None,
          listing: bool = False, url: str = "") -> dict:
    """The rules read the page and find every route word; the learned layer (``stack.py``) decides
    which of them the page offers, and whether it is a provider's page at all.

    On a practitioner's own listing the second question is already answered: the page model, trained on
    every kind of page (articles, blogs, explainers), takes a third-person academic profile ("Professor",
    "Research Interests") for no provider's page. There, when the rules found a route offered and the
    learned layer kept none, the rules' verdict stands (cross-validated on the development split's
    listing kinds, 740 lines: route x setting F1 0.819 -> 0.824, provider recall 0.930 -> 0.935 at the same
    precision 0.970; on every kind of page it would cost, so only listings)."""
    rules, full = read_both(text, matcher, roster_program, stack, url)
    if listing and rules["routes"] and not full["ketamine"]:
        return rules
    return full


def read_both(text: str, matcher: ProgrammeMatcher = _MATCHER, roster_program: str | None = None,
              stack: Stack | None = _STACK, url: str = "") -> tuple[dict, dict]:
    """(the rules' verdict, the whole reader's verdict) from one reading of the page."""
    if stack is None or len(text) < MIN_CHARS:  # a card keeps the rules' verdict: no trace to build
        rules = _classify_text(text, matcher, roster_program, url=url)
        return rules, rules
    trace: dict = {}
    rules = _classify_text(text, matcher, roster_program, trace=trace, url=url)
    return rules, stack.verdict(trace, rules)


def make_classifier(programmes_path: str | Path = DEFAULT_PATH):
    """A ``classify`` bound to another registry file, for tests and local extensions."""
    matcher = ProgrammeMatcher(load_programmes(programmes_path))

    def _classify(text: str, *, roster_program: str | None = None, listing: bool = False, url: str = "") -> dict:
        return _read(text or "", matcher, roster_program, _STACK, listing, url)

    _classify.programmes = matcher.registry  # type: ignore[attr-defined]
    return _classify
