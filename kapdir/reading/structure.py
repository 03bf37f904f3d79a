"""Page structure as context: which heading each sentence sits under.

Why: real clinic and therapist pages explain ketamine at length under headings such as
"How is ketamine administered?", "Types of ketamine treatment" or "At-home vs in-clinic",
and a route named there is explained, not offered.  The crawler keeps headings as
Markdown-style lines (``## How is ketamine given?``, see ``crawler/pagetext.py``); text from
elsewhere is read with a heuristic (a short line of its own without a full stop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARK = re.compile(r"(#{1,6})[ \t]+")
_WORD = re.compile(r"\w+")
# "How ketamine therapy works here": the provider's own service, however general the words.
_PRONOUN = re.compile(r"\b(?:you|your|yours|my|me|we|our|us|i|here)\b")

# Headings over general explanation: what ketamine is, how it is given, comparisons, history,
# research, other people's programmes, at-home ketamine as a topic.
_EXPLAIN_HEADING = re.compile(
    r"\b(?:what\s+(?:is|are|does)\b|how\s+(?:does|do|is|are)\s+(?:ketamine|esketamine|spravato|it|they|kap|this)\b"
    r"|how\s+(?:(?:at|in)-home|online|oral|iv|sublingual)\s+ketamine\b|how\s+ketamine\b(?!\s+(?:therapy|treatment)\s+works)|why\s+ketamine\b|(?:types?|forms?|routes?|methods?|modes?|ways?|means|kinds?)\s+of\b"
    r"|\badministration\s+(?:methods?|routes?|options?)|\bdelivery\s+methods?|\bhistory\b|\bresearch\b|\bscience\b"
    r"|\bstud(?:y|ies)\b|\bevidence\b|\bvs\.?\b|\bversus\b|\bcompar\w*|\bdifferen\w*|\bmyths?\b|\bfacts?\b"
    r"|\bpros\s+and\s+cons\b|\bunderstanding\b|\boverview\b|\bthings\s+to\s+(?:know|consider)\b|\bwhat\s+to\s+know\b"
    r"|\bconsider\w*\b|\bexplained\b|\bguide\b|\bnews\b|\brisks?\b|\bside\s+effects?\b|\btrends?\b|\brise\s+of\b"
    r"|\bglossary\b|\bdefinitions?\b|\bmechanism\b)"
)
_AT_HOME_TOPIC = re.compile(r"\b(?:at[- ]home|home[- ]based|telehealth|online|virtual)\b")
_TOPIC_MARK = re.compile(r"\?|\bvs\.?\b|\bversus\b|\bsafe\w*|\brisks?\b|\bconsider\w*|\bknow\b|\btrend|\bright\s+for"
                         r"|\bcompar\w*|\bdifferen\w*|\bwhat\b|\bwhy\b|\bshould\b")
# Headings over lists of other people's training: requirements, recommendations, reading.
_OTHERS_HEADING = re.compile(
    r"\b(?:requirements?|required|prerequisites?|qualifications\s+(?:for|of)\s+(?:other|outside)|recommend\w*"
    r"|resources|(?:further|recommended|suggested|required)\s+reading|references|bibliography|further\s+(?:training"
    r"|education|resources)|links|for\s+(?:therapists|clinicians|providers|students)"
    r"|our\s+(?:trainings?|courses?|programs?|curriculum|faculty)|apply|tuition|enrol\w*|admissions?)\b"
)


@dataclass(slots=True)
class Scope:
    heading: bool = False      # the sentence is itself a heading
    explain: bool = False      # under a heading that explains rather than offers
    others: bool = False       # under a heading listing other people's training or reading
    text: str = ""             # the governing heading (for explanations)


def _line_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, a) + 1
    hi = text.find("\n", b)
    return lo, (len(text) if hi < 0 else hi)


def _is_heading(text: str, a: int, b: int) -> tuple[bool, int]:
    """(is a heading, level) for the sentence at text[a:b]."""
    lo, hi = _line_bounds(text, a, b)
    line = text[lo:hi].strip()
    m = _MARK.match(line)
    if m:
        return True, len(m.group(1))
    if text[a:b].strip() != line or not line:
        return False, 0
    if hi >= len(text):  # the last line of a text is not a heading of anything
        return False, 0
    words = _WORD.findall(line)
    if not words or len(words) > 12 or line[-1] in ".,;!\"”" or line.startswith(("-", "•", "*")):
        return False, 0
    if line.endswith("?") or line.endswith(":") or sum(w[0].isupper() for w in words) * 2 >= len(words):
        return True, 4
    return False, 0


# "What is the Brightday treatment?": a practice asking about its own named service.
_OWN_NAMED = re.compile(r"\bthe\s+(?!FDA\b|KAP\b|IV\b|IM\b)[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*)*\s+"
                        r"(?:treatment|program(?:me)?|approach|method|protocol|model|experience|difference)\b")


# Questions about the provider's own sessions: "What is the process for ketamine infusions?",
# "What happens during treatment?", "How long does an infusion take?", "What does it cost?",
# "What are KAP sessions like?"
_SERVICE_QUESTION = re.compile(
    r"\b(?:process|procedure|what\s+happens|what\s+to\s+expect|expect|how\s+long|how\s+many|how\s+often|how\s+much"
    r"|cost|costs|price|pricing|fees?|insurance|appointment|schedule|book|first\s+(?:visit|session|infusion|treatment)"
    r"|day\s+of|after\s+(?:the|your|my)\s+(?:infusion|session|treatment)|prepare|preparation|recovery"
    r"|(?:sessions?|treatments?|infusions?|visits?|appointments?)\s+(?:look\s+)?like)\b"
)


def classify_heading(heading: str) -> tuple[bool, bool]:
    """(explains, lists others' training) for one heading's text."""
    low = heading.lower().strip(" #:")
    explains = (bool(_EXPLAIN_HEADING.search(low)) and not _PRONOUN.search(low) and not _OWN_NAMED.search(heading)
                and not _SERVICE_QUESTION.search(low))
    if not explains and _AT_HOME_TOPIC.search(low) and _TOPIC_MARK.search(low) and not _PRONOUN.search(low):
        explains = True
    return explains, bool(_OTHERS_HEADING.search(low))


def scopes(text: str, spans: list[tuple[int, int]]) -> list[Scope]:
    """The heading scope of every sentence span, following heading levels."""
    out: list[Scope] = []
    stack: list[tuple[int, bool, bool, str]] = []  # (level, explains, others, text)
    for a, b in spans:
        is_head, level = _is_heading(text, a, b)
        if is_head:
            while stack and stack[-1][0] >= level:
                stack.pop()
            head = text[a:b]
            ex, oth = classify_heading(head)
            # A sub-heading under an explaining heading explains too ("## Types of ketamine" / "### IV").
            parent_ex = any(s[1] for s in stack)
            parent_oth = any(s[2] for s in stack)
            stack.append((level, ex or parent_ex, oth or parent_oth, head))
            out.append(Scope(True, ex or parent_ex, oth or parent_oth, head))
            continue
        if stack:
            _, ex, oth, head = stack[-1]
            out.append(Scope(False, ex, oth, head))
        else:
            out.append(Scope())
    return out


_ITEM = re.compile(r"[ \t]*(?:[-*•·▪◦●■►✓✔]|\d{1,2}[.)])[ \t]+")
# A list introduced as what others must have, or as recommendations and reading.
_OTHERS_LEADIN = re.compile(
    r"\b(?:requirements?|required|must|should|need\s+to|needs\s+to|one\s+of\s+(?:these|the\s+following)"
    r"|recommend\w*|suggest\w*|we\s+accept|accepted|such\s+as|examples?|resources?|reading|books?|further"
    r"|prerequisites?|eligible|qualif(?:y|ies|ying))\b",
    re.I,
)


def list_item(text: str, a: int) -> bool:
    """Whether the sentence starting at ``a`` opens a list item line ("- Polaris KAP training")."""
    lo = text.rfind("\n", 0, a) + 1
    return bool(_ITEM.match(text, lo)) and not text[lo:a].strip(" \t-*•·▪◦●■►✓✔0123456789.)")


def list_leads(text: str, spans: list[tuple[int, int]]) -> list[int | None]:
    """Per sentence: for a list item, the index of the sentence introducing its list (else None)."""
    out: list[int | None] = [None] * len(spans)
    lead = None
    for i, (a, _b) in enumerate(spans):
        if list_item(text, a):
            out[i] = lead
        else:
            lead = i
    return out


def others_lists(text: str, spans: list[tuple[int, int]], leads: list[int | None] | None = None) -> list[bool]:
    """Per sentence: a list item whose lead-in sentence lists what *others* need or may read."""
    leads = list_leads(text, spans) if leads is None else leads
    return [lead is not None and bool(_OTHERS_LEADIN.search(text, spans[lead][0], spans[lead][1])) for lead in leads]
