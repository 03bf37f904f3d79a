"""Training programmes and certifications, matched by aliases from ``programmes.toml``.

The registry is data so maintainers can add a programme without touching code.  Short
or common-word aliases ("Sage", "MAPS", "IPI") are listed separately and only count with
their exact capitalisation and a training word nearby, so herbs, Google Maps and
unrelated acronyms do not become certifications.

A mention counts only when the programme is completed or held: bios routinely list
programmes people are enrolled in, applying to or hoping to start, and pages name
programmes they are explicitly not affiliated with.
"""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kapdir.urls import host_of

from .text import CLAUSE_RE, matches_in_sentences

DEFAULT_PATH = Path(__file__).with_name("programmes.toml")

_CONTEXT = re.compile(
    r"\b(?:train\w*|certif\w*|institute|member\w*|course\w*|program\w*|graduat\w*|alumn\w*|cohort|roster"
    r"|curriculum|fellowship|completed|studied|workshop|facilitator|faculty|trained|REMS)\b",
    re.I,
)
_HELD = re.compile(
    r"\b(?:completed|complete|graduated|graduate|alumn\w*|certified|trained|"
    r"member|membership|holds?|earned|received|studied|finished|accredited)\b",
    re.I,
)
_PLANNED = re.compile(
    r"\b(?:hope|hopes|hoping|completing|(?:plan|plans|planning)\s+(?:to|on)|will begin|will start|intend\w*"
    r"|aspir\w*|enrolled|enrolling|"
    r"currently (?:completing|attending|in|taking|pursuing|training)|pursuing|working towards?|in progress|"
    r"in the process|applying|applied|waitlist\w*|upcoming|candidate|would like|interested in|"
    r"next year|later this year|in training)\b",
    re.I,
)
_NEG = re.compile(
    r"\b(?:not|never|no|non|isn't|aren't|haven't|hasn't|wasn't|un(?:affiliated|certified))\b"
    r"(?!\s+(?:only|just)\b)",
    re.I,
)
_NEG_BEFORE = re.compile(r"\b(?:not|never|no)\s+(?:yet\s+|a\s+)?$", re.I)
# The programme described as an organisation rather than held by the provider.
_DESCRIBED_AFTER = re.compile(
    r"(?:'s)?\s+(?:has|have|is|was|offers|runs|provides|hosts|teaches|trains|sponsors|sponsored|"
    r"founded|launched|announced|published|was founded)\b",
    re.I,
)
# Programmes that count only with a word of affiliation (a partnership) or of training in the sentence.
_AFFILIATIONS = {
    "journey-clinical": re.compile(
        r"\b(?:partner\w*|collaborat\w*|member\w*|affiliat\w*|work(?:s|ing)?\s+with|through|with|via|in\s+conjunction"
        r"|provider\s+network|network|certified|trained|clinician|prescrib\w*|medical\s+team"
        r"|psychiatrists?|physicians?|nurse\s+practitioners?|our\s+(?=journey))\b", re.I),
    # MAPS is an association first (its studies, its conference panels, "places such as MAPS"): only its
    # training ("completed the MAPS MDMA-Assisted Therapy Training", "MAPS-trained therapist") is held.
    "maps": re.compile(r"\b(?:train\w*|certif\w*|completed|graduat\w*|alumn\w*)\b", re.I),
}
# "Journey Clinical provider", "Journey Clinical KAP partner": the role right after the name.
_ROLE_AFTER = re.compile(r"['’]?s?\s+(?:KAP\s+|ketamine\s+)?(?:provider|partner|member|clinician)\b", re.I)
_CITED = re.compile(r"\s*(?:\(\w+\)\s*)?(?:\(\d{4}\)\s*)?(?:put\s+it|puts\s+it|says|said|reports?|reported|wrote|writes"
                    r"|states?|stated|notes?|noted)\b", re.I)
