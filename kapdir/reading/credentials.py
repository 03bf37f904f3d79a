"""Professional credentials written after names ("Jane Roe, MD, PhD").

Several credentials are also ordinary tokens: MA and MD are states, MS is a disease and
a state, PA is Pennsylvania, DO is a verb.  Those are accepted only where a credential
is expected: straight after a person's name and a comma, next to another credential, or
after a "Credentials:" label.  Everything else must appear as a whole token, never
inside a word or a hyphenated compound ("MD-led", "PMHNP-BC" is not "PMHNP").
"""

from __future__ import annotations

import re

# canonical -> regex alternatives (order matters only for readability; the compiled
# alternation is sorted longest-first).
_CANON: dict[str, list[str]] = {
    "MD": [r"M\.D\.", r"MD"],
    "DO": [r"D\.O\.", r"DO"],
    "MBBS": [r"MBBS"],
    "PhD": [r"Ph\.D\.?", r"PhD", r"PHD"],
    "PsyD": [r"Psy\.D\.?", r"PsyD", r"PSYD"],
    "EdD": [r"Ed\.D\.?", r"EdD"],
    "DNP": [r"DNP"],
    "NP": [r"N\.P\.", r"NP"],
    "PMHNP-BC": [r"PMHNP-BC"],
    "PMHNP": [r"PMHNP"],
    "FNP-BC": [r"FNP-BC"],
    "FNP-C": [r"FNP-C"],
    "FNP": [r"FNP"],
    "AGNP": [r"AGNP"],
    "APRN": [r"APRN", r"A\.P\.R\.N\."],
    "MSN": [r"MSN"],
    "PA-C": [r"PA-C", r"P\.A\.-C"],
    "PA": [r"PA", r"P\.A\."],
    "RN": [r"RN", r"R\.N\."],
    "BSN": [r"BSN"],
    "CRNA": [r"CRNA"],
    "LCSW-S": [r"LCSW-S"],   # Texas: licensed to supervise
    "LCSW-R": [r"LCSW-R"],   # New York: licensed for insurance reimbursement
    "LPC-S": [r"LPC-S"],
    "LMFT-S": [r"LMFT-S"],
    "LCSW": [r"LCSW", r"L\.C\.S\.W\."],
    "LCSW-C": [r"LCSW-C"],
    "LICSW": [r"LICSW"],
    "LMSW": [r"LMSW"],
    "LLP": [r"LLP"],   # Michigan: limited licensed psychologist
    "LMFT": [r"LMFT"],
    "MFT": [r"MFT"],
    "LPC": [r"LPC"],
    "LPCC": [r"LPCC"],
    "LMHC": [r"LMHC"],
    "LCMHC-S": [r"LCMHC-S"],   # North Carolina
    "LCMHC": [r"LCMHC"],
    "LCMHCA": [r"LCMHCA"],
    "LPC-MHSP": [r"LPC-MHSP"],  # Tennessee
    "LCPC": [r"LCPC"],
    "LCADC": [r"LCADC"],
    "CADC": [r"CADC"],
    "MSW": [r"MSW", r"M\.S\.W\."],
    "MA": [r"MA", r"M\.A\."],
    "MS": [r"MS", r"M\.S\."],
    "MEd": [r"M\.Ed\.?", r"MEd"],
    "MPH": [r"MPH", r"M\.P\.H\."],
    "NCC": [r"NCC"],
}
CANONICAL: tuple[str, ...] = tuple(_CANON)
# Undotted spellings that are ordinary words/abbreviations elsewhere.
_AMBIGUOUS = frozenset({"MA", "MS", "PA", "DO", "MD"})

_ALTS = sorted(((alt, canon) for canon, alts in _CANON.items() for alt in alts), key=lambda x: -len(x[0]))
_CRED_RE = re.compile(
    r"(?<![\w.\-])(" + "|".join(f"(?:{a})" for a, _ in _ALTS) + r")(?![\w\-])(?!\.\w)"
)
_LOOKUP = {re.sub(r"\\", "", a): c for a, c in _ALTS}

