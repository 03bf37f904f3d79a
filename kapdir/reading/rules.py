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
from .programmes import ProgrammeMatcher
from .structure import Scope, list_leads, others_lists, scopes
from .text import clause_bounds, evidence, matches_in_sentences, sentence_spans

HOME, CLINIC = "at_home", "in_clinic"
TEXT_MAX = 100_000  # characters read from one page; see _cap()

_APOS = "['’]"


def _split_alternatives(body: str) -> list[str]:
    alts, cur, depth, in_class, esc = [], [], 0, False, False
    for ch in body:
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    alts.append("".join(cur))
    return alts


def _lower_pattern(p: str) -> str:
    out, esc = [], False
    for ch in p:
        out.append(ch if esc else ch.lower())
        esc = not esc and ch == "\\"
    return "".join(out)


def lower(text: str) -> str:
    """Lower-case without changing length, so offsets in the lowered text fit the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _ci(pattern: str) -> re.Pattern:
    """Compile ``(?i:\\bA|\\bB|...)`` for use on lower-cased text, as ``\\b(?:a|b|...)``.

    Python's ``re`` is several times slower with IGNORECASE and when every alternative
    carries its own ``\\b``; running flag-free patterns on a lower-cased copy with one shared
    ``\\b`` is what keeps a 2 KB page within the latency budget.  Callers must pass lower()ed text.
    """
    body = pattern[4:-1] if pattern.startswith("(?i:") and pattern.endswith(")") else pattern
    alts = _split_alternatives(_lower_pattern(body))
    if all(a.startswith(r"\b") for a in alts):
        return re.compile(r"\b(?:" + "|".join(a[2:] for a in alts) + ")")
    return re.compile("|".join(alts))


class _Either:
    """A case-insensitive vocabulary plus a few tokens that only count in upper case.

    Both run as one pass over the lowered text; a hit on an upper-case-only token ("IV",
    "IM", "KAP", the pronoun "I") is kept only if the original text has it in capitals, so
    "im"/"kap"/"i" in lower case never match.
    """

    __slots__ = ("rx", "upper")

    def __init__(self, ci: str, upper_tokens: tuple[str, ...]):
        body = ci[4:-1] if ci.startswith("(?i:") else ci
        alts = "|".join(re.escape(t) for t in sorted(upper_tokens, key=len, reverse=True))
        self.rx = _ci("(?i:" + body + r"|\b(?:" + alts + r")\b)")
        self.upper = frozenset(t.lower() for t in upper_tokens)

    def search(self, s: str, low: str, pos: int = 0, endpos: int | None = None):
        end = len(s) if endpos is None else endpos
        upper = self.upper
        for m in self.rx.finditer(low, pos, end):
            if m.group() not in upper or not any(c.islower() for c in s[m.start():m.start() + 2]):
                return m
        return None

    def finditer(self, s: str, low: str, pos: int = 0, endpos: int | None = None):
        """Lazy, like ``re.finditer``, so a scan cut short by ``matches_in_sentences`` costs nothing."""
        end = len(s) if endpos is None else endpos
        upper = self.upper
        return (
            m for m in self.rx.finditer(low, pos, end)
            if m.group() not in upper or not any(c.islower() for c in s[m.start():m.start() + 2])
        )


# --------------------------------------------------------------------------- vocabulary

# (pattern, route, strong, forced setting).  Weak terms ("infusion", "shot", "tablet")
# only count on pages that are about ketamine and lose to a nearer look-alike.
# Upper-case abbreviations are matched case-sensitively ("IM" yes, "im" no).
_ROUTE_TERMS_CS: list[tuple[str, str, bool, str | None]] = [
    ("IV", "iv", True, None),
    ("IVs", "iv", True, None),
    ("IM", "im", True, None),
    ("RDT", "oral", True, None),
    ("RDTs", "oral", True, None),
    ("ODT", "oral", True, None),
    ("ODTs", "oral", True, None),
    ("SC", "subcutaneous", True, None),
    ("SQ", "subcutaneous", True, None),
]
_ROUTE_TERMS_CI: list[tuple[str, str, bool, str | None]] = [
    (r"i\.v\.", "iv", True, None),
    (r"intra-?venous(?:ly)?\b", "iv", True, None),
    (r"by vein\b", "iv", True, None),
    (r"infusions?\b", "iv", False, None),
    (r"drips?\b", "iv", False, None),
    (r"i\.m\.", "im", True, None),
    (r"intra-?muscular(?:ly)?\b", "im", True, None),
    (r"deltoid\b", "im", True, None),
    (r"into (?:the|your) (?:\w+ )?muscle\b", "im", True, None),
    (r"(?:shoulder|arm|thigh) muscle\b", "im", True, None),
    (r"inject(?:ions?|ables?|ed)\b", "im", False, None),
    (r"shots?\b", "im", False, None),
    (r"esketamine\b", "intranasal", True, CLINIC),
    (r"spravato\b", "intranasal", True, CLINIC),
    (r"intra-?nasal(?:ly)?\b", "intranasal", True, None),
    (r"nasal\b", "intranasal", True, None),
    (r"sprays?\b", "intranasal", False, None),
    (r"sub-?lingual(?:ly)?\b", "oral", True, None),
    (r"lozenges?\b", "oral", True, None),
    (r"troches?\b", "oral", True, None),
    (r"rapid(?:ly)?[- ]dissolv\w*", "oral", True, None),
    (r"(?:orally[- ])?disintegrating\b", "oral", True, None),
    (r"under (?:the|your) tongue\b", "oral", True, None),
    (r"buccal(?:ly)?\b", "oral", True, None),
    (r"by mouth\b", "oral", True, None),
    (r"oral(?:ly)?\b", "oral", True, None),
    (r"tablets?\b", "oral", False, None),
    (r"pills?\b", "oral", False, None),
    (r"capsules?\b", "oral", False, None),
    (r"sub-?cutaneous(?:ly)?\b", "subcutaneous", True, None),
    (r"sub-?q\b", "subcutaneous", True, None),
    (r"under the skin\b", "subcutaneous", True, None),
]
_ROUTE_RE = _Either(
    "(?i:" + "|".join(r"\b" + p for p, *_r in _ROUTE_TERMS_CI) + ")",
    tuple(p for p, *_r in _ROUTE_TERMS_CS),
)
_ROUTE_CACHE: dict[str, tuple[str, bool, str | None]] = {}


def _route_of(token: str) -> tuple[str, bool, str | None]:
    hit = _ROUTE_CACHE.get(token)
    if hit is None:
        hit = next((t[1:] for t in _ROUTE_TERMS_CS if t[0].lower() == token), None) or next(
            t[1:] for t in _ROUTE_TERMS_CI if re.fullmatch(t[0], token, re.I)
        )
        if len(_ROUTE_CACHE) < 4096:
            _ROUTE_CACHE[token] = hit
    return hit


_KET_RE = _Either(r"(?i:\b(?:es)?ketamine\b|\bspravato\b)", ("KAP",))

# Things a route word can belong to that are not ketamine.
_LOOKALIKE_RE = _ci(
    r"(?i:\bvitamins?\b|\bhydrat\w*|\bNAD\+?|\bmyers\b|\bB-?12\b|\bglutathione\b|\bsaline\b|\bfluids?\b"
    r"|\biron\b|\belectrolytes?\b|\bimmunity\b|\bhangovers?\b|\bbeauty\b|\bbotox\b|\bfillers?\b"
    r"|\btestosterone\b|\bsemaglutide\b|\btirzepatide\b|\bGLP-1\b|\blipo\w*|\bbiotin\b|\bzinc\b"
    r"|\bmagnesium\b|\bantibiotics?\b|\bvaccines?\b|\bflu\b|\ballerg\w*|\bcortisone\b|\bsteroids?\b"
    r"|\btoradol\b|\bantidepressants?\b|\bSSRIs?\b|\bPRP\b|\btrigger[- ]points?\b|\bathletic\b"
    r"|\bboosts?\b|\bweight[- ]loss\b|\bpeptides?\b|\bphones?\b|\bcomputers?\b|\blaptops?\b"
    r"|\bdevices?\b|\bsmartphones?\b|\bhair\b|\bcoffee\b|\becstasy\b|\bmdma\b)"
)
# Local patterns that disqualify one route word outright.
_MENTION_VETO = {
    "im": re.compile(
        r"(?i:\bIM\s+(?:us|me|him|her|them)\b|\b(?:send|sending)\s+(?:us\s+|me\s+)?an?\s+IM\b"
        r"|\b(?:text|DM|email|e-mail|message|call)\w*\s+(?:us\s+)?(?:or|/)\s+IM\b|\bIM\s*(?:or|/)\s*(?:text|DM|email)\b"
        r"|\b(?:via|by|an)\s+IM\b(?!\s+(?:injection|ketamine|shot|dos))"
        r"|\b(?:worth|give it|have)\s+a\s+shot\b|\bshot\s+at\b|\bscreen\s*shots?\b)"
    ),
    "iv": re.compile(
        r"(?i:\b(?:stage|part|type|phase|chapter|grade|class|level|section|vol\.?|volume|henry|louis|title)\s+IV\b"
        r"|\bIV\s+(?:therapy|vitamins?|hydration|fluids?|drips?\s+bar|bar|lounge|nutrition|nutrient))"
    ),
    # "Columbia, SC" is South Carolina; a cannula "just under the skin" carries an infusion.
    "subcutaneous": re.compile(
        r"(?:,\s*|\b[A-Z][a-z]+\s+)SC\b(?!\s+(?:inject|ketamine|dos))|\bSC\s+\d{5}\b"
        r"|(?i:\b(?:needle|tube|catheter|cannula|vein|IV|line)\b[^.]{0,25}?under\s+the\s+skin)"
    ),
    "oral": re.compile(
        r"(?i:\boral\s+(?:antidepressants?|medications?|medicines?|drugs?|meds|SSRIs?|health|surgery|surgeon|history|hygiene|exam\w*"
        r"|care|presentations?|cancer|contraceptives?|steroids?|antibiotics?)\b)"
    ),
}

# ------------------------------------------------------------------------ offer context

_FIRST_PERSON = _Either(
    rf"(?i:\b(?:we|we{_APOS}(?:re|ve|ll|d)|our|ours|us|my|me|mine)\b)",
    tuple("I" + x for x in ("", *(a + b for a in "'’" for b in ("m", "ve", "ll", "d")))),
)
# Explaining, reporting or describing other people's practice rather than offering.
_EXPLAIN = _ci(
    r"(?i:\b(?:can|could|may|might)\s+be\s+(?:given|administered|delivered|taken|used|prescribed|dosed|received"
    r"|injected|infused|obtained)\b"
    r"|\b(?:is|are)\s+(?:usually|typically|commonly|often|generally|sometimes|most often|widely)\s+"
    r"(?:given|administered|used|delivered|taken|prescribed)\b"
    r"|\bcomes?\s+in\b|\bthere\s+are\s+(?:several|many|a few|different|various|multiple|three|four|five)\b"
    r"|\b(?:different|various|several|many|multiple)\s+(?:forms|ways|routes|formulations)\b"
    r"|\broutes?\s+of\s+administration\b|\bstud(?:y|ies|ied)\b|\bresearch(?:ers)?\b|\b(?:clinical\s+)?trials\b|\bclinical\s+trial\b"
    r"|\baccording\s+to\b|\breported\b|\b(?:a|new|news)\s+report\b|\bsurvey\b|\b(?:the|medical|scientific)\s+journal\b"
    r"|\bpublished\b|\bexperts?\b|\bcritics?\b"
    r"|\bscientists?\b|\bapproved\b|\bsynthesi[sz]ed\b|\bdiscovered\b|\bhistorically\b|\b(?:long|the)\s+history\b"
    r"|\boriginally\b|\bnews\b|\barticle\b|\bexplainer\b|\bthis\s+(?:post|guide|page)\b|\bwarn\w*"
    r"|\b(?:some|many|other|most|these|several|certain)\s+(?:\w+\s+)?(?:clinics|providers|companies|doctors"
    r"|practices|programs|startups|services|physicians|psychiatrists)\b"
    r"|\bcompan(?:y|ies)\b|\bstartups?\b|\bcustomers\b|\bindustry\b|\brecreational(?:ly)?\b"
    r"|\bmust\s+be\s+(?:given|taken|administered)\b|\bby\s+law\b|\bworks\s+by\b|\bNMDA\b"
    r"|\bthe\s+difference\s+between\b|\bpercent\b|\bscrutiny\b|\bregulat\w*"
    r"|\bin\s+the\s+past\b|\bused\s+to\b|\bfirms?\b|\bbrands?\b|\b(?:many|some|others|several)\s*,\s*including\b"
    r"|\bothers\s+(?:offer|prescrib|provid|ship|sell|mail|send)\w*|\btrend\w*|\bboom\w*|\bpopularity\b|\bbecome\s+(?:more|increasingly)\b|\bincreasingly\b"
    r"|\bwhere\s+to\s+find\b|\bhow\s+to\s+(?:find|choose|pick)\b|\binvolves?\b|\boptions?\s+such\s+as\b"
    r"|\b(?:find|choose|pick|look\s+for|need|select|compare)\s+(?:an?|the|your)\s+(?:[\w-]+\s+){0,4}(?:provider|clinic|company"
    r"|platform|program|service)s?\b|\bthe\s+best\s+ones\b"
    r"|\b(?:many|some|most|several|all)\s+of\s+them\b|\baddict\w*|\bmisuse\b|\babuse\b|\bdanger\w*"
    r"|\breading\s+about\b|\bis\s+common\b|\bplatforms\b|\bsaid\b|\btold\b|\bcould\s+then\b|\b(?:local|area|nearby|such|those)\s+(?:\w+\s+)?(?:clinics|providers"
    r"|companies|practices|programs|services)\b)"
)
_NEG_WORD = _ci(
    rf"(?i:\b(?:not|no|never|without|nor|neither|unlike|instead\s+of|rather\s+than|no\s+longer|cannot|avoid\w*"
    rf"|(?:can|don|doesn|didn|won|isn|aren|wasn|weren){_APOS}t)\b)"
)
# Negators that do not negate the thing after them.
_NEG_FALSE = re.compile(
    r"(?i:\s*(?:only|just|sure|everyone|all\b|every|always|matter|yet\s+respond|respond\w*|worked|work\b|helped"
    r"|help\b|improved|tolerat\w*|enough|covered|a\s+cure|cure|effective|better|fda|approved|wait\w*|more\s+than"
    r"|surprise|exceptions|drive|driving|eat|drink|worry|hesitate|forget|operate|need\s+to\s+(?:fast|stop)))"
)
_POST_NEG = re.compile(
    rf"(?i:^[^;:.]{{0,45}}?\b(?:(?:is|are|was|were)\s+(?:not|no\s+longer|never)|(?:isn|aren){_APOS}t"
    rf"|(?:does|do)\s+not|(?:doesn|don){_APOS}t|not)\s+(?:currently\s+|yet\s+)?"
    rf"(?:available|offered|provided|something|part|an\s+option|done|administered|given|used|prescribed"
    rf"|included?|carried|performed|supported|possible|here|on\s+(?:our|the)\s+menu))"
)
_FREE_OF = re.compile(r"-?free\b|\s+free\b(?!\s+(?:consult|evaluation|call|screening))", re.I)
_REFER = _ci(r"(?i:\brefer(?:ral|rals|red|ring|s)?\b"
             r"|\b(?:please\s+)?(?:visit|see|go\s+to)\s+(?:one\s+of\s+)?our\s+(?:other\s+)?"
             r"(?:clinics|locations|offices|centers|centres)\b)")
_PLANNED = _ci(
    r"(?i:\b(?:hope|hopes|hoping|(?:plan|plans|planning)\s+(?:to|on)|intend\w*|will\s+soon\s+(?:begin|start)"
    r"|will\s+(?:begin|start)\s+(?:offering|providing|to\s+(?:offer|provide)|accepting|seeing|taking|treating)"
    r"|coming\s+soon|in\s+the\s+future|working\s+towards?|applying|aspir\w*|looking\s+forward\s+to)\b)"
)

# Ketamine care offered without naming a route.
_KAP_SERVICE = _Either(
    r"(?i:\bketamine[- ]assisted[-\s]+(?:psycho)?therap\w*"
    r"|\bketamine\s+(?:therapy|therapies|psychotherapy|treatments?|sessions?"
    r"|care|program(?:me)?s?|clinic|consult(?:ation)?s?|services?|infusions?|provider|work|medicine)\b"
    r"|\besketamine\s+(?:therapy|treatments?|sessions?)\b)",
    ("KAP", "KAT", "IKAP"),
)
_SERVICE_OFFER = _ci(
    r"(?i:\b(?:offer(?:s|ed|ing)?|provid(?:e|es|ed|ing|er|ers)|practi[cs]e|administer\w*|available|accepting"
    r"|deliver(?:s|ed|ing)?"
    r"|book(?:ing)?|schedul\w*|sessions?|therapist|practitioner|facilitat\w*|co-facilitat\w*|leads?"
    r"|speciali[sz]\w*|services|uses?|using|utili[sz]\w*|see\s+clients|work\s+with)\b)"
)
_TRAINING = _ci(
    r"(?i:\b(?:train\w*|certif\w*|course|completed|graduat\w*|studied|workshop|member\w*|alumn\w*|enrolled"
    r"|cohort|curriculum)\b)"
)

# --------------------------------------------------------------------- setting cues

_S, _W = True, False
_CUE_TERMS: list[tuple[str, str, bool]] = [
    # at home, strong
    (r"(?i:\bat[- ]home\b)", HOME, _S),
    # A dosing session held over video while the patient is at home ("virtual sessions", "remote treatment").
    (r"(?i:\b(?:virtual(?:ly)?|remote(?:ly)?|online)[- ](?:guided\s+)?(?:ketamine\s+|kap\s+|dosing\s+|medicine\s+)?"
     r"(?:sessions?|dosing|treatments?|protocols?|program(?:me)?s?|one|ketamine|kap)\b"
     r"|\bbring\w*\s+(?:the\s+)?(?:treatment|care|ketamine|medicine|it)\s+to\s+you\b)", HOME, _S),
    (r"(?i:\bin[- ]home\b)", HOME, _S),
    # "sessions held in-person or remotely via telehealth", "appointments in-person and virtual": the
    # remote alternative of a session is a dose taken where the patient lives (both settings).
    (r"(?i:\b(?:or|and)\s+(?:virtual(?:ly)?|remote(?:ly)?)\b)", HOME, _S),
    (r"(?i:\bhome[- ](?:based|use|program(?:me)?s?|dosing|sessions?|kits?|treatments?|protocol|care|setting"
     r"|administration|doses?|ketamine|version)\b)", HOME, _S),
    (r"(?i:\btake[- ]home\b)", HOME, _S),
    (r"(?i:\b(?:in|from|at)\s+(?:the\s+)?(?:comfort|privacy|safety)\b(?:\s+and\s+\w+)?\s+of\s+(?:your|their|one's)"
     r"\s+(?:own\s+)?(?:home|house)\b)", HOME, _S),
    (r"(?i:\b(?:in|from|at)\s+(?:your|their|his|her|one's|the\s+patient's|the\s+client's)\s+(?:own\s+)?"
     r"(?:home|house|living\s+room|couch)s?\b)", HOME, _S),
    (r"(?i:\bfrom\s+(?:home|your\s+couch)\b)", HOME, _S),
    (r"(?i:\bfor\s+(?:home|at-home)\b)", HOME, _S),
    (r"(?i:\bsen[dt]\s+(?:\w+\s+){0,2}home\b(?!\s+(?:after|once|when)))", HOME, _S),
    (r"(?i:\bhome\s+with\s+(?:you|patients|clients|them)\b)", HOME, _S),
    (r"(?i:\bmobile\s+(?:iv|ketamine|infusion|service|team|unit|nurse)s?\b)", HOME, _S),
    (r"(?i:\bhouse\s+calls?\b|\bcomes?\s+to\s+(?:you|your\s+home)\b)", HOME, _S),
    (r"(?i:\b(?:never\s+(?:have\s+to\s+)?leave|without\s+(?:ever\s+)?leaving)\s+(?:your\s+)?home\b)",
     HOME, _S),
    # at home, weak (delivery and remote care; the dose may still be taken in an office)
    (r"(?i:\btele-?(?:health|medicine|psychiatry|therapy)\b)", HOME, _W),
    # "with you virtually … from dosing through recovery": a virtual dosing session is at home.
    (r"(?i:\bvirtual(?:ly)?\b(?=[^.\n]{0,80}\bdos(?:e|es|ing)\b))", HOME, _S),
    (r"(?i:\bvirtual(?:ly)?\b|\bonline\b|\bremote(?:ly)?\b|\bvideo\b|\bzoom\b)", HOME, _W),
    (r"(?i:\b(?:by|via)\s+(?:mail|post)\b|\bmail(?:ed|s)?\b|\bship(?:s|ped|ping)?\b)", HOME, _W),
    (r"(?i:\bdeliver(?:ed|s)?\s+(?:to|straight|right|discreetly)\b|\bdelivery\b)", HOME, _W),
    (r"(?i:\bto\s+your\s+(?:door|doorstep|home|house|mailbox|pharmacy|(?:\w+\s+)?address)\b|\bpharmacy\b)", HOME, _W),
    (r"(?i:\bself[- ]administ\w*|\bon\s+your\s+own\b|\bsitter\b|\btrusted\s+(?:person|adult|friend)\b)",
     HOME, _W),
    # in clinic, strong
    (r"(?i:\bin[- ](?:office|clinic)\b|\bon[- ]?site\b|\bin[- ]house\b|\bin[- ]person\b"
     r"|\bface[- ]to[- ]face\b)",
     CLINIC, _S),
    (r"(?i:\b(?:in|at|inside|into|within|to)\s+(?:the|our|my|a|an|his|her|their|this|one\s+of\s+(?:our|my)"
     r"|(?:dr\.?\s+)?[a-z][\w-]+['’]s)\s+"
     r"(?:[\w'’.-]+\s+){0,2}(?:office|clinic|center|centre|suite|studio|room|lounge|location|facility|building"
     r"|space|retreat|house)s?\b)", CLINIC, _S),
    (r"(?i:\binfusion\s+(?:suite|center|centre|clinic|room|lounge|chair|bay|area|facility)s?\b"
     r"|\btreatment\s+rooms?\b|\b(?:clinic|office)[- ]based\b"
     r"|\b(?:clinic|clinical|medical|office|monitored|supervised|outpatient|hospital|healthcare)[- ]setting\b"
     r"|\bnever\s+leaves?\s+the\s+(?:building|office|clinic)\b)", CLINIC, _S),
    # in clinic, weak (presence of staff, monitoring, transport home afterwards)
    (r"(?i:\bsupervis\w*|\bmonitor\w*(?!\s+(?:remotely|virtually|via|by\s+video|over|from\s+home))"
     r"|\bobserv(?:ed|ation)\b|\bnurses?\b(?!\s+(?:practitioner|an(?:a)?esthetist))|\bvitals?\b|\bvital\s+signs\b|\bblood\s+pressure\b(?!\s+cuff)"
     r"|\brecliners?\b|\breclining\b)", CLINIC, _W),
    (r"(?i:\bride\s+home\b|\bdrive\s+(?:you\s+)?home\b|\bdriver\b|\barrange\s+transportation\b"
     rf"|\b(?:cannot|can{_APOS}t|not)\s+drive\b)", CLINIC, _W),
    (r"(?i:\b(?:our|my|the)\s+(?:clinic|center|centre)\b)", CLINIC, _W),
    (r"(?i:\bwith\s+(?:a\s+|an\s+|your\s+|our\s+)?(?:therapist|clinician|physician|nurse|doctor|provider"
     r"|psychiatrist|prescriber|medical\s+(?:staff|team))s?\s+(?:present|nearby|in\s+the\s+room)\b"
     r"|\bin\s+the\s+room\b)", CLINIC, _W),
]
# Each term becomes alternatives of one case-insensitive regex; a match is mapped back to
# its term by a cached lookup.
_CUE_ALTS: list[tuple[str, int]] = [
    (alt, i) for i, (p, *_c) in enumerate(_CUE_TERMS) for alt in _split_alternatives(p[4:-1])
]
_CUE_RE = _ci("(?i:" + "|".join(a for a, _ in _CUE_ALTS) + ")")
_CUE_ALT_RES = [(re.compile(a, re.I), i) for a, i in _CUE_ALTS]
_PLACE_IDX = next(i for i, (p, *_c) in enumerate(_CUE_TERMS) if "inside" in p)
_CUE_CACHE: dict[str, int] = {}


def _cue_of(token: str) -> int:
    hit = _CUE_CACHE.get(token)
    if hit is None:
        hit = next(i for rx, i in _CUE_ALT_RES if rx.fullmatch(token))
        if len(_CUE_CACHE) < 4096:
            _CUE_CACHE[token] = hit
    return hit
_REMOTE_WORDS = re.compile(r"(?i:virtual|online|tele|home|your|digital|remote)")

# Phrases that look like setting cues but are not about where the dose is taken.
_MASKS = _ci(
    r"(?i:\bfeel\s+(?:right\s+|more\s+|completely\s+)?at\s+home\b|\bmake\s+yourself\s+at\s+home\b"
    r"|\bat[- ]home\s+feel\b"
    r"|\b(?:after|following)\s+(?:an?\s+|your\s+)?(?:initial\s+|brief\s+)?"
    r"(?:in[- ]person|in[- ]office|on[- ]?site)"
    r"(?:\s+\w+){0,2}\s+(?:screening|evaluation|assessment|intake|consult(?:ation)?|exam(?:ination)?|visit)s?"
    r"(?:\s+(?:at|in)\s+(?:our|my|the)\s+(?:\w+\s+)?(?:office|clinic|center))?"
    r"|\b(?:in[- ]person|in[- ]office|on[- ]?site|face[- ]to[- ]face)\s+(?:\w+\s+){0,2}"
    r"(?:screening|evaluation|assessment|intake|consult(?:ation)?|exam(?:ination)?|check-?ups?)s?"
    r"(?:\s+visits?)?(?:\s+(?:at|in)\s+(?:our|my|the)\s+(?:\w+\s+)?(?:office|clinic|center))?"
    r"|\b(?:screening|evaluation|assessment|intake|consult(?:ation)?|exam(?:ination)?)s?(?:\s+visits?)?\s+"
    r"(?:at|in)\s+(?:our|my|the)\s+(?:\w+\s+)?(?:office|clinic|center)\b)"
)
# Activities around the dose: a cue about them says nothing about where the dose is taken.
_NONDOSING = _ci(
    r"(?i:\b(?:integration|follow-?ups?|check-?ins?|consult\w*|prep(?:aration)?|intake|screening|evaluations?"
    r"|assessments?|coaching|support\s+groups?|webinars?|workshops?|classes|courses?)\b)"
)
_DOSING_STRONG = _ci(r"(?i:\b(?:dos(?:e|es|ed|ing)|treatments?|infusions?|administ\w*|medicine)\b)")
_DOSING = _Either(
    r"(?i:\b(?:ketamine|dos(?:e|es|ed|ing)|medicine|treatments?|administ\w*|take|takes|taken|taking|sessions?|use|used)\b)",
    ("KAP",),
)

# Gap words that keep a setting cue attached to the route word right after it
# ("in-office IM ketamine", "a home program with RDTs").
_BENCHMARK = re.compile(r"\b(?:than|below|above|compared\s+(?:to|with)|versus|vs\.?)\b[^.;]{0,50}$")
# "Ketamine is given to you by oral, intravenous or intramuscular route": the provider's own patient.
_TO_YOU = re.compile(r"\b(?:given|administered|prescribed|offered|provided)\s+to\s+you\b")
_PREMOD_GAP = re.compile(
    r"^\s*(?:(?:with|of|using|via|the|a|an|our|your|ketamine|sessions?|dosing|doses?|treatments?|low-dose"
    r"|compounded|racemic|sublingual|ketamine-assisted|KAP)\s+){0,3}$",
    re.I,
)
_GROUP_GAP = re.compile(
    r"^[\s,()/\-]*(?:(?:ketamine|esketamine|the|a|an|of|low-dose|compounded|racemic|ketamine-assisted)[\s,()/\-]*)*$",
    re.I,
)
_HOME_AFTER = re.compile(r"\s*(?:for|to)\s+(?:use\s+)?(?:at\s+)?home", re.I)
_GLUE_GAP = re.compile(r"^\s*(?:(?:ketamine|esketamine|low-dose|compounded|racemic)\s+)*$", re.I)
_CHAIN_GAP = re.compile(
    r"^[\s,()/]*(?:(?:ketamine|esketamine|low-dose|compounded|racemic)[\s,()/]+)*"
    r"(?:or|and|&|as\s+well\s+as|plus)?[\s,()/]*(?:(?:by|as|a|an|via|with|ketamine)\s+){0,3}[\s(]*$",
    re.I,
)

_VET = _Either(
    r"(?i:\bveterinar\w*|\bpets?\b|\bdogs?\b|\bcats?\b|\bcanine\b|\bfeline\b|\bequine\b|\bhorses?\b"
    r"|\banimal\s+hospital\b)",
    ("DVM",),
)
_ANAES = _ci(
    r"(?i:\banaesthesia\b|\banesthesia\b|\bsedation\b|\bsurg(?:ery|eries|ical)\b"
    r"|\boperating\s+room\b|\bintubat\w*|\bprocedural\b|\bendoscop\w*|\bemergency\s+department\b|\bpropofol\b)"
)
_HISTORY = re.compile(r"\b(?:discovered|developed|synthesi[sz]ed|approved|since\s+(?:the\s+)?\d{4}|first\s+used"
                      r"|widely\s+used|originally|history|decades)\b")
_HUMAN_CARE = _ci(
    r"(?i:\bdepress\w*|\bptsd\b|\banxiety|\bmood\b|\bmental|\bpsychotherap\w*|\bpsychiatr\w*|\bsuicid\w*|\btrd\b"
    r"|\bocd\b|\bbipolar|\bchronic\s+pain|\bcrps\b|\bfibromyalgia|\bmigraine|\bneuropath\w*|\baddiction|\bsubstance"
    r"|\balcohol|\bketamine-assisted|\btreatment-resistant|\btrauma|\bwell-?being|\bspravato|\besketamine"
    r"|\bintegration|\btherapist|\bkap\b|\bhealing)"
)


# A provider addressing its own patients: with ketamine care as the page's subject, this is
# an offer even when no sentence says "we offer ketamine" ("if you are not yet one of my patients…").
_SERVICE_VOICE = _ci(
    r"(?i:\b(?:my|our)\s+(?:patients|clients|clinic|practice|office|team|providers|clinicians|prescribers?"
    r"|therapists|center|centre|program(?:me)?|services|treatment\s+rooms?|suite|practitioners|psychiatrists?"
    r"|physicians|doctors|nurses|medical\s+(?:team|staff|providers|director))\b"
    r"|\b(?:we|i)\s+(?:offer|provide|administer|prescribe|use|utili[sz]e|facilitate|specialize|specialise|treat"
    r"|will\s+(?:first|then|meet|ask|send|schedule|review)|would\s+first)\b"
    r"|\b(?:contact|call|email)\s+(?:us|me)\b|\b(?:book|schedule)\s+(?:a|an|your)\b"
    r"|\bat\s+[a-z][\w&'’.-]*(?:\s+[a-z][\w&'’.-]*){0,3},\s+we\b)"
)
# Blog and article titles start with a verb or a question word.
_TITLE_VERB = re.compile(
    r"(?i:(?:how|why|what|when|where|which|who|is|are|can|does|do|should|will|exploring|understanding"
    r"|choosing|finding|comparing|navigating|the\s+(?:rise|truth|future|benefits|risks|science|history)|a\s+guide"
    r"|guide|your|\d+\s+(?:things|ways|reasons|questions|tips))\b)"
)
# "Ketamine infusion therapy is a new medical treatment…": a definition, not an offer.
_DEFINITION = re.compile(
    r"\W*(?:(?:low-dose|racemic|compounded|the|an?)\s+)?(?:ketamine|esketamine|spravato|iv|im|intravenous|intramuscular"
    r"|intranasal|sublingual|oral)\b[\w\s()®™-]{0,50}?\b(?:is|are)\s+(?:an?|one|considered|known\s+as|defined)\b"
)
# A line that is a title: no final punctuation, most words capitalised.
_TITLE_LINE = re.compile(r"^(?:[A-Z0-9][\w'’&/-]*[:,]?\s+(?:(?:a|an|the|of|for|and|or|in|on|to|at|vs\.?|with|your|is|are)\s+)*){3,}"
                         r"[A-Z0-9][\w'’&/-]*$")
_OWN_VOICE = re.compile(
    r"\b(?:we|we['’](?:re|ve|ll|d)|our|ours|us)\b|\bmy\s+(?:practice|clients|patients|office|clinic|approach)\b"
    r"|\bi\s+(?:offer|provide|use|utili[sz]e|prescribe|administer|facilitate|give|specialize|specialise|work\s+with)\b"
    r"|\bi\s+(?:also\s+)?(?:combine|incorporate|integrate|pair|guide|sit|stay|am\s+(?:there|present|with\s+you))\b"
       r"|\bwith\s+me\b|\bmy\s+(?:[\w-]+\s+)?(?:office|model|work\s+with\s+clients)\b"
)
# A practice named as the subject of an offer: "Bloomwell delivers ketamine therapy", "At Harbor, …".
_NAMED_OFFER = re.compile(
    r"\W*(?:At\s+)?(?:[A-Z][\w&'’.-]*\s+){0,3}[A-Z][\w&'’.-]*(?:['’]s)?\s+(?:now\s+|also\s+|proudly\s+)?"
    r"(?:offers|delivers|provides|prescribes|administers|specializes|specialises|uses|treats)\b"
    r"|\W*At\s+(?:(?:[A-Z][\w&'’.-]*|&|and|of)\s+){0,4}[A-Z][\w&'’.-]*\s*,"
)
# The same inside a clause ("At its Louisville offices, Axial Mind Health offers IV ketamine"), but
# not with the treatment itself as the subject ("Ketamine offers another way to treat anxiety").
_NAMED_OFFER_IN = re.compile(
    r"(?<![\w.])(?!(?:Ketamine|Esketamine|Spravato|KAP|IV|IM|It|This|That|These|Research|Treatment|Therapy|Medicine"
    r"|The|A|An|Each|Every|Our|We)\b)[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){1,3}\s+(?:now\s+|also\s+)?"
    r"(?:offers|provides|administers|prescribes|delivers)\b"
)
# The provider talking to its patients about their care.
_YOUR_CARE = _ci(
    r"(?i:\byour\s+(?:care\s+team|prescription|medicine\s+sessions?|dosing\s+sessions?|treatment\s+plan"
    r"|first\s+(?:session|consult\w*|appointment|visit|infusion|treatment|dose)|(?:ketamine\s+)?provider"
    r"|clinician|prescriber|guide|psychiatrist|care\s+plan|intake|program(?:me)?|therapist|(?:ketamine\s+)?sessions?"
    r"|doctor|physician|nurse|appointment|visit"
    r"|medication|medicine|kit|troches?|tablets?"
    r"|(?:ketamine\s+)?treatments?|infusions?|dose|lozenges?)\b)"
)
_AT_HOME_SERVICE = _ci(
    r"(?i:\b(?:offer\w*|provid\w*|deliver\w*)\s+(?:[\w,-]+\s+){0,4}(?:at-home|in-home|home-based|virtual|remote)\s+"
    r"(?:[\w-]+\s+){0,2}(?:ketamine|treatments?|therapy|sessions?|program(?:me)?s?)\b|\b(?:at-home|home-based|in-home)\s+(?:ketamine\s+)?(?:model|program(?:me)?|treatment|therapy|sessions?)\s+"
    r"(?:is|are|includes?|combines?|pairs?|starts?|begins?|takes?\s+place|happens?)\b"
    r"|\bsessions?\s+(?:take|takes)\s+place\s+in\s+(?:the\s+patient['’]s|your)\s+(?:own\s+)?home\b)"
)
_DELIVERY = re.compile(
    r"\b(?:ship(?:s|ped|ping)?|mail(?:s|ed)?|deliver(?:s|ed)?|sent)\b[^.;]{0,60}?\b(?:to\s+your?|directly\s+to\s+(?:you|your)"
    r"|to\s+(?:the\s+)?(?:patient|client)s?['’]?s?(?:\s+(?:home|door|address))?)\b|\bto\s+your\s+(?:front\s+)?(?:door|doorstep)\b"
)
_MEDICINE = re.compile(r"\b(?:ketamine|medicines?|medications?|lozenges?|troches?|tablets?|rdts?|prescriptions?|kits?|doses?)\b")
_TAKEN_HOME = re.compile(r"\b(?:take|taken|use|used|self-administer\w*|dos(?:e|ed|ing))\b[^.;]{0,30}\bat\s+home\b"
                         r"|\bat-home\s+(?:use|dosing|sessions?)|\bfor\s+(?:home|at-home)\s+use\b"
                         r"|\bat-home\s+(?:[\w-]+\s+){0,2}?(?:ketamine|lozenges?|troches?|tablets?|rdts?|doses?)\b"
                         r"|\bto\s+(?:your|their|the\s+patient['’]?s?)\s+home\s+and\s+(?:are\s+)?taken\s+there\b")
_SPRAVATO_ONLY = re.compile(r"\bspravato\b|\besketamine\b")
_RACEMIC_SPRAY = re.compile(r"\b(?:racemic|compounded)\b[^.]{0,40}\b(?:spray|nasal)|\bketamine\s+nasal\s+spray|\bnasal\s+ketamine")
_OWN_SERVICE = re.compile(
    r"\b(?:we|i)\s+(?:\w+\s+){0,2}?(?:offer|provide|prescribe|treat|give|administer|ship|send|deliver|meet|use|guide"
    r"|support|see|bring|run|host|facilitate|stay|work\s+with|connect|match)\b"
    r"|\bour\s+(?:[\w-]+\s+)?(?:program(?:me)?|service|team|clinicians|providers|prescribers|patients|clients|guides"
    r"|sessions|treatments?|platform|app|model|approach|protocol|process)\b"
)
_OWN_KETAMINE = re.compile(
    r"\b(?:we|i)\s+(?:\w+\s+){0,2}?(?:prescribe|administer|give|offer|provide|use|utili[sz]e|dose|treat)\w*\b"
    r"[^.;]{0,50}?\b(?:es)?ketamine\b"
    r"|\b(?:es)?ketamine\b[^.;]{0,60}?\b(?:by|at|with|from)\s+our\s+(?:\w+\s+){0,2}(?:team|clinic|office|professionals"
    r"|physicians|providers|clinicians|nurses|staff|center|centre|practice)\b"
)
# Words of a sentence that compares, warns, reviews or guides a reader rather than offering.
_CONTRAST = re.compile(r"\b(?:unlike|than|instead|rather|versus|vs\.?|compar\w*|differ\w*|elsewhere|other\s+(?:companies|providers|programs|clinics)|risk\w*|safe\w*|concern\w*|warn\w*|believe|recommend\w*|caution\w*|alone|unsupervised|not|review\w*|platforms?|advertis\w*|such\s+as|pitch\w*|aims?|look\s+at|guide\s+to|explor\w*|discuss\w*|s[ck]eptic\w*|pros|cons)\b")
# A writer's "we" (an article, a blog post, a guide), or "we" meaning people in general.
_EDITORIAL = re.compile(
    r"\b(?:we|we['’]ve|we\s+have|i)\s+(?:also\s+|recently\s+|closely\s+|have\s+)?(?:cover|covers|explain|look(?:ed)?\s+at|explor\w*"
    r"|wrote|write|written|made\s+this|put\s+together|talked|spoke|interview\w*|examin\w*|review\w*|gathered|compiled"
    r"|researched|contacted|tested|asked\s+(?:experts|clinicians|doctors)|will\s+(?:cover|explain|look|explore|discuss)"
    r"|discuss\w*|break\s+down|unpack\w*|dive|delve|answer\s+(?:some|the|common)|see\s+(?:how|why|what)|know\s+(?:that|it)"
    r"|do\s+know|know|are\s+convinced|build\s+defen\w*|react|all\s+(?:know|feel|have))\b"
    r"|\bour\s+(?:writer|editors?|guide\s+to|readers|research\s+team|e-?guide|newsletter|(?:newest\s+|latest\s+)?(?:post|article|blog))\b"
    r"|\b(?:in|on)\s+this\s+(?:post|article|guide|blog|episode|e-?guide)\b|\bbelow\s+we\b|\bas\s+we\s+explore\b"
)
# Someone else's words reported: "'We give six infusions,' Dr. Castell said."
_REPORTED = re.compile(r"[\"”]\s*(?:[,–—-]\s*)?(?:(?:Dr\.?|[A-Z][\w'’-]*)\s+){0,3}(?:said|says|explains?|explained|adds?|added"
                       r"|told|notes?|noted)\b"
                       r"|\b(?:said|says|told\s+\w+|according\s+to)\s+(?:Dr\.?\s+)?[A-Z]")
# A sentence wholly in quotation marks, perhaps with its attribution: a testimonial or someone
# else's words ("'KAP helped my clients…' — a licensed social worker").
_TESTIMONIAL = re.compile(r"\s*[\"“][^\"“”]{10,}[\"”]\s*(?:[-–—,]\s*[^\"“”]{0,120})?$")
_STOPPED = re.compile(r"\b(?:discontinued|no\s+longer|ended|stopped|paused|suspended|closed|not|never)\b")
_IN_PLACE = re.compile(r"\b(?:in|near|serving)\s+(?:[A-Z][\w.'’-]+\s+){0,3}[A-Z][\w.'’-]+(?:,\s*(?:[A-Z]{2}|[A-Z][a-z]+))?\s*$")
_PROVIDER_SIGNAL = _ci(
    r"(?i:\byou(?:['’]ll|\s+will)\s+(?:get|receive|meet|be\s+(?:given|seen|monitored|asked|guided|able)|have|start"
    r"|begin|take|place|need|come|arrive|relax|rest|lie|sit|return)\b|\byour\s+(?:therapist['’]s|chosen|own\s+therapist)\b"
    r"|\bmy\s+(?:part|role|work|services)\b|\bi\s+(?:handle|am\s+a\s+(?:licensed|board)|also\s+offer)\b"
    r"|\bavailable\s+(?:in|at|to\s+(?:patients|clients|residents))\b|\b(?:request|ask\s+for|book|schedule|make)\s+(?:(?:an?|your)"
    r"\s+(?:\w+\s+)?(?:appointment|consult\w*|visit|evaluation)|(?:your\s+)?(?:ketamine\s+)?(?:infusions|sessions|treatments))|\b(?:phone|call)\s+\w+(?:\s+\w+){0,3}\s+today\b"
    r"|\bpartners?\s+with\b|\bwelcome\s+you\b|\btakes?\s+pride\b|\bproud\s+to\s+(?:offer|provide)\b"
    r"|\bnow\s+offering\b|\baccepting\s+new\s+(?:patients|clients)\b|\bwait-?list\w*"
    r"|\b(?:treatments?|sessions?|doses?|infusions?)\s+(?:are|is)\s+(?:given|administered|done|held|performed)\s+"
    r"(?:in[- ]office|in\s+(?:our|the)\s+office|on[- ]site)\b|\bpartnership\s+with\b|\bproud\s+to\s+announce\b"
    r"|\b(?:his|her|their)\s+(?:practice|office|clinic|patients)\b"
    r"|\bcontact\s+(?:the|our)\s+(?:clinic|office|practice|team|center|centre)\b"
    r"|\b(?:thrilled|excited|proud|happy|pleased)\s+to\s+(?:announce|offer|share|introduce|provide)\b|\blaunch\s+of\b"
    r"|\bfollows\s+a\s+(?:set\s+|careful\s+|strict\s+)?(?:procedure|protocol|process)\b"
    r"|\b(?:he|she|they)\s+(?:(?:also|has|have)\s+)?(?:offers|provides|prescribes|administers|treats|specializ\w+|uses|sees|runs"
    r"|given|administered|performed|provided|treated|gives"
    r"|works\s+with)\b|\bdr\.?\s+[a-z'’-]+(?:['’]s\s+(?:\w+\s+){0,2}(?:office|practice|clinic)|\s+(?:also\s+)?(?:offers"
    r"|provides|runs|prescribes|administers|treats|uses|sees|works|is\s+a))\b)"
)
# The patient's treatment day told as it will happen here: "an IV will be started", "on treatment day
# patients must bring a driver".
_PROCEDURE = re.compile(
    r"\b(?:(?:iv|line|infusion|dose|treatment|session)\s+will\s+be\s+(?:started|given|placed|administered|begun)"
    r"|patients\s+(?:must|will\s+need\s+to)\s+(?:bring|arrange|arrive|have\s+a\s+driver)"
    r"|on\s+(?:the\s+)?(?:day\s+of\s+(?:your\s+|the\s+)?(?:treatment|infusion|session)|treatment\s+day))\b")
_ASKS_ABOUT_ITSELF = re.compile(r"\b(?:our\s+(?:clinic|practice|center|centre|team|office|approach|program(?:me)?)"
                                r"|choose\s+us|(?:are|do)\s+we)\b")
_LISTING_MAX = 600
# "After each administration at Next Step, patients are monitored": the practice by name.
_AT_NAMED = re.compile(r"\b(?:administration|treatments?|sessions?|infusions?|care|therapy|appointments?)\s+at\s+"
                       r"(?!the\b|a\b|an\b|home\b|Home\b)[A-Z][\w&'’-]+")
_QUOTED = re.compile(r"[\"“][^\"“”]{0,400}[\"”]")
_SPEAKER = re.compile(r"(?m)^(?:Dr\.?\s+[A-Z][\w'’-]+|[A-Z][a-z]+\s+[A-Z][\w'’-]+)\s*:\s")
# A session described as it happens: "patients get a dose by injection", "each treatment consists of".
_DOSING_DESCRIPTION = re.compile(
    r"\b(?:patients|clients|you)\s+(?:will\s+)?(?:get|receive|are\s+given|take|self-administer|settle|lie|relax|sit)\b"
    r"|\beach\s+(?:treatment|session|visit|infusion)\b|\bduring\s+(?:the|each|your)\s+(?:infusion|session|treatment)\b"
    r"|\b(?:treatment|dosing|medicine)\s+sessions?\s*:|\bsessions?\s+(?:last|take|are\s+held|take\s+place)\b"
    r"|\b(?:one|a|each|every|the)\s+(?:treatment|session|dose)\s+(?:is|consists|involves|includes)\b|\bconsists?\s+of\b"
    r"|\b(?:the|our|a)\s+(?:clinician|prescriber|physician|provider|nurse|doctor|team)s?\s+(?:\w+\s+){0,4}?"
    r"(?:prescribes?|administers?|gives?|provides?|starts?|places?|monitors?|gets?)\b"
    r"|\b(?:infusion|anesthesia|anaesthesia)\s+(?:nurse|provider|team)\b|\bproviding\s+(?:\w+\s+){0,2}ketamine\b"
    r"|\b(?:every|each)\s+(?:infusion|session|treatment|dose)\b|\bpatients\s+(?:who\s+are\s+)?receiving\b"
    r"|\b(?:paid|pay|cost|costs|priced|cash|insurance)\b"
    r"|\b(?:will\s+be|is\s+then|are\s+then)\s+(?:given|administered|injected|infused|placed|started)\b"
    r"|\b(?:the|each|your|an?)\s+(?:infusion|session|treatment|injection|appointment)\s+(?:lasts|takes|runs)\b"
    r"|\bpatients\s+are\s+(?:monitored|observed|watched|seated|given)\b"
    r"|\bvital\s+signs\s+(?:are|will\s+be)\s+(?:watched|monitored|checked|taken)|\bvitals\s+are\s+(?:watched|monitored|checked)"
    r"|\bthe\s+(?:ketamine|medicine|medication|dose)\s+(?:is|will\s+be)\s+(?:given|administered|injected|infused)\b"
    r"|\b(?:each|every)\s+(?:\w+\s+)?(?:course|series|protocol)\b"
    r"|^\W*(?:next|then|first|after\s+that|afterwards)\b"
)
_SECOND_PERSON = re.compile(r"\byou(?:r|['’]ll|['’]re)?\b")
# A priced item of a fee list: "Ketamine assisted psychotherapy session: $700".
_FEE_LINE = re.compile(r"^[^.!?$]{3,90}?(?::|\s[–—-])\s*\$\s?\d{2,}[\d,.]*(?:\s*[–—-]\s*\$?\d[\d,.]*)?\s*$")
_PRICE = re.compile(r"\$\s?(?:\d{1,3}(?:,\d{3})+|\d{2,})")
# Pages that are not a provider speaking: training programmes, explainers and journalism.
_NOT_PROVIDER_PAGE = _ci(
    # ("we do not prescribe ketamine for use at home" limits where, it does not deny the service)
    r"(?i:\b(?:does|do)\s+not\s+(?:provide|offer|prescribe)\s+ketamine\b(?!\s+(?:for\s+(?:use\s+at\s+home|home\s+use"
    r"|at-home\s+use|take-home)|to\s+take\s+home|at\s+home|outside))|\bnot\s+something\s+we\s+prescribe\b"
    r"|\b(?:our|we\s+are\s+an?)\s+(?:compounding\s+)?pharmacy\b|\bwe\s+compound\b"
    r"|\beducational\s+explainer\b)"
)
# A training programme's own pages: two unmistakable marks (tuition, CE credits, "what you'll
# learn", modules…), or one and two weaker ones; a bio "enrolled in a certificate program" is not one.
_TRAINING_PAGE = _ci(
    r"(?i:\b(?:tuition|curriculum|ce\s+credits?|ceus?|cmes?|modules?|syllabus|trainees|course\s+(?:fee|dates?)"
    r"|apply\s+now|you(?:['’]ll|\s+will)\s+learn|for\s+(?:clinicians|therapists|practitioners|providers)"
    r"|(?:our|this)\s+(?:certificate|certification|training)\s+(?:program(?:me)?|course)s?|didactic|workshop\s+series"
    r"|training\s+program(?:me)?s?|experiential\s+(?:training|retreats?)|postgraduate|certificate\s+in"
    r"|teach(?:es)?\s+(?:licensed\s+)?(?:clinicians|therapists|practitioners|providers)|(?:clinicians|participants)"
    r"\s+(?:will\s+)?learn|(?:the|this)\s+training\s+(?:is|was|will)|program(?:me)?\s+overview|learning\s+objectives"
    r"|continuing\s+education)\b)"
)
_TRAINING_WEAK = _ci(r"(?i:\b(?:enrol(?:l|ment|ling|led)?|cohorts?|faculty|webinars?|students|graduates|instructors?"
                    r"|participants|licensed\s+clinicians|curriculum)\b)")
_PATIENT_CARE = _ci(
    r"(?i:\b(?:our|my)\s+(?:own\s+)?(?:patients|clients)\b|\b(?:book|schedule)\s+(?:a|an|your)\s+(?:free\s+)?"
    r"(?:consult\w*|appointment|session|visit|evaluation)\b|\bnew\s+patients\b"
    r"|\bwe\s+(?:accept|take|bill)\s+(?:\w+\s+)?insurance\b)"
)
# "It outperforms intramuscular shots", "more effective than IM": a route in a comparison.
_COMPARED_BEFORE = re.compile(
    r"(?i:\b(?:than|outperform\w*|compared\s+(?:to|with)|versus|vs\.?|over|superior\s+to|better\s+than"
    r"|inferior\s+to|unlike|replac\w*|standard\s+among|beat\w*|as\s+(?:we\s+)?(?:also\s+)?(?:see|seen)\s+with)"
    r"\s+(?:\w+\s+){0,3}$)"
)


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
    if last is None:
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


_CAPTION = re.compile(r"^\[(?:image|graphic|photo|picture|artwork|logo|icon|video|illustration)\b", re.I)


def _analyse_sentence(s: str, low: str, masked: str, hits: _Hits, ket_doc: bool) -> _Sentence:
    if _CAPTION.match(s):
        ket_doc = False  # an image's description names no service
    clauses = clause_bounds(s)
    stripped = s.rstrip()
    is_question = stripped.endswith("?")

    # ---- setting cues
    cues: list[tuple[str, bool, int, int]] = []
    for start, end, text in hits.cue:
        idx = _cue_of(text)
        setting, strong = _CUE_TERMS[idx][1], _CUE_TERMS[idx][2]
        words = text.split(None, 2)
        if idx == _PLACE_IDX and len(words) == 3 and _REMOTE_WORDS.search(words[2]):
            continue  # "in our virtual clinic"
        cues.append((setting, strong, start, end))
    cue_spans = [(a, b) for _, _, a, b in cues]

    # Clause-level facts, computed once per clause: asked again for every word, a long clause
    # would be rescanned once per cue or route word in it.
    memo: dict[tuple[str, int], bool] = {}

    def clause_has(what: str, ci: int) -> bool:
        key = (what, ci)
        hit = memo.get(key)
        if hit is None:
            clo, chi = clauses[ci]
            if what == "nondosing":
                hit = bool(_NONDOSING.search(masked, clo, chi))
            elif what == "dosing":
                hit = bool(_DOSING.search(s, low, clo, chi))
            elif what == "route":
                hit = bool(_ROUTE_RE.search(s, low, clo, chi))
            else:  # "not_now": referred out or only planned
                hit = bool(_REFER.search(low, clo, chi) or _PLANNED.search(low, clo, chi))
            memo[key] = hit
        return hit

    resolved: list[tuple[str, bool, int, int]] = []
    for setting, strong, a, b in cues:
        ci = _clause_of(clauses, a)
        clo, chi = clauses[ci]
        tail = low[b:b + 20]
        if _NONDOSING.match(tail.lstrip()) or (
            clause_has("nondosing", ci) and not clause_has("dosing", ci) and not clause_has("route", ci)
        ):
            continue
        if _BENCHMARK.search(low, max(clo, a - 60), a):
            continue  # "far below what anaesthesia uses in a medical setting": a yardstick, not a place
        if _negated_before(low, clo, a, []):
            # "no take-home doses", "unlike at-home programs": the opposite, weakly.
            setting, strong = (CLINIC if setting == HOME else HOME), False
        resolved.append((setting, strong, a, b))
    if is_question:
        resolved = []

    # ---- route words
    groups: list[_Group] = []
    if ket_doc:
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
        for r in filtered:
            if groups and groups[-1].route == r[0] and _GROUP_GAP.match(s[groups[-1].end:r[1]]):
                g = groups[-1]
                g.end = r[2]
                g.strong = g.strong or r[3]
                g.forced = g.forced or r[4]
                continue
            groups.append(_Group(r[0], r[1], r[2], r[3], r[4], _clause_of(clauses, r[1])))

    # ---- negation, referral, plans
    for g in groups:
        clo, chi = clauses[g.clause]
        if _negated_before(low, clo, g.start, cue_spans):
            g.negated = True
        pm = _POST_NEG.match(s[g.end:chi])
        if pm:
            after = low[g.end + pm.end():g.end + pm.end() + 30]
            if not _CUE_RE.match(after.lstrip()) and not _HOME_AFTER.match(after):
                g.negated = True
        if clause_has("not_now", g.clause) or _FREE_OF.match(s, g.end):
            g.negated = True  # "a personal, IV-free ketamine treatment"

    # ---- chains of coordinated route words share their setting ("IM or sublingual, in our office")
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

    # ---- attach cues to route words
    loose_at: list[tuple[str, bool, int]] = []  # (setting, strong, clause) of cues no route word took
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
            if strong and clause_has("dosing", ci) and not clause_has("nondosing", ci):
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
    if any(sent.explain) and not fp_sent:
        return False
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


_CLINICIAN_GIVEN = frozenset({"iv", "im"})


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


# "Ketamine therapy is now available for PTSD", "… is available at our Denver office".
_NOW_AVAILABLE = re.compile(r"\s*(?:\([^)]{0,20}\)\s*)?(?:is|are)\s+(?:now|currently)\s+(?:available|offered)"
                            r"|\s*(?:is|are)\s+(?:available|offered)\s+(?:here|at\s+our|in\s+our|to\s+our|through\s+our)\b"
                            r"|\s*[:–—-]\s*(?:currently\s+|now\s+)?(?:wait-?list\w*|accepting|enrolling|booking)\b")
# "clients can access KAP", "when you enrol in KAP", "launched a programme with ketamine".
_ENROL_ACCESS = re.compile(r"\b(?:(?:can|may)\s+access|you\s+enrol\w*\s+in|(?:launched|started|opened|began)\s+(?:a|an|our|its|the)\b"
                           r"[^.;]{0,60})")
_CHOOSING = re.compile(r"\b(?:pick\w*|choos\w*|find(?:ing)?|interview\w*|select\w*|vet(?:ting)?|compar\w*|look(?:ing)?\s+for"
                       r"|search\w*|evaluat\w*|how\s+to\s+(?:judge|assess|spot|tell|vet)|tips?)\b[^.;:]{0,90}$")
# Anyone's agent ("the best KAP therapist", "each ketamine clinic"); the choosing words themselves are
# _CHOOSING's, which is asked first.
_GENERIC_AGENT = re.compile(
    r"\b(?:find\w*|guide|best|right|top|which|whose|first|any|every|each|several|many|some)\b[^.;:]{0,40}$")
_AGENT_AFTER = re.compile(r"[\s-]*(?:therapists?|providers?|practitioners?|clinics?|facilitators?|prescribers?|centers?"
                          r"|centres?|specialists?|services?)\b")
_AROUND_SESSION = re.compile(r"(?i:\b(?:after|before|following|between|around|once)\s+(?:your|the|each|a)?\s*$)")
# "KAP preparation groups", "KAP integration circles": care around someone's dosing, named after it.
_AROUND_AFTER = re.compile(r"(?i:\s+(?:preparation|prep|integration|intake|screening|information|education|"
                           r"support)\b)")


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
        if (_POST_NEG.match(s[m.end():chi]) or _AROUND_SESSION.search(s, max(clo, m.start() - 20), m.start())
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


def classify_text(text: str, matcher: ProgrammeMatcher, roster_program: str | None = None,
                  trace: dict | None = None) -> dict:
    """The rules' verdict; with ``trace`` (a dict), also what they saw on the way, for the learned
    layer in ``stack.py``: every route word with the rules' judgement of it, and the page's flags."""
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

    # A page is a provider's only where it speaks as one: "we"/"our", "my clients", a practice
    # offering by name, "you will receive…", "your prescriber", prices, a title saying where the
    # service is given.  Articles, explainers and journalism ("the online service I contacted")
    # have none of these, and nothing on them is an offer.
    first_heading = next((i for i, sc in enumerate(page_scopes) if sc.heading), -1)
    has_explain = any(sc.explain for sc in page_scopes) or any(any(sent.explain) for sent in analysed)
    strong_voice = weak_voice = 0
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
    has_voice = strong_voice >= 1 or weak_voice >= 2  # one "your provider" or one price is not a voice
    strong_marks = {m.group() for m in _TRAINING_PAGE.finditer(low)}
    weak_marks = {m.group() for m in _TRAINING_WEAK.finditer(low)}
    unquoted = _QUOTED.sub(" ", low)  # a testimonial's "my clients" is not the page's own care
    training_page = (len(strong_marks) >= 2 or (strong_marks and len(weak_marks) >= 2)) \
        and not _PATIENT_CARE.search(unquoted)
    interview = len(_SPEAKER.findall(text)) >= 2  # "Dr Brenner: We use tablets…" is someone else speaking
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
    spravato_page = bool(_SPRAVATO_ONLY.search(low)) and not _RACEMIC_SPRAY.search(low)
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
                    and bool(_PRICE.search(lead.text) or any(_own_voice(lead, c) for c in range(len(lead.clauses)))))
            if ok:
                vouched.add(g.route)

    # A dose placed in the office somewhere on the page, said outright ("dosing sessions take place in
    # person"): medicine mailed to the patient is then taken there, not at home.
    clinic_cued = any(st == CLINIC and strong for sent in analysed if sent.dosing_context for st, strong, _c in sent.all_cues)
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
        trace.update(text=text, spans=spans, article_doc=article_doc, has_voice=has_voice,
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

    ketamine = bool(routes)
    if not ketamine and ket_doc and not excluded and not not_provider:
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
                # A fee schedule: "Ketamine assisted psychotherapy session: $700".
                ketamine = any(_FEE_LINE.search(analysed[i].text) and not page_scopes[i].explain
                               and not analysed[i].is_question for i in kap)

    certs: list[dict] = []
    seen: set[str] = set()
    others = [sc.others or lst for sc, lst in zip(page_scopes, others_lists(text, spans, leads), strict=True)]
    if training_page:
        others = [True] * len(spans)  # a programme's own pages name it; that is no one's claim
    for i, pid, a, _b in matcher.find_in(text, spans, others):
        if pid not in seen:
            seen.add(pid)
            certs.append({"program": pid, "evidence": evidence(sentences[i], a)})
    if roster_program is not None:
        if roster_program not in matcher.registry:
            raise ValueError(f"unknown programme id {roster_program!r}; add it to programmes.toml")
        if roster_program not in seen:
            title = matcher.registry[roster_program]["title"]
            certs.append({"program": roster_program, "evidence": f"Listed on the {title} roster"})

    # An at-home programme offered without naming a route ("Bloomwell delivers ketamine therapy
    # through an at-home model", "your medicine sessions happen from the comfort of your home").
    offers_at_home = any(r["setting"] == HOME for r in routes)
    if not offers_at_home and ket_doc and not excluded and not article_doc:
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
                    offers_at_home = ketamine = True
                    break
            if not offers_at_home and _DELIVERY.search(sent.low) and not clinic_cued and _MEDICINE.search(sent.low) \
                    and not any(sent.explain) and not sc.explain and not _NEG_WORD.search(sent.low):
                # "your medication will be shipped to you"; "ketamine will be shipped to your home" on
                # a page that never places a dose in an office
                offers_at_home = ketamine = True
            if offers_at_home:
                break

    return {
        "ketamine": ketamine,
        "routes": routes,
        "offers_at_home": offers_at_home,
        "certifications": certs,
        "credentials": parse_credentials(text),
    }