_CITED_BEFORE = re.compile(r"\baccording\s+to\s+(?:the\s+)?$", re.I)
_TEACHES = re.compile(r"\b(?:trainers?|faculty|teach\w*|taught|instructors?|lecturers?|guest\s+speakers?|speakers?)\b", re.I)
# Someone else's training: "clinicians trained at CIIS", "for graduates of Fluence".
_OTHERS = re.compile(
    r"\b(?:for|to)\s+(?:\w+\s+)?(?:clinicians|therapists|providers|graduates|students|practitioners)\b", re.I
)


_MARKS = str.maketrans({"®": " ", "™": " ", "©": " ", "℠": " "})


@dataclass(frozen=True, slots=True)
class _Alias:
    pid: str
    ambiguous: bool


# Before the name, in its clause: protocols followed, a criterion for choosing someone, or
# somebody else's staff ("model protocols set out by the Integrative Psychiatry Institute", "look
# for ASKP3 membership", "one platform had Fluence-certified staff").
_NOT_A_CLAIM_BEFORE = re.compile(
    r"(?i:\b(?:protocols?|guidelines?|standards|recommendations|criteria)\b[^.;]{0,50}$"
    r"|\b(?:look\s+for|ask\s+(?:if|whether|about)|make\s+sure|check\s+(?:if|whether|that)|should\s+(?:be|have|hold)"
    r"|one\s+(?:platform|company|clinic|provider|service)|some\s+(?:platforms|companies|clinics|providers|services)"
    r"|other\s+(?:platforms|companies|clinics|providers|practices))\b[^.;]{0,60}$)"
)


# The programme doing something as the subject of its sentence: its own page speaking of itself.
_SUBJECT_AFTER = re.compile(
    r"(?:\s*\([^)]{1,80}\))?(?:['’]s\s+(?:\w+\s+){0,2}(?:team|clinicians?|providers?|prescribers?|mission|model))?"
    r"(?:,\s*[^,]{1,60},)?\s+(?:is|are|was|has|have|prescribes|offers|provides|works|partners|supports|was\s+founded"
    r"|founded|began|believes|uses|requires|connects|matches|helps|handles|takes|does|will|can|brings|trains|certifies"
    r"|members?)\b", re.I)


_GENERIC_MEMBERSHIP = re.compile(r"^\W*(?:membership|members)\s+(?:of|in)\s+(?:the\s+)?(?:[\w&-]+\s*\(\s*(?:the\s+)?)?$", re.I)


