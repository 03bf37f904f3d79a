"""Sentence-level rules that turn a practitioner page into a ketamine-care verdict.

Why rules and not a model: every positive must be explainable to a clinician who asks
"why does the directory say I offer at-home ketamine?", so each decision is tied to one
sentence of their own page.  The rules are organised around the ways pages mislead a
keyword search:

* explaining is not offering ("ketamine can be given IV, IM or orally");
* negation and referral ("IV ketamine is not available here", "we refer out for IV");
* look-alikes (IV vitamin drips, B12 shots, "IM us on Instagram", Stage IV);
* where the medicine is taken, which is said in many indirect ways (lozenges mailed
  to the patient but taken in the office; an in-person screening before an at-home
  programme) and is never guessed when the page does not say it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vocabulary import ROUTES, SETTINGS
from .credentials import parse_credentials
from .lexicon import (
    _AGENT_AFTER,
    _ANAES,
    _AROUND_AFTER,
    _AROUND_SESSION,
    _ASKS_ABOUT_ITSELF,
    _AT_HOME_SERVICE,
    _AT_NAMED,
    _BENCHMARK,
    _BETWEEN,
    _CAPTION,
    _CHAIN_GAP,
    _CHOOSING,
    _CLINICIAN_GIVEN,
    _COMPARED_BEFORE,
    _CONTRAST,
    _CUE_RE,
    _CUE_TERMS,
    _DEFINITION,
    _DELIVERY,
    _DOSING,
    _DOSING_DESCRIPTION,
    _DOSING_STRONG,
    _EDITORIAL,
    _ENROL_ACCESS,
    _EXPLAIN,
    _FEE_LINE,
    _FIELD_LABEL,
    _FIRST_PERSON,
    _FREE_OF,
    _GENERIC_AGENT,
    _GLUE_GAP,
    _GROUP_GAP,
    _HISTORY,
    _HOME_AFTER,
    _HUMAN_CARE,
    _IN_PLACE,
    _KAP_SERVICE,
    _KET_RE,
    _LISTING_MAX,
    _LOOKALIKE_RE,
    _MASKS,
    _MEDICINE,
    _MENTION_VETO,
    _NAMED_OFFER,
    _NAMED_OFFER_IN,
    _NEG_FALSE,
    _NEG_TERMINATE,
    _NEG_WORD,
    _NONDOSING,
    _NOT_PROVIDER_PAGE,
    _NOW_AVAILABLE,
    _OWN_KETAMINE,
    _OWN_SERVICE,
    _OWN_VOICE,
    _PARTNER_PRESCRIBES,
    _PARTNERSHIP,
    _PATIENT_CARE,
    _PLACE_IDX,
    _PLANNED,
    _POST_NEG,
    _PREMOD_GAP,
    _PRESS_RELEASE,
    _PRESS_VOICE,
    _PRICE,
    _PROCEDURE,
    _PROVIDER_SIGNAL,
    _QUOTED,
    _RACEMIC_SPRAY,
    _REFER,
    _REMOTE_WORDS,
    _REPORTED,
    _ROUTE_RE,
    _SECOND_PERSON,
    _SERVICE_ITEM,
    _SERVICE_OFFER,
    _SERVICE_TITLE,
    _SERVICE_VOICE,
    _SERVICES_HEADING,
    _SPEAKER,
    _SPRAVATO_ONLY,
    _STOPPED,
    _TAKEN_HOME,
    _TESTIMONIAL,
    _THIS_PLACE,
    _TITLE_LINE,
    _TITLE_VERB,
    _TO_YOU,
    _TRAINING,
    _TRAINING_PAGE,
    _TRAINING_WEAK,
    _VET,
    _WANTING,
    _YOUR_CARE,
    CLINIC,
    HOME,
    TEXT_MAX,
    _cue_of,
    _route_of,
    lower,
)
from .programmes import ProgrammeMatcher, own_site
from .structure import Scope, list_leads, others_lists, scopes
from .text import clause_bounds, evidence, matches_in_sentences, sentence_spans

# ---------------------------------------------------------------------------- model


@dataclass(slots=True)
class _Group:
    route: str
    start: int
    end: int
    strong: bool
    forced: str | None
    clause: int
    negated: bool = False
    offered: bool = True
    own: list[tuple[str, bool, int]] = field(default_factory=list)  # (setting, strong, distance)
    ctx: list[tuple[str, bool]] = field(default_factory=list)
    lent: list[tuple[str, bool]] = field(default_factory=list)  # cues of neighbouring sentences
    chain: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Sentence:
    text: str
    low: str
    is_question: bool
    clauses: list[tuple[int, int]]
    groups: list[_Group]
    cues: list[tuple[str, bool, int]]  # setting cues attached to no route word: (setting, strong, clause)
    all_cues: list[tuple[str, bool, int]]  # every setting cue kept: (setting, strong, clause)
    dosing_context: bool
    explain: list[bool]  # per clause: explains/reports rather than offers
    first_person: list[bool]  # per clause: the provider's own voice
    own: dict[int, bool] = field(default_factory=dict)  # clause -> _own_voice, worked out on first ask


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> int:
    for i, (a, b) in enumerate(clauses):
        if a <= pos < b or (i == len(clauses) - 1 and pos >= a):
            return i
    return max(0, len(clauses) - 1)


def _negated_before(text: str, lo: int, pos: int, cue_spans: list[tuple[int, int]]) -> bool:
    """A negator in the few words before ``pos`` (within the clause) that is about this word."""
    window_lo = max(lo, pos - 48)
    last = None
    for m in _NEG_WORD.finditer(text, window_lo, pos):
        if _NEG_FALSE.match(text, m.end()):
            continue
        last = m
    if last is None or _NEG_TERMINATE.search(text, last.end(), pos):
        return False
    # "not ... at-home lozenges": the negation is about the setting that modifies the word,
    # but in "no at-home options or Spravato" it covers the whole list.
    return not any(last.end() <= a and b <= pos and _PREMOD_GAP.match(text[b:pos]) for a, b in cue_spans)


@dataclass(slots=True)
class _Hits:
    """Vocabulary hits of one sentence (offsets relative to the sentence).

    Each vocabulary runs once over the whole page and hits are bucketed by sentence:
    per-sentence regex calls cost more in call overhead than in scanning.
    """

    cue: list = field(default_factory=list)
    route: list = field(default_factory=list)
    ket: list = field(default_factory=list)
    explain: list = field(default_factory=list)
    first_person: list = field(default_factory=list)
    nondosing: list = field(default_factory=list)


def _page_hits(text: str, low: str, masked: str, spans: list[tuple[int, int]], ket_doc: bool,
               unnamed: str | None = None) -> list[_Hits]:
    hits = [_Hits() for _ in spans]

    def bucket(name: str, scan) -> None:
        # Confined to sentences: a cue such as "in the office. Our office" must not swallow
        # the boundary (and with it the first sentence's "in the office").
        lists = [getattr(h, name) for h in hits]
        for i, m in matches_in_sentences(scan, spans):
            ms, me = m.span()
            a = spans[i][0]
            lists[i].append((ms - a, me - a, m.group()))

    bucket("cue", lambda p, e: _CUE_RE.finditer(masked, p, e))
    bucket("nondosing", lambda p, e: _NONDOSING.finditer(masked, p, e))
    bucket("ket", lambda p, e: _KET_RE.finditer(text, low, p, e))
    bucket("explain", lambda p, e: _EXPLAIN.finditer(unnamed or low, p, e))
    bucket("first_person", lambda p, e: (m for m in _FIRST_PERSON.finditer(text, low, p, e)
                                         if text[m.start():m.end()] != "US"))  # "approved in the US"
    if ket_doc:
        bucket("route", lambda p, e: _ROUTE_RE.finditer(text, low, p, e))
    return hits


def _mask(low: str, spans: list[tuple[int, int]]) -> str:
    """Blank out phrases that are not about where the dose is taken, within each sentence."""
    parts, last = [], 0
    for _i, m in matches_in_sentences(lambda p, e: _MASKS.finditer(low, p, e), spans):
        a, b = m.span()
        parts.append(low[last:a])
        parts.append(" " * (b - a))
        last = b
    if not parts:
        return low
    parts.append(low[last:])
    return "".join(parts)




class _ClauseFacts:
    """Clause-level facts, computed once per clause: asked again for every word, a long clause would be
    rescanned once per cue or route word in it."""

    __slots__ = ("s", "low", "masked", "clauses", "memo")

    def __init__(self, s: str, low: str, masked: str, clauses: list[tuple[int, int]]):
        self.s, self.low, self.masked, self.clauses = s, low, masked, clauses
        self.memo: dict[tuple[str, int], bool] = {}

    def has(self, what: str, ci: int) -> bool:
        key = (what, ci)
        hit = self.memo.get(key)
        if hit is None:
            clo, chi = self.clauses[ci]
            if what == "nondosing":
                hit = bool(_NONDOSING.search(self.masked, clo, chi))
            elif what == "dosing":
                hit = bool(_DOSING.search(self.s, self.low, clo, chi))
            elif what == "route":
                hit = bool(_ROUTE_RE.search(self.s, self.low, clo, chi))
            else:  # "not_now": referred out or only planned
                hit = bool(_REFER.search(self.low, clo, chi) or _PLANNED.search(self.low, clo, chi))
            self.memo[key] = hit
        return hit


def _sentence_cues(low: str, hits: _Hits, clauses: list[tuple[int, int]], facts: _ClauseFacts,
                   is_question: bool) -> tuple[list[tuple[int, int]], list[tuple[str, bool, int, int]]]:
    """The sentence's setting cues: (every cue's span, the cues that say where a dose is taken)."""
    cues: list[tuple[str, bool, int, int]] = []
    for start, end, text in hits.cue:
        idx = _cue_of(text)
        setting, strong = _CUE_TERMS[idx][1], _CUE_TERMS[idx][2]
        words = text.split(None, 2)
        if idx == _PLACE_IDX and len(words) == 3 and _REMOTE_WORDS.search(words[2]):
            continue  # "in our virtual clinic"
        cues.append((setting, strong, start, end))
    cue_spans = [(a, b) for _, _, a, b in cues]
    resolved: list[tuple[str, bool, int, int]] = []
    for setting, strong, a, b in cues:
        ci = _clause_of(clauses, a)
        clo, _chi = clauses[ci]
        tail = low[b:b + 20]
        if _NONDOSING.match(tail.lstrip()) or (
            facts.has("nondosing", ci) and not facts.has("dosing", ci) and not facts.has("route", ci)
        ):
            continue
        if _BENCHMARK.search(low, max(clo, a - 60), a):
            continue  # "far below what anaesthesia uses in a medical setting": a yardstick, not a place
        if _negated_before(low, clo, a, []) or _POST_NEG.match(low[b:_chi]):
            # "no take-home doses", "unlike at-home programs", "take-home injections are something we do
            # not provide": the opposite, weakly.
            setting, strong = (CLINIC if setting == HOME else HOME), False
        resolved.append((setting, strong, a, b))
    return cue_spans, ([] if is_question else resolved)


def _route_groups(s: str, low: str, hits: _Hits, clauses: list[tuple[int, int]]) -> list[_Group]:
    """The sentence's route words, look-alikes dropped, adjacent words of one route joined."""
    raw = []
    for start, end, token in hits.route:
        route, strong, forced = _route_of(token)
        veto = _MENTION_VETO.get(route)
        if veto is not None:
            lo = max(0, start - 25)
            if any(v.start() <= start < v.end() for v in veto.finditer(s, lo, min(len(s), end + 25))):
                continue
        raw.append([route, start, end, strong, forced])
    # Drop a weak word glued to a strong word of another route ("subcutaneous ketamine injections").
    keep = []
    for i, r in enumerate(raw):
        if not r[3]:
            nb = [raw[j] for j in (i - 1, i + 1) if 0 <= j < len(raw)]
            if any(n[3] and n[0] != r[0]
                   and _GLUE_GAP.match(s[r[2]:n[1]] if n[1] > r[1] else s[n[2]:r[1]]) for n in nb):
                continue
        keep.append(r)
    # Look-alikes: a route word closer to "vitamin"/"B12" than to "ketamine" is not ketamine.
    kets = [k[0] for k in hits.ket]
    looks = [(m.start(), m.end()) for m in _LOOKALIKE_RE.finditer(low)] if keep else []
    # A weak word ("pills", "shots", "infusion") needs ketamine or dosing in its own sentence:
    # "to me they resembled oversized ecstasy pills" is not a route.
    if not hits.ket and not _DOSING_STRONG.search(low):
        keep = [r for r in keep if r[3]]
    filtered = []
    for r in keep:
        if looks and not r[4]:
            dl = min(max(a - r[2], r[1] - b, 0) for a, b in looks)
            dk = min((abs(k - r[1]) for k in kets), default=10**6)
            if dl <= 40 and dl < dk:
                continue
        filtered.append(r)
    # Group adjacent words of the same route ("IV ketamine infusion", "esketamine nasal spray").
    groups: list[_Group] = []
    for r in filtered:
        if groups and groups[-1].route == r[0] and _GROUP_GAP.match(s[groups[-1].end:r[1]]):
            g = groups[-1]
            g.end = r[2]
            g.strong = g.strong or r[3]
            g.forced = g.forced or r[4]
            continue
        groups.append(_Group(r[0], r[1], r[2], r[3], r[4], _clause_of(clauses, r[1])))
    return groups


