"""Where a provider serves by telehealth or at home: the US states a page says it treats patients in.

Why: an at-home programme based in Denver that treats patients across Colorado, Utah and New Mexico is
invisible, by its office address alone, to someone in Albuquerque looking for at-home care (issue 15).
Real pages say it in a handful of ways (paraphrased from the real corpus, tests/fixtures/real):
"Right now KetaCare is available in Florida", "Virtual therapy: available anywhere in Illinois",
"LICENSED in Oregon and Louisiana", "Serving Georgia, California, Colorado, and Florida", "offers ketamine
therapy to Texas residents", "we can see patients in person or virtually anywhere in Texas", and lists
after a lead-in ("Available in the following states:" then one state per line).

Precision first: only full state names (two-letter codes are words too: IN, OR, ME), only in a sentence
that says the provider serves there, never in one about the law ("ketamine is legal in Florida when a
physician licensed in Kentucky prescribes it"), plans ("coming to Oregon in August"), denials ("not yet
available in New York"), questions or explaining sections. Every state keeps the sentence it came from.
"""

from __future__ import annotations

import functools
import re

from .structure import list_item, scopes
from .text import evidence, normalise_ws, sentence_spans

# The provider placing its service: availability, licence, "serving", residents, telehealth reach.
_CUE = re.compile(
    r"\b(?:available(?:\s+(?:now|today|anywhere))?\s+(?:in|to|for|throughout|across)"
    r"|licen[sc]ed\s+(?:to\s+(?:practi[cs]e|prescribe|treat)\s+)?in"
    r"|serv(?:e|es|ing)\b(?:\s+(?:patients|clients|adults|people|residents|individuals|families))?"
    r"|(?:to|for|serving)\s+(?:[\w.]+\s+){1,3}residents|residents\s+of|(?:virtually|online|remotely|by\s+telehealth|via\s+telehealth|by\s+video)\s+(?:anywhere\s+)?in"
    r"|anywhere\s+in|throughout|statewide"
    r"|for\s+(?:people|patients|clients|adults|residents)\s+(?:(?:living|located|based)\s+)?(?:in|across|throughout)"
    r"|(?:we|i)\s+(?:see|treat|work\s+with)\s+(?:patients|clients|people|adults)\b[^.;]{0,60}\bin"
    r"|(?:now|currently)\s+(?:in|operating\s+in|serving)|the\s+following\s+states)\b",
    re.I,
)
# Not the provider's reach: the law, plans, denials, other people's reach.
_VETO = re.compile(
    r"\b(?:legal(?:ly)?|laws?|rules?|regulat\w*|statutes?|decriminali[sz]\w*|approved|permit\w*|allow\w*"
    r"|coming|soon|launch\w*|plan\w*|expand\w*\s+to|not\s+(?:yet\s+)?(?:available|licensed|serving)|cannot|can['’]t"
    r"|unavailable|except|excluding|outside\s+of|waitlist|companies|platforms|startups|clinics\s+in)\b",
    re.I,
)
_NEAR = 60  # a state counts when a cue ends at most this many characters before it (or holds it)
# "New York City", "Kansas City": a city, not the state.
_CITY_AFTER = re.compile(r"\s+City\b")
_LEAD_IN = re.compile(r"(?:states?|areas?|locations?|where\s+we\s+(?:serve|practi[cs]e))\b[^.]{0,40}:\s*$", re.I)


@functools.cache
def _states() -> tuple[re.Pattern, dict[str, str]]:
    from kapdir.places import us_state_names

    names = {name: code for code, name in us_state_names().items()}
    alts = sorted(names, key=len, reverse=True)
    # "Washington D.C." / "Washington, DC" is the District, not the state.
    rx = re.compile(r"\bWashington,?\s+D\.?\s?C\.?|\b(?:" + "|".join(re.escape(n) for n in alts) + r")\b"
                    r"|\b(?:" + "|".join(re.escape(n.upper()) for n in alts) + r")\b")
    return rx, {n.upper(): c for n, c in names.items()}


def _codes(s: str) -> list[tuple[str, int]]:
    rx, table = _states()
    out = []
    for m in rx.finditer(s):
        word = m.group()
        if _CITY_AFTER.match(s, m.end()):
            continue
        code = "DC" if word.upper().startswith("WASHINGTON") and "D" in word[10:].upper() else table.get(word.upper())
        if code:
            out.append((code, m.start()))
    return out


def service_area(text: str) -> list[dict]:
    """[{"region": "NM", "evidence": "…"}] in order of first mention; empty when the page names none."""
    text = text or ""
    spans = sentence_spans(text)
    page_scopes = scopes(text, spans)
    found: dict[str, str] = {}
    lead = False  # inside a list introduced by "Available in the following states:"
    for (a, b), sc in zip(spans, page_scopes, strict=True):
        s = text[a:b]
        item = list_item(text, a)
        if lead and not item:
            lead = False
        if sc.explain or s.rstrip().endswith("?"):
            lead = False
            continue
        codes = _codes(s)
        if item and lead:
            for code, pos in codes:
                found.setdefault(code, evidence(s, pos))
            continue
        cues = [m.span() for m in _CUE.finditer(s)]
        if not cues or _VETO.search(s):
            continue
        if not codes:
            lead = bool(_LEAD_IN.search(s))
            continue
        for code, pos in codes:
            # "Serving Georgia, California, Colorado, and Florida": a list that a cue opens carries on
            # past the first name, so the nearest state before counts as well as the cue.
            if any(ca <= pos and pos - ce <= _NEAR for ca, ce in cues) or (
                    code in found or any(p < pos and pos - p <= _NEAR + 20 and c in found for c, p in codes)):
                found.setdefault(code, evidence(s, pos))
    norm = normalise_ws(text)
    return [{"region": r, "evidence": ev} for r, ev in found.items() if normalise_ws(ev) in norm]