def load_programmes(path: str | Path | None = None) -> dict[str, dict]:
    """Load the registry; ``path`` overrides the packaged file (tests, local extensions)."""
    if path is None:
        # importlib.resources, not a file path: the package may run from a zipped egg under Scrapyd.
        raw = tomllib.loads(importlib.resources.files(__package__).joinpath("programmes.toml")
                            .read_text(encoding="utf-8"))
    else:
        with Path(path).open("rb") as fh:
            raw = tomllib.load(fh)
    out: dict[str, dict] = {}
    for pid, table in raw.items():
        if not isinstance(table, dict):
            raise ValueError(f"programme {pid!r} must be a table")
        aliases = [str(a) for a in table.get("aliases", [])]
        domains = table.get("domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            raise ValueError(f"programme {pid!r}: 'domains' must be a list of host names")
        out[pid] = {
            "title": str(table.get("title") or pid),
            "aliases": aliases,
            "ambiguous_aliases": [str(a) for a in table.get("ambiguous_aliases", [])],
            "url": str(table.get("url", "")),
            "domains": [d.lower().removeprefix("www.") for d in domains],
        }
    return out


def own_site(registry: dict[str, dict], url: str) -> set[str]:
    """The programmes whose own site ``url`` is on: the host of its registry ``url``, or one of its ``domains``.
    Only that host: a graduates' directory on a subdomain of its own (directory.psychiatryinstitute.com) lists
    people, and being listed there is their claim."""
    host = host_of(url)
    return {pid for pid, info in registry.items()
            if host and (host == host_of(info.get("url", "")) or host in info.get("domains", []))}


def _alias_pattern(alias: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", alias.strip()) if p]
    return r"[\s\-]+".join(parts)


def _key(s: str) -> str:
    return " ".join(re.split(r"[\s\-]+", s.strip())).casefold()


class ProgrammeMatcher:
    """Compiled alias matcher for one registry."""

    def __init__(self, registry: dict[str, dict]):
        self.registry = registry
        plain: dict[str, _Alias] = {}
        ambiguous: dict[str, _Alias] = {}
        for pid, info in registry.items():
            for a in info.get("aliases", []):
                plain.setdefault(_key(a), _Alias(pid, False))
            for a in info.get("ambiguous_aliases", []):
                ambiguous.setdefault(" ".join(a.split()), _Alias(pid, True))
        self._plain = plain
        self._ambiguous = ambiguous
        # One flag-free pass over lower-cased text (IGNORECASE alternations are slow); the
        # ambiguous aliases are then checked against the original capitalisation.
        alts = [_alias_pattern(k.casefold()) for k in sorted({*plain, *(a.casefold() for a in ambiguous)},
                                                                key=len, reverse=True)]
        self._re = re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])") if alts else None
        self._ambiguous_exact = {" ".join(re.split(r"[\s\-]+", a)): v for a, v in ambiguous.items()}

    def _lookup(self, original: str) -> _Alias | None:
        key = " ".join(re.split(r"[\s\-]+", original))
        return self._plain.get(key.casefold()) or self._ambiguous_exact.get(key)

    def find(self, sentence: str) -> list[tuple[str, int, int]]:
        """Held programmes in one sentence: (programme id, start, end)."""
        return [(pid, a, b) for _, pid, a, b in self.find_in(sentence, [(0, len(sentence))])]

    def speaking(self, text: str) -> set[str]:
        """Programmes whose own page this is: the page is "About ASKP3", or the programme is the subject of two
        of its sentences or more ("Journey Clinical prescribes ketamine only as part of KAP", "ASKP3, founded in
        2016, is a body of professionals"). Their names there are no one's claim."""
        if self._re is None:
            return set()
        low = text.lower().translate(_MARKS)
        if len(low) != len(text):
            return set()
        subject: dict[str, int] = {}
        about: set[str] = set()
        for a, b in self.alias_spans(low):
            alias = self._lookup(text[a:b].translate(_MARKS))
            if alias is None:
                continue
            line_start = text.rfind("\n", 0, a) + 1
            line_end = text.find("\n", b)
            rest = text[b:len(text) if line_end < 0 else line_end]
            # "About ASKP3", "About Journey Clinical's model": a heading about the programme itself
            if re.fullmatch(r"\W*(?:#+\s*)?about\s+(?:the\s+)?", text[line_start:a], re.I) and len(rest.split()) <= 2:
                about.add(alias.pid)
            sent_start = max(text.rfind(". ", 0, a) + 2, line_start)
            if re.fullmatch(r"\W*(?:#+\s*)?(?:the\s+)?", text[sent_start:a], re.I) and _SUBJECT_AFTER.match(text, b):
                subject[alias.pid] = subject.get(alias.pid, 0) + 1
        return about | {pid for pid, n in subject.items() if n >= 2}

    def alias_spans(self, low: str) -> list[tuple[int, int]]:
        """Where programme names stand in a lower-cased text (same length as the text)."""
        if self._re is None:
            return []
        return [m.span() for m in self._re.finditer(low.translate(_MARKS))]

    def find_in(self, text: str, spans: list[tuple[int, int]],
                others: list[bool] | None = None) -> list[tuple[int, str, int, int]]:
        """Held programmes in a page split into sentence ``spans``.

        ``others`` flags sentences about other people's training (requirement lists, reading
        lists, a programme's own pages): nothing there is a claim of the page's provider.
        Returns (sentence index, programme id, start, end) with offsets relative to the sentence.
        """
        if self._re is None:
            return []
        low = text.lower()
        if len(low) != len(text):
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        # "Spravato® treatment center": trademark signs must not split a multi-word alias.
        low = low.translate(_MARKS)
        rx = self._re
        hits = []
        spravato_page = None
        # Confined to sentences, so a multi-word alias cannot run across a boundary.
        for i, m in matches_in_sentences(lambda p, e: rx.finditer(low, p, e), spans):
            if others is not None and others[i]:
                continue
            alias = self._lookup(text[m.start():m.end()].translate(_MARKS))
            if alias is None:
                continue
            a0, b0 = spans[i]
            sentence = text[a0:b0]
            st, en = m.start() - a0, m.end() - a0
            if alias.ambiguous and not _CONTEXT.search(sentence):
                continue
            if alias.pid in _AFFILIATIONS and not (_AFFILIATIONS[alias.pid].search(sentence)
                                                   or _ROLE_AFTER.match(sentence, en)):
                continue  # "a mixer put on by Journey Clinical" is no partnership
            if _CITED.match(sentence, en) or _CITED_BEFORE.search(sentence, max(0, st - 20), st):
                continue  # "As the Multidisciplinary Association for Psychedelic Studies (2017) put it"
            if alias.pid == "spravato-rems":
                # "a certified treatment center" is about Spravato only on a page about Spravato.
                if spravato_page is None:
                    spravato_page = bool(re.search(r"spravato|esketamine|\brems\b", low))
                if spravato_page and _rems_claimed(sentence, st, en, text, spans, i):
                    hits.append((i, alias.pid, st, en))
            elif _is_held(sentence, st, en):
                hits.append((i, alias.pid, st, en))
        return hits