def _mark_negated(groups: list[_Group], s: str, low: str, clauses: list[tuple[int, int]],
                  cue_spans: list[tuple[int, int]], facts: _ClauseFacts) -> None:
    """Negation, referral and plans: "IV is not offered here", "we refer out for IV", "IM coming soon"."""
    for g in groups:
        clo, chi = clauses[g.clause]
        if _negated_before(low, clo, g.start, cue_spans):
            g.negated = True
        pm = _POST_NEG.match(s[g.end:chi])
        if pm:
            after = low[g.end + pm.end():g.end + pm.end() + 30]
            if (not _CUE_RE.match(after.lstrip()) and not _HOME_AFTER.match(after)) or _THIS_PLACE.match(after):
                g.negated = True  # "not offered at home" sets a setting; "not available at this location" denies
        if facts.has("not_now", g.clause) or _FREE_OF.match(s, g.end) or _BETWEEN.search(low, clo, g.start):
            g.negated = True  # "a personal, IV-free ketamine treatment"
    # "IV infusions are not available in Meridian; patients who want IV treatment are seen at our Jackson clinic":
    # wanting the route just denied is no offer of it. (A route only placed elsewhere, "not available at home",
    # is not denied, and wanting it is no different from being offered it.)
    for i, g in enumerate(groups):
        if not g.negated and _WANTING.search(low, clauses[g.clause][0], g.start) \
                and any(d.negated and d.route == g.route for d in groups[:i]):
            g.negated = True


