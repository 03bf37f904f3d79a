"""Sentence and clause splitting tuned for crawled practitioner pages.

Crawled text mixes prose with bullets, pipes and hard line breaks, and is full of
"Dr." and "M.D." abbreviations, so a naive split on full stops cuts names in half and
glues list items together.  Every rule downstream works per sentence and quotes the
sentence as evidence, so sentences are returned as spans of the original text: the
evidence can then always be found in the page again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

EVIDENCE_MAX = 300
# Longer "sentences" are text without punctuation (menus, keyword blobs); several rules look
# back over the whole clause for each word, so they are cut at a space into pieces this long.
SENTENCE_MAX = 1000

# Words that end in a full stop without ending the sentence.
_ABBREV = frozenset(
    """dr mr mrs ms mx st jr sr prof inc ltd co corp vs etc approx no ste ave blvd mt dept
    e.g i.e a.m p.m u.s ph.d psy.d ed.d m.d d.o m.a m.s r.n n.p m.s.w l.c.s.w fig ca
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)

# Only the first mark of a run ("...", "?!") may start a boundary, and the run is taken whole:
# otherwise a long run of dots not followed by a space is rescanned from every position.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+(?=\s)|\n|[•·▪◦●■►✓✔]|\s\|\s")
_LEAD_JUNK = re.compile(r"^[\s•·▪◦●■►✓✔|*#\-–—]+")
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]+[\"'”’)\]]*$")


def normalise_ws(text: str) -> str:
    """Collapse whitespace so evidence can be compared with page text however it was wrapped."""
    return " ".join(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences, trimmed of whitespace and leading bullets."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        tok = m.group()
        if tok[0] in ".!?":
            # A full stop after an abbreviation or an initial ("J. Smith") does not end a sentence.
            wm = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.end())
            if wm and tok[0] == ".":
                word = wm.group(1).lower().rstrip(".")
                if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                    continue
            # Lower-case continuation ("approx. 40 min", "e.g. oral") is not a new sentence.
            nxt = text[m.end():m.end() + 3].lstrip()
            if tok[0] == "." and nxt[:1].islower():
                continue
            _push(text, start, m.end(), spans)
            start = m.end()
        else:
            _push(text, start, m.start(), spans)
            start = m.end()
    _push(text, start, len(text), spans)
    return spans


def _push(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    seg = text[a:b]
    lead = _LEAD_JUNK.match(seg)
    if lead:
        a += lead.end()
    while b > a and text[b - 1].isspace():
        b -= 1
    while b - a > SENTENCE_MAX:
        cut = text.rfind(" ", a + SENTENCE_MAX // 2, a + SENTENCE_MAX)
        cut = cut if cut > a else a + SENTENCE_MAX
        _push(text, a, cut, spans)
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if b > a and any(ch.isalnum() for ch in text[a:b]):
        spans.append((a, b))


def matches_in_sentences(
    scan: Callable[[int, int], Iterable[re.Match]], spans: list[tuple[int, int]]
) -> Iterator[tuple[int, re.Match]]:
    """Yield (sentence index, match) for the matches of ``scan(pos, endpos)`` inside ``spans``.

    The page is scanned in one pass, which is much cheaper than one regex call per sentence,
    but a pattern with ``\\s+`` or ``[\\w.]+`` in it can then run across a sentence boundary
    ("in the office. Our office" is one greedy match of "in the <words> office").  Such a
    match belongs to no sentence, and keeping or dropping it would both be wrong: the words
    on either side of the boundary would be lost.  So the sentence where it starts is
    scanned again with ``endpos`` at its end, and the page scan resumes at the next
    sentence.  ``scan`` must be lazy (``pattern.finditer``) for this to stay linear.
    """
    if not spans:
        return
    starts = [a for a, _ in spans]
    n = len(spans)
    pos = starts[0]
    while True:
        resume = None
        for m in scan(pos, spans[-1][1]):
            ms, me = m.span()
            i = bisect_right(starts, ms) - 1
            end = spans[i][1] if i >= 0 else -1
            if ms < end and me <= end:
                yield i, m
                continue
            if ms < end:  # runs across the end of sentence i
                for m2 in scan(ms, end):
                    yield i, m2
            resume = i + 1
            break
        if resume is None or resume >= n:
            return
        pos = starts[resume]


# Clause boundaries: punctuation and contrastive conjunctions that usually switch topic, so
# a negation or an "unlike other clinics" aside does not leak into the rest of the sentence.
CLAUSE_RE = re.compile(
    r";|:(?=\s)|\s[—–-]\s|\s--\s|,?\s+(?:but|however|whereas|although|though|while)\b,?"
    r"|,\s+(?:so|yet)\b|,\s+and\s+(?=(?:I|we|he|she|they|in my|in our|at our|at my|our|my|his|her|their)\b)"
    r"|\s+and\s+(?=(?:am|is|are|was|were|has|have|hope|hopes|plan|plans)\b)"
)


_LEAD_SUBORDINATE = re.compile(r"^\W*(?:While|Unlike|Whereas|Although|Though|If|Because|Since)\b[^,;]*,")


def clause_bounds(sentence: str) -> list[tuple[int, int]]:
    """Return clause spans within a sentence (offsets relative to the sentence).

    A leading subordinate clause ("Unlike clinics that ship lozenges home, we ...") is its
    own clause, so what it says about other clinics stays there.
    """
    out = []
    start = 0
    lead = _LEAD_SUBORDINATE.match(sentence)
    if lead:
        out.append((0, lead.end() - 1))
        start = lead.end()
    for m in CLAUSE_RE.finditer(sentence, start):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    out.append((start, len(sentence)))
    return out


def evidence(sentence: str, focus: int | None = None) -> str:
    """Trim a sentence to evidence length around ``focus`` (an offset in the sentence).

    Whitespace is normalised and cuts fall on word boundaries, so the result is still a
    substring of the whitespace-normalised page.
    """
    s = normalise_ws(sentence)
    if len(s) <= EVIDENCE_MAX:
        return s
    if focus is None:
        focus = 0
    # Map the focus offset into the normalised string approximately.
    focus = min(len(normalise_ws(sentence[:focus])), len(s) - 1)
    lo = max(0, focus - EVIDENCE_MAX // 2)
    hi = min(len(s), lo + EVIDENCE_MAX)
    lo = max(0, hi - EVIDENCE_MAX)
    if lo > 0:
        sp = s.find(" ", lo)
        lo = sp + 1 if 0 <= sp < focus else lo
    if hi < len(s):
        sp = s.rfind(" ", lo, hi)
        hi = sp if sp > focus else hi
    return s[lo:hi].strip()