def _scope(sentence: str, start: int, end: int) -> tuple[int, int]:
    lo, hi = 0, len(sentence)
    for b in CLAUSE_RE.finditer(sentence):
        if b.end() <= start:
            lo = b.end()
        elif b.start() >= end:
            hi = b.start()
            break
    return lo, hi


def _is_held(sentence: str, start: int, end: int) -> bool:
    lo, hi = _scope(sentence, start, end)
    best: tuple[int, int, str] | None = None
    for prio, kind, rx in ((0, "planned", _PLANNED), (0, "neg", _NEG), (1, "held", _HELD)):
        for m in rx.finditer(sentence, lo, hi):
            if start <= m.start() < end:
                continue  # "Polaris-certified": the alias itself is the default claim
            d = start - m.end() if m.end() <= start else m.start() - end
            p, k = prio, kind
            if k == "held" and _NEG_BEFORE.search(sentence, max(lo, m.start() - 16), m.start()):
                p, k = 0, "neg"  # "not certified", "never trained"
            elif k == "held" and m.end() <= start and _PLANNED.search(sentence, max(lo, m.start() - 40),
                                                                      m.start()):
                p, k = 0, "planned"  # "applying to become certified", "plans to be trained"
            if best is None or (d, p) < best[:2]:
                best = (d, p, k)
    if _TEACHES.search(sentence, lo, hi) and not (best is not None and best[2] == "held" and best[0] < 12):
        return False  # "Polaris lead trainers teach the course": teaching is not completing
    if _DESCRIBED_AFTER.match(sentence, end):
        return False  # "The Living Medicine Institute has trained ..."
    # The nearest cue in the clause decides; with none, a listed programme is a claim
    # (roster and bio lists rarely say "completed").
    if best is not None and best[2] != "held":
        return False
    if _OTHERS.search(sentence, lo, start) or _NOT_A_CLAIM_BEFORE.search(sentence[lo:start]):
        return False
    if _GENERIC_MEMBERSHIP.search(sentence[lo:start]):
        return False  # "Membership of ASKP3 is a sign that a clinic knows…": nobody's membership
    return True