def _chain_groups(groups: list[_Group], s: str, cue_spans: list[tuple[int, int]]) -> None:
    """Coordinated route words share their setting ("IM or sublingual, in our office")."""
    for i, g in enumerate(groups):
        g.chain = [i]
    for i in range(1, len(groups)):
        a, b = groups[i - 1], groups[i]
        gap = s[a.end:b.start]
        cue_between = any(a.end <= x < b.start for x, _ in cue_spans)
        if a.clause == b.clause and _CHAIN_GAP.match(gap) and not cue_between:
            merged = sorted(set(a.chain) | set(b.chain))
            for j in merged:
                groups[j].chain = merged


def _attach_cues(groups: list[_Group], resolved: list[tuple[str, bool, int, int]], s: str,
                 clauses: list[tuple[int, int]], facts: _ClauseFacts) -> list[tuple[str, bool, int]]:
    """Each cue goes to the route word it modifies; returns the cues no route word took
    as (setting, strong, clause)."""
    loose_at: list[tuple[str, bool, int]] = []
    phase: list[tuple[str, bool]] = []  # strong cues from another clause that is about dosing
    live = [i for i, g in enumerate(groups) if not g.negated]
    for setting, strong, a, b in resolved:
        ci = _clause_of(clauses, a)
        in_clause = [i for i in live if groups[i].clause == ci]
        target = None
        following = [i for i in in_clause if groups[i].start >= b]
        preceding = [i for i in in_clause if groups[i].end <= a]
        if following and _PREMOD_GAP.match(s[b:groups[following[0]].start]):
            target = following[0]
        elif preceding:
            target = preceding[-1]
        elif following:
            target = following[0]
        if target is None:
            loose_at.append((setting, strong, ci))
            if strong and facts.has("dosing", ci) and not facts.has("nondosing", ci):
                phase.append((setting, strong))
            continue
        g = groups[target]
        dist = a - g.end if a >= g.end else g.start - b
        for j in g.chain:
            groups[j].own.append((setting, strong, max(dist, 0)))
    # Cues in other clauses of the same sentence are context for every route word in it.
    for g in groups:
        g.ctx.extend((st, strong) for st, strong, _ci in loose_at)
    # With a single route in the sentence, a clause about another dosing phase adds its setting
    # ("lozenges at home for the first sessions; later medicine sessions take place in my office").
    live_routes = {groups[i].route for i in live}
    if phase and len(live_routes) == 1:
        for i in live:
            groups[i].own.extend((st, strong, 10**6) for st, strong in phase)
    return loose_at