# A person's name immediately before ", CRED": two or more capitalised words (initials ok).
_NAME_BEFORE = re.compile(r"(?:^|[\s(])(?:[A-Z][\w'’\-]*\.?\s+){1,3}[A-Z][\w'’\-]+\s*,\s*$")
# A place before ", MA": a location preposition, or a single capitalised word (Boston, MA).
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:in|at|near|from|to|of|across|throughout|serving|located|based|and)\s+"
    r"(?:[A-Z][\w.'’\-]*\s+){0,2}[A-Z][\w.'’\-]*\s*,\s*$)"
    r"|(?:(?:^|[(\n]|[.;:]\s)\s*[A-Z][\w.'’\-]*\s*,\s*$)"
)
_ZIP_AFTER = re.compile(r"\s*,?\s*\d{5}\b")
_LIST_LABEL = re.compile(r"\b(?:credentials?|licen[cs]ure|licen[cs]es?|degrees?|qualifications?)\s*:", re.I)
_SEP_ONLY = re.compile(r"^[\s,/;&()]*(?:and\s*)?[\s,/;&()]*$")


def _canonical(token: str) -> str:
    return _LOOKUP.get(token) or _LOOKUP.get(token.replace(".", "")) or token


def _scan(text: str, trust_all: bool) -> list[tuple[int, int, str, bool]]:
    """Return (start, end, canonical, accepted) for every credential-shaped token."""
    found = []
    for m in _CRED_RE.finditer(text):
        tok = m.group(1)
        canon = _canonical(tok)
        ambiguous = canon in _AMBIGUOUS and "." not in tok
        found.append([m.start(1), m.end(1), canon, trust_all or not ambiguous, ambiguous])
    if trust_all:
        return [tuple(f[:4]) for f in found]
    label_pos = [m.end() for m in _LIST_LABEL.finditer(text)]
    for f in found:
        if f[3]:
            continue
        start, end, canon = f[0], f[1], f[2]
        lo = max(0, start - 60)
        if _ZIP_AFTER.match(text, end) or _PLACE_BEFORE.search(text, lo, start):
            continue
        if canon == "MD" or _NAME_BEFORE.search(text, lo, start):
            f[3] = True
        elif any(0 <= start - p < 80 and "\n" not in text[p:start] for p in label_pos):
            f[3] = True
    # Ambiguous tokens adjacent to an accepted credential belong to the same run.
    for _ in range(2):
        for i, f in enumerate(found):
            if f[3] or not f[4]:
                continue
            if _ZIP_AFTER.match(text, f[1]):
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(found) and found[j][3]:
                    a, b = (found[j][1], f[0]) if j < i else (f[1], found[j][0])
                    if _SEP_ONLY.match(text[a:b]) and "," in text[a:b] + ("," if j > i else ""):
                        f[3] = True
                        break
    return [tuple(f[:4]) for f in found]


def parse_credentials(text: str) -> list[str]:
    """Credentials written in ``text``, canonical spelling, in order of appearance, no duplicates."""
    out: list[str] = []
    for _, _, canon, ok in _scan(text, trust_all=False):
        if ok and canon not in out:
            out.append(canon)
    return out


_TITLE = re.compile(r"^\s*(?:Dr|Doctor|Prof|Professor|Mr|Mrs|Mx|Miss|Ms(?=\.))\.?\s+", re.I)
_CHUNK_SPLIT = re.compile(r"\s*(?:,|\s[|–—-]\s|\()\s*")


def split_name_credentials(name: str) -> tuple[str, list[str]]:
    """Split "Dr. Elena Marsh, PMHNP-BC" into ("Elena Marsh", ["PMHNP-BC"]).

    Everything after the name is treated as credential context, so "MA" and "MS" are
    accepted there; honorifics are dropped because the directory shows credentials instead.
    """
    s = " ".join(name.split())
    s = _TITLE.sub("", s, count=1)
    creds: list[str] = []
    name_parts: list[str] = []
    for i, part in enumerate(p for p in _CHUNK_SPLIT.split(s.replace(")", "")) if p):
        toks = _scan(part, trust_all=True)
        rest = _CRED_RE.sub("", part)
        if i > 0 and toks and not re.sub(r"[\s,/&.]|\band\b", "", rest):
            creds.extend(c for _, _, c, _ in toks)
        else:
            name_parts.append(part)
    # Credentials without a comma: "Elena Marsh MD PhD".
    words = ", ".join(name_parts).split(" ")
    tail: list[str] = []
    while len(words) > 2:
        toks = _scan(words[-1], trust_all=True)
        if len(toks) == 1 and toks[0][1] - toks[0][0] == len(words[-1].rstrip(",")):
            tail.insert(0, toks[0][2])
            words.pop()
        else:
            break
    head = " ".join(words).strip(" ,")
    result: list[str] = []
    for c in tail + creds:
        if c not in result:
            result.append(c)
    return head, result