# REMS is mostly explained ("Spravato must be given at a REMS-certified centre", "the program is
# governed by the REMS"); only the provider saying it is one counts: "we are", "our REMS-certified
# clinic", "Eastside Mind Care is REMS certified", "a Spravato REMS-certified psychiatrist", a
# service label ("Esketamine treatments — REMS certified"), or "…centres. We are one of them."
_REMS_SELF = re.compile(
    r"\b(?:we\s+are|we['’]re|we\s+have\s+been|we\s+(?:became|received|earned|hold|obtained)"
    r"|our\s+(?:[\w-]+\s+){0,3}(?:is|are|has\s+been|have\s+been)\b|our\s+(?:spravato\s+)?rems"
    r"|(?:is|are)\s+(?:now\s+|proud\w*\s+to\s+be\s+)?(?:an?\s+)?(?:certified|(?:spravato\s+)?rems[\s-]+certified)"
    r"|\bas\s+an?\s+(?:spravato\s+)?(?:rems|certified)"
    r"|\ban?\s+(?:spravato\s+)?rems[\s-]+certified\s+(?:psychiatrist|physician|provider|prescriber|doctor|nurse|practitioner)"
    r"|certified\s+to\s+(?:provide|offer|administer|prescribe|dispense)\s+spravato|\bcertified\s+our\b"
    r"|hold\w*\s+certification\s+to\s+(?:offer|provide|administer)"
    r"|(?:offer|provide)\w*\s+certified\s+spravato"
    r"|our\s+(?:[\w-]+\s+){0,2}(?:rems[\s-]+)?certified)",
    re.I,
)
_REMS_RULE = re.compile(
    r"\b(?:only|must|has\s+to|have\s+to|required?|requires|restricted|under\s+the|governed|solely|approved"
    r"|can\s+only|may\s+only|is\s+given|are\s+given|given\s+in|administered\s+(?:in|at)|calls\s+for|needs?)\b",
    re.I,
)
_ONE_OF_THEM = re.compile(r"\b(?:is|are|we\s+are|we['’]re)\s+(?:proud\w*\s+to\s+be\s+)?one\s+(?:of\s+(?:these|those|them)|such)\b",
                          re.I)
_LABEL_MAX_WORDS = 8
# "Finding Certified Spravato Treatment Centers in NJ" is a blog's title, not a service label.
_HOW_TO_TITLE = re.compile(r"\W*(?:finding|find|how|where|choosing|choose|locating|looking|what|why|your\s+guide)\b", re.I)
_LIKE_US = re.compile(r"\b[Cc]ertified\s+(?:[\w-]+\s+){0,2}(?:clinics?|cent(?:er|re)s?|settings?|offices?|providers?)"
                      r"\s+like\s+(?:ours\b|our\b|us\b|[A-Z][\w&'’-]+)")


def _rems_claimed(sentence: str, st: int, en: int, text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """The page's provider says it is a REMS-certified Spravato centre (here or in the next sentence)."""
    if not _is_held(sentence, st, en):
        return False  # "hoping to become a REMS-certified centre", "not REMS certified"
    if _ONE_OF_THEM.search(sentence) or (_REMS_SELF.search(sentence) and not (
            _REMS_RULE.search(sentence) and not re.search(r"\bwe\s+are\b|\bwe['’]re\b|\bour\b", sentence, re.I))):
        return True
    if _LIKE_US.search(sentence):
        return True  # "offered only in certified settings like our Houston office" / "like Lumen Health"
    if len(sentence.split()) <= _LABEL_MAX_WORDS and re.search(r"certified", sentence, re.I) \
            and not _REMS_RULE.search(sentence) and not _HOW_TO_TITLE.match(sentence):
        return True  # a service label: "Esketamine (Spravato) treatments — REMS certified"
    nxt = text[spans[i + 1][0]:spans[i + 1][1]] if i + 1 < len(spans) else ""
    return bool(_ONE_OF_THEM.search(nxt))