def _analyse_sentence(s: str, low: str, masked: str, hits: _Hits, ket_doc: bool) -> _Sentence:
    """One sentence read in phases: setting cues, route words, negation, coordination, which cue
    belongs to which word."""
    if _CAPTION.match(s):
        ket_doc = False  # an image's description names no service
    clauses = clause_bounds(s)
    is_question = s.rstrip().endswith("?")
    facts = _ClauseFacts(s, low, masked, clauses)
    cue_spans, resolved = _sentence_cues(low, hits, clauses, facts, is_question)
    groups = _route_groups(s, low, hits, clauses) if ket_doc else []
    _mark_negated(groups, s, low, clauses, cue_spans, facts)
    _chain_groups(groups, s, cue_spans)
    loose_at = _attach_cues(groups, resolved, s, clauses, facts)
    dosing_context = not hits.nondosing or bool(hits.ket) or bool(_DOSING_STRONG.search(low))
    return _Sentence(
        s, low, is_question, clauses, groups,
        loose_at, [(st, strong, _clause_of(clauses, a)) for st, strong, a, _b in resolved], dosing_context,
        _per_clause(clauses, (h[0] for h in hits.explain)),
        _per_clause(clauses, (h[0] for h in hits.first_person)),
    )


def _per_clause(clauses: list[tuple[int, int]], positions) -> list[bool]:
    flags = [False] * len(clauses)
    for p in positions:
        flags[_clause_of(clauses, p)] = True
    return flags


def _own_voice(sent: _Sentence, ci: int) -> bool:
    """The provider speaking in this clause (asked for many times per sentence, worked out once)."""
    hit = sent.own.get(ci)
    if hit is None:
        hit = sent.own[ci] = _own_voice_in(sent, ci)
    return hit


def _own_voice_in(sent: _Sentence, ci: int) -> bool:
    """The provider speaking in this clause: "we", "our", "my practice", "I offer", or the practice
    by name ("Bloomwell delivers ketamine therapy…") — not a journalist's "I"."""
    a, b = sent.clauses[ci]
    if _EDITORIAL.search(sent.low) or _REPORTED.search(sent.text) or _TESTIMONIAL.match(sent.text):
        return False
    if any(sent.text[m.start():m.end()] != "US" for m in _OWN_VOICE.finditer(sent.low, a, b)):
        return True
    return bool(_NAMED_OFFER.match(sent.text, a) or _NAMED_OFFER_IN.search(sent.text, a, b)) and not sent.explain[ci]


def _speaks_for_the_provider(analysed: list[_Sentence], rx: re.Pattern, skip, explained: bool) -> None:
    """Clauses where someone other than "we" speaks for the provider (its press release's third person, its
    medical partner prescribing): the provider's own voice there. ``explained``: even in a clause that
    explains. Never in reported speech, nor in the sentences ``skip`` picks."""
    for sent in analysed:
        if _REPORTED.search(sent.text) or skip(sent):
            continue
        for m in rx.finditer(sent.text):
            ci = _clause_of(sent.clauses, m.end() - 1)
            if explained or not sent.explain[ci]:
                sent.own[ci] = True


def _offered(sent: _Sentence, g: _Group, article_doc: bool, n_routes: int, scope: Scope,
             answered: bool = False, first: bool = False) -> bool:
    """Whether a route word is offered by this provider rather than explained or reported."""
    if sent.is_question:
        # "Where is ketamine infusion therapy given?" offers nothing; "Ketamine lozenges? We
        # prescribe them only for use in session" does, through its answer.
        return answered and not article_doc
    for j in g.chain:  # "it beats intramuscular shots, and intranasal and sublingual ketamine too"
        other = sent.groups[j]
        if _COMPARED_BEFORE.search(sent.text, max(0, other.start - 40), other.start):
            return False
    if scope.heading or _TITLE_LINE.match(sent.text):
        # "IV Ketamine Infusions" names a service; "How to Pick the Ketamine Infusion Center That
        # Suits You" and "Mail-Order Medicine: The Ketamine Lozenge Boom" are titles of posts.  A
        # page's own title may be longer ("Spravato (Esketamine) Therapy for Treatment Resistant Depression").
        words = sent.text.split()
        return (not scope.explain and len(words) <= (12 if first else 6) and not article_doc
                and ":" not in sent.text and not any(sent.explain)
                and not _TITLE_VERB.match(sent.text.lstrip("#* ")))
    own = _own_voice(sent, g.clause)
    if _DEFINITION.match(sent.low, sent.clauses[g.clause][0]) and not own:
        return False
    if scope.explain:
        # Under "How is ketamine given?" only the provider's own voice offers ("at our clinic we use IM";
        # "we prescribe ketamine in low doses: troches of 10-120 mg").
        return own or (not sent.explain[g.clause]
                       and any(_own_voice(sent, c) for c in range(len(sent.clauses)) if not sent.explain[c]))
    fp_sent = any(sent.first_person) or bool(_TO_YOU.search(sent.low))
    if sent.explain[g.clause]:
        return own
    if not own and g.clause > 0 and sent.explain[g.clause - 1]:
        return False  # "Other providers use a medical model - either IV by a nurse or lozenges - and I…"
    if any(sent.explain) and not fp_sent and not own:
        return False  # (an explaining word elsewhere does not undo "they prescribe lozenges" said for us)
    if n_routes >= 3 and not fp_sent:
        return False  # "ketamine is available as an infusion, a shot, a spray or a lozenge"
    return not article_doc


def _vouched(sent: _Sentence, g: _Group, scope: Scope, first: bool, cues: bool = True) -> bool:
    """A mention that is the provider's own offer, not a generic sentence about the treatment."""
    if scope.heading or first:
        return True  # a service's name ("IV Ketamine Infusions"), already judged by _offered
    if _own_voice(sent, g.clause) or any((_own_voice(sent, c) or sent.first_person[c])
                                         for c in range(len(sent.clauses)) if not sent.explain[c]):
        return True
    if _SECOND_PERSON.search(sent.low) and not sent.explain[g.clause]:
        return True  # "the lozenge dissolves under your tongue"
    if cues and (any(strong for _st, strong, _d in g.own) or any(strong for _st, strong in g.ctx)):
        return True  # (Spravato's fixed setting says where, not that this provider gives it)
    return bool(_YOUR_CARE.search(sent.low) or _PROVIDER_SIGNAL.search(sent.low) or _SERVICE_VOICE.search(sent.low)
                or _DOSING_DESCRIPTION.search(sent.low))




def _resolve(g: _Group, page_setting: str | None = None) -> tuple[set[str], bool]:
    """Where the dose is taken: cues on the word, then in its sentence, then the route itself.

    IV infusions and IM injections offered by a practice are given by a clinician, so they are
    ``in_clinic`` unless a strong cue places them elsewhere ("in-home IV"); weak remote cues
    (telehealth follow-ups, medicine shipped) say nothing about an infusion.
    """
    if g.forced:
        return {g.forced}, False
    if g.route in _CLINICIAN_GIVEN:
        strong = {st for st, strong, _ in g.own if strong} or {st for st, strong in g.ctx if strong}
        return (strong, False) if strong else ({CLINIC}, True)
    strong_own = {st for st, strong, _ in g.own if strong}
    if strong_own:
        return strong_own, False
    strong_ctx = {st for st, strong in g.ctx if strong}
    if strong_ctx:
        return strong_ctx, False
    strong_lent = {st for st, strong in g.lent if strong}
    if strong_lent:
        return strong_lent, False
    if page_setting is not None:
        return {page_setting}, False
    weak_own = [(d, st) for st, strong, d in g.own if not strong]
    if weak_own:
        kinds = {st for _, st in weak_own}
        return (kinds if len(kinds) == 1 else {min(weak_own)[1]}), False
    weak_ctx = {st for st, strong in g.ctx + g.lent if not strong}
    if weak_ctx:
        return weak_ctx, False
    return {"unspecified"}, True


def _kap_offered(sent: _Sentence) -> bool:
    """Ketamine care offered without a route: "we offer KAP", "Harbor Clinic provides ketamine therapy".

    Not: "KAP uses ketamine to…" (a definition: the service is the subject), "after your KAP
    sessions I help you integrate" (care around someone else's dosing), questions.
    """
    if sent.is_question:
        return False
    s, low, clauses = sent.text, sent.low, sent.clauses
    for m in _KAP_SERVICE.finditer(s, low):
        ci = _clause_of(clauses, m.start())
        clo, chi = clauses[ci]
        if (_negated_before(low, clo, m.start(), []) or _PLANNED.search(low, clo, chi)
                or _REFER.search(low, clo, chi)):
            continue
        if (_POST_NEG.match(s[m.end():chi]) or _AROUND_SESSION.search(s, max(clo, m.start() - 45), m.start())
                or _AROUND_AFTER.match(s, m.end(), chi)):
            continue
        own = _own_voice(sent, ci)
        if sent.explain[ci] and not own:
            continue
        # Without the provider's own voice, the offering verb must come before the service
        # ("Harbor Clinic offers KAP"), not after it ("KAP uses ketamine").
        if not own and _CHOOSING.search(low, clo, m.start()):
            continue  # "Picking the right therapist or clinic for KAP", "How to judge a ketamine therapy provider"
        agent = _AGENT_AFTER.match(low, m.end())  # "a KAP therapist", "KAP provider"
        if agent and not own and (_GENERIC_AGENT.search(low, clo, m.start()) or agent.group().rstrip().endswith("s")):
            agent = None  # "Choosing a KAP therapist", "the best ketamine therapy clinics": anyone's
        service = (_SERVICE_OFFER.search(low, clo, m.start()) if not own else _SERVICE_OFFER.search(low)) or agent
        if not service:
            service = _NOW_AVAILABLE.match(low, m.end()) or _ENROL_ACCESS.search(low, clo, m.start())
        if not (service or own):
            continue
        if not service and _TRAINING.search(low, clo, chi):
            continue  # "I am trained in KAP" is not an offer
        return True
    return False


def _cap(text: str) -> str:
    """The first ``TEXT_MAX`` characters, cut at a space when there is one near the end.

    Practitioner pages are a few KB (the crawler keeps at most 20,000 characters), and the
    rules run at about 1 ms per KB, so this only bounds the time spent on pasted books or
    junk: evidence is still quoted from the page.
    """
    if len(text) <= TEXT_MAX:
        return text
    cut = text.rfind(" ", TEXT_MAX - 200, TEXT_MAX)
    return text[:cut if cut > 0 else TEXT_MAX]


def _ketamine_without_route(analysed: list[_Sentence], page_scopes: list[Scope], article_doc: bool) -> bool:
    """Ketamine care offered where no route is named: "we offer KAP", "we prescribe ketamine in very low
    doses", a page about ketamine care whose provider speaks to its own patients, a fee schedule."""
    ketamine = any(_kap_offered(sent) for sent, sc in zip(analysed, page_scopes, strict=True)
                   if not sc.explain or any(sent.first_person))
    if not ketamine and not article_doc:
        # "We prescribe ketamine in very low doses", "given in controlled doses by our medical team"
        ketamine = any(_OWN_KETAMINE.search(sent.low) and not sent.is_question and not sc.explain
                       and not _NEG_WORD.search(sent.low) and not _PLANNED.search(sent.low)
                       for sent, sc in zip(analysed, page_scopes, strict=True))
    if not ketamine and not article_doc:
        # Ketamine care is the page's subject (a heading, or named twice) and the provider
        # speaks to its own patients somewhere on it.
        kap = [i for i, sent in enumerate(analysed) if _KAP_SERVICE.search(sent.text, sent.low)]
        topic = len(kap) >= 2 or any(page_scopes[i].heading for i in kap)
        ketamine = topic and any(_SERVICE_VOICE.search(sent.low) and not sent.is_question
                                 and not _TESTIMONIAL.match(sent.text) and not _REPORTED.search(sent.text)
                                 for sent in analysed)
        if not ketamine:
            # A fee schedule: "Ketamine assisted psychotherapy session: $700"; or a menu of the
            # provider's services, one item the care itself ("04 Ketamine-Assisted Therapy: a structured course…").
            ketamine = any((_FEE_LINE.search(analysed[i].text)
                            or (_SERVICE_ITEM.match(analysed[i].text) and not page_scopes[i].heading))
                           and not page_scopes[i].explain and not analysed[i].is_question for i in kap)
    return ketamine


def _certifications(text: str, spans: list[tuple[int, int]], sentences: list[str], leads, page_scopes: list[Scope],
                    matcher: ProgrammeMatcher, training_page, roster_program: str | None) -> list[dict]:
    """Programmes the page claims, each once, with the sentence that claims it; a roster page's own."""
    certs: list[dict] = []
    seen: set[str] = set()
    others = [sc.others or lst for sc, lst in zip(page_scopes, others_lists(text, spans, leads), strict=True)]
    if training_page:
        others = [True] * len(spans)  # a programme's own pages name it; that is no one's claim
    hits = matcher.find_in(text, spans, others)
    # "About ASKP3", "Journey Clinical prescribes …": the programme's own page (looked for only when named)
    own_pages = matcher.speaking(text) if hits else set()
    for i, pid, a, _b in hits:
        if pid not in seen and pid not in own_pages:
            seen.add(pid)
            certs.append({"program": pid, "evidence": evidence(sentences[i], a)})
    if roster_program is not None:
        if roster_program not in matcher.registry:
            raise ValueError(f"unknown programme id {roster_program!r}; add it to programmes.toml")
        if roster_program not in seen:
            title = matcher.registry[roster_program]["title"]
            certs.append({"program": roster_program, "evidence": f"Listed on the {title} roster"})
    return certs


def _at_home_without_route(analysed: list[_Sentence], page_scopes: list[Scope], clinic_cued) -> bool:
    """An at-home programme offered without naming a route ("Bloomwell delivers ketamine therapy through an
    at-home model", "your medicine sessions happen from the comfort of your home")."""
    for sent, sc in zip(analysed, page_scopes, strict=True):
        if sent.is_question or not sent.dosing_context:
            continue
        # The provider's own service verbs: "we meet over video while you stay at home", not a
        # reviewer's "we have reviewed platforms that treat at home".
        serving = bool(_OWN_SERVICE.search(sent.low)) or any(
            _NAMED_OFFER.match(sent.text, a) and not sent.explain[c] for c, (a, _b) in enumerate(sent.clauses))
        # "Our KAP-trained therapists guide the journey in office, or virtually while you stay
        # in the comfort of your own home": the provider's own voice in the clause placing the
        # session at home — unless it is comparing, warning, reviewing or guiding a reader.
        serving = serving or any(
            st == HOME and _own_voice(sent, ci) and not _CONTRAST.search(sent.low) for st, _s, ci in sent.all_cues)
        mailed_to_office_dosing = clinic_cued and _DELIVERY.search(sent.low) and not _TAKEN_HOME.search(sent.low)
        for st, strong, ci in sent.all_cues:
            if st != HOME or not strong or (sent.explain[ci] and not _own_voice(sent, ci)) or mailed_to_office_dosing:
                continue
            if sc.explain and not serving:
                continue
            a, b = sent.clauses[ci]
            if _STOPPED.search(sent.low, a, b) or _NONDOSING.search(sent.low, a, b):
                continue  # "our at-home program has been discontinued", "webinar from home"
            if serving or _YOUR_CARE.search(sent.low) or _AT_HOME_SERVICE.search(sent.low):
                return True
        if _DELIVERY.search(sent.low) and not clinic_cued and _MEDICINE.search(sent.low) \
                and not any(sent.explain) and not sc.explain and not _NEG_WORD.search(sent.low):
            # "your medication will be shipped to you"; "ketamine will be shipped to your home" on
            # a page that never places a dose in an office
            return True
    return False


def classify_text(text: str, matcher: ProgrammeMatcher, roster_program: str | None = None,
                  trace: dict | None = None, url: str = "") -> dict:
    """The rules' verdict; with ``trace`` (a dict), also what they saw on the way, for the learned
    layer in ``stack.py``: every route word with the rules' judgement of it, and the page's flags.
    ``url``: the page's address, when known (a programme's own site claims no one's training in it)."""
    text = _cap(text)
    spans = sentence_spans(text)
    sentences = [text[a:b] for a, b in spans]
    page_scopes = scopes(text, spans)
    low = lower(text)
    ket_doc = bool(_KET_RE.search(text, low))
    # A veterinary or anaesthesia page, with no human mental care on it.  Ketamine's history line
    # ("discovered in 1962, an FDA-approved anesthetic used in veterinary medicine") is on every
    # ketamine page and says nothing about this one.
    excluded = not _HUMAN_CARE.search(low) and any(
        (_VET.search(text[a:b], low[a:b]) or _ANAES.search(low, a, b)) and not _HISTORY.search(low, a, b)
        for a, b in spans)

    masked = _mask(low, spans)
    # A programme's name ("CIIS Certificate in Psychedelic-Assisted Therapies and Research") is not the
    # page explaining research: explaining words inside one do not count.
    plain = low
    for a, b in matcher.alias_spans(low) if len(low) == len(text) else []:
        plain = plain[:a] + " " * (b - a) + plain[b:]
    page_hits = _page_hits(text, low, masked, spans, ket_doc and not excluded, plain)
    analysed = [
        _analyse_sentence(sentences[i], low[a:b], masked[a:b], page_hits[i], ket_doc and not excluded)
        for i, (a, b) in enumerate(spans)
    ]

    if _PRESS_RELEASE.search(text):
        _speaks_for_the_provider(analysed, _PRESS_VOICE, skip=lambda sent: bool(_TESTIMONIAL.match(sent.text)),
                                 explained=False)
    partners = [m.group("partner") for m in _PARTNERSHIP.finditer(text)]
    if partners:
        # "Journey Clinical's medical team … prescribes ketamine lozenges", "they prescribe ketamine lozenges"
        # after "We partner with Journey Clinical": the partner's prescription is the therapist's offer.
        who = "|".join(re.escape(p) for p in dict.fromkeys(partners))
        prescribes = re.compile(rf"(?:\b(?:{who})(?:['’]s)?(?:\s+(?:medical\s+)?(?:team|providers?|clinicians?|prescribers?))?"
                                rf"|\b(?:they|their\s+(?:medical\s+)?(?:team|providers?|prescribers?|clinicians?)))\s+"
                                + _PARTNER_PRESCRIBES)
        _speaks_for_the_provider(analysed, prescribes, skip=lambda sent: sent.is_question, explained=True)

    # A page is a provider's only where it speaks as one: "we"/"our", "my clients", a practice
    # offering by name, "you will receive…", "your prescriber", prices, a title saying where the
    # service is given.  Articles, explainers and journalism ("the online service I contacted")
    # have none of these, and nothing on them is an offer.
    first_heading = next((i for i, sc in enumerate(page_scopes) if sc.heading), -1)
    has_explain = any(sc.explain for sc in page_scopes) or any(any(sent.explain) for sent in analysed)
    strong_voice = weak_voice = 0
    title = analysed[first_heading] if first_heading >= 0 else None
    for sent, sc in zip(analysed, page_scopes, strict=True):
        if sent.is_question:
            # "What sets our clinic apart?", "Why choose us?": the provider asking about itself.
            strong_voice += bool(_ASKS_ABOUT_ITSELF.search(sent.low))
            continue
        if (any(_own_voice(sent, ci) for ci in range(len(sent.clauses)))
                or _SERVICE_VOICE.search(sent.low) or _PROVIDER_SIGNAL.search(sent.low) or _AT_NAMED.search(sent.text)
                or _PROCEDURE.search(sent.low)
                or (sc.heading and _KET_RE.search(sent.text, sent.low) and _IN_PLACE.search(sent.text))):
            strong_voice += 1
        elif _YOUR_CARE.search(sent.low) or _PRICE.search(sent.text):
            weak_voice += 1
        elif sent is title and sent.groups and _SERVICE_TITLE.match(sent.text):
            weak_voice += 1  # a service page titled as the service ("IV Ketamine Infusion Therapy")
    has_voice = strong_voice >= 1 or weak_voice >= 2  # one "your provider" or one price is not a voice
    strong_marks = {m.group() for m in _TRAINING_PAGE.finditer(low)}
    weak_marks = {m.group() for m in _TRAINING_WEAK.finditer(low)}
    unquoted = _QUOTED.sub(" ", low)  # a testimonial's "my clients" is not the page's own care
    training_page = (len(strong_marks) >= 2 or (strong_marks and len(weak_marks) >= 2)) \
        and not _PATIENT_CARE.search(unquoted)
    # "Dr Brenner: We use tablets…" is someone else speaking; "Clinical Interests:" is a profile's field
    interview = sum(not _FIELD_LABEL.search(m.group()) for m in _SPEAKER.finditer(text)) >= 2
    not_provider = bool(_NOT_PROVIDER_PAGE.search(low)) or training_page or interview
    # A short listing ("Esketamine treatments — REMS certified", a directory card) has no room for
    # a voice; only an explaining or long page without one is an article.
    article_doc = not_provider or (not has_voice and (has_explain or len(text) > _LISTING_MAX))

    for i, (sent, scope) in enumerate(zip(analysed, page_scopes, strict=True)):
        n_routes = len({g.route for g in sent.groups if not g.negated})
        nxt = analysed[i + 1] if i + 1 < len(analysed) else None
        answered = bool(sent.is_question and nxt is not None and not nxt.groups and not nxt.is_question
                        and any(_own_voice(nxt, ci) for ci in range(len(nxt.clauses)))
                        and not _NEG_WORD.search(nxt.low, 0, 12))
        for g in sent.groups:
            if not g.negated:
                g.offered = _offered(sent, g, article_doc, n_routes, scope, answered, i == first_heading)

    # Sentences without route words lend their setting cues to neighbouring ones
    # ("We do not offer at-home ketamine. All sessions use IM ketamine in our clinic.").
    def live(sent: _Sentence) -> list[_Group]:
        return [g for g in sent.groups if not g.negated and g.offered]

    for i, sent in enumerate(analysed):
        if live(sent) or sent.is_question or not sent.cues or not sent.dosing_context:
            continue
        if page_scopes[i].explain or (any(sent.explain) and not any(sent.first_person)):
            continue  # "What to consider before trying ketamine at home" places nothing
        for dist in (1, 2):
            targets = [j for j in (i - dist, i + dist) if 0 <= j < len(analysed) and live(analysed[j])]
            for j in targets:
                if page_scopes[j].heading:
                    continue
                for g in live(analysed[j]):
                    g.lent.extend((st, strong) for st, strong, _ci in sent.cues)
            if targets:
                break

    # Where the page's own service takes place, said in its own voice somewhere ("Your At Home
    # Ketamine Experience", "all sessions are held in my office"): the setting of a lozenge or
    # nasal spray that the sentence naming it leaves open.  Only when the page names one place.
    page_settings = set()
    for sent, sc in zip(analysed, page_scopes, strict=True):
        if sent.is_question or sc.explain or not sent.dosing_context or live(sent):
            continue
        for st, strong, ci in sent.cues:
            if strong and not (sent.explain[ci] and not sent.first_person[ci]) \
                    and not _NONDOSING.search(sent.low, *sent.clauses[ci]):  # "a virtual consultation from home"
                page_settings.add(st)
    page_setting = next(iter(page_settings)) if len(page_settings) == 1 else None
    if not page_settings and not any(st == CLINIC for sent in analysed for st, _s, _c in sent.cues):
        # Medicine shipped to the patient's door, and no word of an office: taken at home.
        for sent, sc in zip(analysed, page_scopes, strict=True):
            if (not sent.is_question and not sc.explain and _DELIVERY.search(sent.low)
                    and not any(sent.explain) and not _NEG_WORD.search(sent.low)):
                page_setting = HOME
                break
    # On a Spravato page, "the nasal spray" is Spravato unless racemic spray is named.
    # A spray its own words place at home is racemic ("our at-home modalities: oral, nasal spray…";
    # then "Nasal: from $325" on its price list is that spray too): Spravato is given only in a
    # certified office.
    racemic_at_home = any(g.route == "intranasal" and not g.forced and any(
        st == HOME and strong for st, strong, *_ in (*g.own, *g.ctx)) for sent in analysed for g in sent.groups)
    spravato_page = bool(_SPRAVATO_ONLY.search(low)) and not _RACEMIC_SPRAY.search(low) and not racemic_at_home
    if spravato_page:
        for sent in analysed:
            for g in sent.groups:
                if g.route == "intranasal":
                    g.forced = CLINIC

    # A route is offered only where at least one mention of it is the provider's own: said in its
    # voice, placed by a cue, named as a service, or addressed to "your" care.  Generic sentences
    # ("ketamine infusions may be for you", "injections have been shown to be safe") then add
    # nothing of their own.  Short listings (a directory card) have no room for a voice.
    vouched: set[str] = set()
    listing = len(text) <= _LISTING_MAX
    # A page whose headings run through three routes or more is comparing them ("Ketamine infusion
    # therapy", "Nasal ketamine spray", "Home oral therapy"): its headings vouch for nothing.
    heading_routes = {g.route for sent, sc in zip(analysed, page_scopes, strict=True) if sc.heading for g in live(sent)}
    comparing = len(heading_routes) >= 3
    leads = list_leads(text, spans)
    for i, (sent, sc) in enumerate(zip(analysed, page_scopes, strict=True)):
        lead = analysed[leads[i]] if leads[i] is not None else None
        for g in live(sent):
            if comparing:
                ok = not sc.heading and _vouched(sent, g, sc, False, cues=False)
            else:
                ok = listing or _vouched(sent, g, sc, i == first_heading) or (
                    # an item of a list the provider introduces in its own voice or with its price
                    # ("The Lumara program is priced at $4,500 and covers: 1. Six ketamine infusions")
                    lead is not None and not sc.explain and not lead.is_question
                    and bool(_PRICE.search(lead.text) or any(_own_voice(lead, c) for c in range(len(lead.clauses)))
                             or (not article_doc and _SERVICES_HEADING.match(lead.text))))
            if ok:
                vouched.add(g.route)

    # A dose placed in the office somewhere on the page, said outright ("dosing sessions take place in
    # person"): medicine mailed to the patient is then taken there, not at home.
    # (Not an explanation's office: "most US ketamine clinics treat in a clinic, by IV infusion".)
    clinic_cued = any(st == CLINIC and strong and not (sent.explain[ci] and not sent.first_person[ci])
                      for sent, sc in zip(analysed, page_scopes, strict=True)
                      if sent.dosing_context and not sc.explain and not sent.is_question
                      for st, strong, ci in sent.all_cues)
    found: dict[tuple[str, str], str] = {}
    for sent in analysed:
        groups = [g for g in live(sent) if g.route in vouched]
        settled = [_resolve(g, page_setting) for g in groups]
        if clinic_cued and _DELIVERY.search(sent.low) and not _TAKEN_HOME.search(sent.low):
            settled = [({CLINIC if st == HOME else st for st in sts}, dflt) for sts, dflt in settled]
        # "Our mobile IV team brings ketamine infusions to your home": a word placed by a cue
        # speaks for the other words of its route in the sentence that only have the default.
        placed = {g.route for g, (_, dflt) in zip(groups, settled, strict=True) if not dflt}
        for g, (settings, dflt) in zip(groups, settled, strict=True):
            if dflt and g.route in placed:
                continue
            for setting in settings:
                if (g.route, setting) not in found:
                    found[(g.route, setting)] = evidence(sent.text, g.start)
    if trace is not None:
        trace.update(text=text, spans=spans, article_doc=article_doc, has_voice=has_voice, roster_program=roster_program,
                     ket_doc=ket_doc,
                     strong_voice=strong_voice, not_provider=bool(not_provider), training_page=bool(training_page),
                     comparing=comparing, page_setting=page_setting, clinic_cued=bool(clinic_cued),
                     cues=[(i, st, strong, sent.dosing_context, page_scopes[i].explain or sent.explain[ci],
                            _own_voice(sent, ci)) for i, sent in enumerate(analysed) for st, strong, ci in sent.all_cues],
                     groups=[
                         {"sent": i, "route": g.route, "start": g.start, "strong": g.strong, "negated": g.negated,
                          "offered": g.offered, "vouched": g.route in vouched, "settings": _resolve(g, page_setting),
                          "heading": page_scopes[i].heading, "explain_scope": page_scopes[i].explain,
                          "question": sent.is_question, "own": _own_voice(sent, g.clause),
                          "explain_clause": sent.explain[g.clause], "first_person": any(sent.first_person)}
                         for i, sent in enumerate(analysed) for g in sent.groups])
    # A route known to be given somewhere specific is not also "unspecified".
    for route in ROUTES:
        if (route, "unspecified") in found and any(r == route and st != "unspecified" for r, st in found):
            del found[(route, "unspecified")]
    routes = [
        {"route": r, "setting": st, "evidence": ev}
        for (r, st), ev in sorted(found.items(), key=lambda kv: (ROUTES.index(kv[0][0]),
                                                                 SETTINGS.index(kv[0][1])))
    ]

    ketamine = bool(routes) or (ket_doc and not excluded and not not_provider
                                and _ketamine_without_route(analysed, page_scopes, article_doc))

    certs = _certifications(text, spans, sentences, leads, page_scopes, matcher, training_page, roster_program)
    if url and (own := own_site(matcher.registry, url) - {roster_program}):
        # A programme's own pages name it everywhere (its faculty, its courses, its members' panel): no one's
        # completed training. A roster's own programme stays: being listed there is the claim.
        certs = [c for c in certs if c["program"] not in own]

    # An at-home programme offered without naming a route ("Bloomwell delivers ketamine therapy
    # through an at-home model", "your medicine sessions happen from the comfort of your home").
    offers_at_home = any(r["setting"] == HOME for r in routes)
    if not offers_at_home and ket_doc and not excluded and not article_doc \
            and _at_home_without_route(analysed, page_scopes, clinic_cued):
        offers_at_home = ketamine = True

    return {
        "ketamine": ketamine,
        "routes": routes,
        "offers_at_home": offers_at_home,
        "certifications": certs,
        "credentials": parse_credentials(text),
    }
