"""The reader's lexicon: every word list and pattern the rules in ``rules.py`` match with.

Why apart from the engine: the patterns are what a maintainer edits when the web words something a new
way, and the engine (sentences, clauses, route words, cues, voice) is what they should not need to read to
do it. Patterns are compiled once, at import, for lower-cased text (``_ci``) or, where capitals matter
("IM", "US", "KAP"), for both spellings (``_Either``).
"""

from __future__ import annotations

import re

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
    # "FDA-approved intranasal ketamine": only esketamine (Spravato) is approved, so it is given in a clinic.
    (r"fda[- ]approved (?:intra-?nasal|nasal)\b",
     "intranasal", True, CLINIC),
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
        # a practice's name ("Mesa Injection and Infusion Clinic"): no ketamine injection offered by it
        r"|\bInjections?\s+(?:(?:and|&)\s+Infusion\s+)?(?:Clinic|Center|Centre|Institute)\b"
    ),
    "iv": re.compile(
        r"(?i:\b(?:stage|part|type|phase|chapter|grade|class|level|section|vol\.?|volume|henry|louis|title)\s+IV\b"
        r"|(?<!ketamine\s)\bIV\s+(?:therapy|vitamins?|hydration|fluids?|drips?\s+bar|bar|lounge|nutrition|nutrient))"
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
    # (not "The Mend's many services include Spravato": its own; the lookbehind after the shared \b keeps
    # _ci's one-\b fast form)
    r"|\b(?<!['’]s\s)(?:some|many|other|most|these|several|certain)\s+(?:\w+\s+)?(?:clinics|providers|companies|doctors"
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
    r"|companies|practices|programs|services)\b"
    # someone else's clinic: "treatment at a local ketamine clinic", "at an IV clinic or with an at-home service"
    r"|\b(?:at|in|from|with|through)\s+(?:a|an|another)\s+(?:(?:local|nearby|separate|outside|partner(?:ing)?"
    r"|different|ketamine|iv|infusion|at-home|online|telehealth)\s+)+(?:clinic|center|centre|provider|service|program)\b)"
)
_NEG_WORD = _ci(
    rf"(?i:\b(?:not|no|never|without|nor|neither|unlike|instead\s+of|rather\s+than|no\s+longer|cannot|avoid\w*"
    rf"|(?:can|don|doesn|didn|won|isn|aren|wasn|weren){_APOS}t)\b)"
)
# Where a negation's scope ends before the word (ConText's terminations): a new subject doing something
# ("for patients who prefer not to have an IV she also offers IM"), or a contrast ("not IV, but IM").
_NEG_TERMINATE = re.compile(
    r"(?i:\b(?:but|however)\b|\b(?:she|he|we|they|i|our\s+\w+)\s+(?:also\s+|can\s+|may\s+|will\s+)?"
    r"(?:offers?|provides?|gives?|administers?|uses?|prescribes?|recommends?)\b)"
)
# Negators that do not negate the thing after them.
_NEG_FALSE = re.compile(
    r"(?i:\s*(?:only|just|sure|everyone|all\b|every|always|matter|yet\s+respond|respond\w*|worked|work\b|helped"
    r"|help\b|improved|tolerat\w*|enough|covered|a\s+cure|cure|effective|better|fda|approved|wait\w*|more\s+than"
    r"|surprise|exceptions|drive|driving|eat|drink|worry|hesitate|forget|operate|need\s+to\s+(?:fast|stop)))"
)
# "not available at this location": a denial, though "at this location" also reads as a place.
_THIS_PLACE = re.compile(r"\s*(?:at|in)\s+this\s+(?:location|office|clinic|center|centre|site|practice|time)\b", re.I)
_POST_NEG = re.compile(
    rf"(?i:^[^;:.]{{0,45}}?\b(?:(?:(?:is|are|was|were)\s+(?:not|no\s+longer|never)|(?:isn|aren){_APOS}t"
    rf"|(?:does|do)\s+not|(?:doesn|don){_APOS}t|not)\s+(?:currently\s+|yet\s+)?"
    rf"(?:available|offered|provided|something|part|an\s+option|done|administered|given|used|prescribed"
    rf"|included?|carried|performed|supported|possible|here|on\s+(?:our|the)\s+menu)"
    # "take-home injectable ketamine is something we do not provide"
    rf"|(?:is|are)\s+(?:something|a\s+service|an\s+option|a\s+treatment)\s+(?:that\s+)?(?:we|i)\s+"
    rf"(?:do\s+not|don{_APOS}t|never|cannot|can{_APOS}t)\b))"
)
# "stretch the time between infusions": the schedule of doses given anyway, not an offer of its own (the at-home
# programme in the same sentence does not move the infusions home).
_BETWEEN = re.compile(r"\bbetween\s+(?:your\s+|the\s+|each\s+|two\s+)?$")
# Someone wanting a route ("patients who want IV treatment", "those who prefer infusions"), said of a route denied.
_WANTING = re.compile(r"\bwho\s+(?:want|wants|prefer|prefers|need|needs|would\s+like|wish|are\s+interested\s+in)\b")
_FREE_OF = re.compile(r"-?free\b|\s+free\b(?!\s+(?:consult|evaluation|call|screening))", re.I)
# Sending a patient elsewhere ("we refer out for IV", "I can refer you to an infusion clinic", "referrals to
# our partner clinic"); not a referral coming in ("on referral from your psychiatrist", "no referral needed").
_REFER = _ci(r"(?i:\brefer(?:s|red|ring)?\s+(?:\w+\s+){0,2}?(?:out|to|elsewhere)\b|\breferrals?\s+(?:out|to)\b"
             r"|\bcoordinate\s+with\s+(?:a|an|your|another)\s+(?:\w+\s+){0,2}(?:clinic|provider|center|centre)s?\b"
             r"|\b(?:please\s+)?(?:visit|see|go\s+to)\s+(?:one\s+of\s+)?our\s+(?:other\s+)?"
             r"(?:clinics|locations|offices|centers|centres)\b"
             # a chain's clinic sending patients to its others ("welcome at any of our Front Range clinics")
             r"|\bwelcome\s+at\s+(?:any\s+of\s+|one\s+of\s+)?our\s+(?:other\s+)?(?:[A-Z]?\w+\s+){0,2}"
             r"(?:clinics|locations|offices|centers|centres)\b)")
_PLANNED = _ci(
    # ("we hope to offer IM"; not the noun: "we bring fresh hope by offering ketamine infusion therapy")
    r"(?i:\b(?:(?:hope|hopes|hoping)\s+(?:to|that)|(?:plan|plans|planning)\s+(?:to|on)|intend\w*|will\s+soon\s+(?:begin|start)"
    r"|will\s+(?:begin|start)\s+(?:offering|providing|to\s+(?:offer|provide)|accepting|seeing|taking|treating)"
    r"|coming\s+soon|in\s+the\s+future|working\s+towards?|applying|aspir\w*|looking\s+forward\s+to"
    # "we expect her to join the KAP team once her training is complete"
    r"|expect\w*\s+(?:\w+\s+)?to\s+(?:join|begin|start|offer|provide)|once\s+(?:her|his|their|my|our)\s+training)\b)"
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
    # The medicine itself sent to where the patient lives ("mailed to your address", "shipped to your door").
    (r"(?i:\b(?:mail(?:ed|s)?|ship(?:s|ped)?|deliver(?:ed|s)?)\s+(?:directly\s+|straight\s+|discreetly\s+)?to\s+"
     r"(?:your|the\s+patient['’]s|their)\s+(?:\w+\s+)?(?:door|doorstep|home|house|address|mailbox)\b)", HOME, _S),
    (r"(?i:\b(?:in|from|at)\s+(?:the\s+)?(?:comfort|privacy|safety)\b(?:\s+and\s+\w+)?\s+of\s+(?:your|their|one's)"
     r"\s+(?:own\s+)?(?:home|house)\b)", HOME, _S),
    (r"(?i:\b(?:in|from|at)\s+(?:your|their|his|her|one's|the\s+patient's|the\s+client's)\s+(?:own\s+)?"
     r"(?:home|house|living\s+room|couch)s?\b)", HOME, _S),
    (r"(?i:\bfrom\s+(?:home|your\s+couch)\b)", HOME, _S),
    # "in their own space", "in your own surroundings": where the patient lives (an office is "our space")
    (r"(?i:\b(?:in|from|at)\s+(?:your|their|one's)\s+own\s+(?:space|surroundings|environment)\b)", HOME, _S),
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
    # The medicine carried to the session ("bring the troches along to every KAP session"): taken there.
    (r"(?i:\bbring\w*\s+(?:the|your|their)\s+(?:troches?|lozenges?|tablets?|rdts?|medicine|medication|prescription|ketamine)"
     r"\s+(?:along\s+|with\s+you\s+)?(?:to|into)\s+(?:each|every|your|the|our|all)\s+(?:\w+\s+){0,2}"
     r"(?:sessions?|appointments?|visits?)\b)", CLINIC, _S),
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
    # Sessions already had, a condition for dosing elsewhere: "clients who have completed three in-office
    # sessions may continue at home".
    r"|\b(?:completed|finished|had|after)\s+(?:at\s+least\s+)?(?:\w+\s+){0,2}in[- ](?:office|person|clinic)\s+"
    r"(?:\w+\s+)?(?:sessions?|treatments?|doses?|dosing\s+sessions?|infusions?|series|courses?|rounds?)\b"
    # Doses between office sessions are taken elsewhere: "lozenges taken at home between in-clinic sessions".
    r"|\bbetween\s+(?:\w+\s+)?in[- ](?:office|person|clinic)\s+(?:sessions?|visits?|treatments?|infusions?|appointments?)\b"
    # Booking is not dosing: "request a visit online", "book online", "online scheduling".
    r"|\b(?:book|schedule|request|make|set\s+up|fill\s+out|complete)\s+(?:(?:an?|your|the)\s+)?"
    r"(?:(?:appointment|visit|consultation|consult|intake|form|request)s?\s+)?online\b"
    r"|\bonline\s+(?:booking|scheduling|scheduler|forms?|portal|(?:appointment\s+)?requests?|intake\s+forms?)\b"
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
    r"|assessments?|coaching|support\s+groups?|webinars?|workshops?|classes|courses?)\b"
    # "seen in person before prescribing", "an in-person visit is required" (telehealth law): not where doses are taken
    r"|\b(?:before|prior\s+to)\s+(?:\w+\s+)?prescri\w*|\bvisits?\s+(?:is|are)\s+(?:needed|required|mandatory)\b)"
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
_NOT_A_NAMER = (r"Ketamine|Esketamine|Spravato|KAP|IV|IM|It|This|That|These|Research|Treatment|Therapy|Medicine"
                r"|The|A|An|Each|Every|Our|We")
_NAMED_OFFER_IN = re.compile(
    rf"(?<![\w.])(?!(?:{_NOT_A_NAMER})\b)[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){{1,3}}\s+(?:now\s+|also\s+)?"
    r"(?:offers|provides|administers|prescribes|delivers)\b"
    # one name after a lead-in ("In addition to IV ketamine infusions, Meridian offers IM sessions"); a payer or
    # the evidence is no practice
    rf"|(?<=,\s)(?!(?:{_NOT_A_NAMER}|Insurance|Medicare|Medicaid|Evidence|Science)\b)[A-Z][\w&'’.-]*\s+(?:now\s+|also\s+)?"
    r"(?:offers|provides|administers|delivers)\b"
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
    r"|\bsessions?\s+(?:take|takes)\s+place\s+in\s+(?:the\s+patient['’]s|your)\s+(?:own\s+)?home\b"
    # the provider's own programme by name ("our at-home ketamine program", "through Stillwater's at-home program")
    r"|(?:\b(?:our|my)|\w['’]s)\s+(?:own\s+)?(?:at-home|home-based|in-home)\s+(?:ketamine\s+)?"
    r"(?:program(?:me)?|treatment|therapy|service|experience|option)s?\b)"
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
# A practice's own press release ("(Newsworthy.ai) Tyler, TX — …", "… is pleased to announce"): the practice
# it names speaks there in the third person, so "X, which provides ketamine infusion therapies" and "the
# clinic offers …" are its own offers, as "we offer" is on its site.
_PRESS_RELEASE = re.compile(
    r"\((?:Newsworthy\.ai|PRNewswire|Business\s?Wire|GLOBE\s?NEWSWIRE|EIN\s?Presswire|PRWeb|Newswire|ACCESSWIRE)\)"
    r"|/PRNewswire/|\bReleased\s+through\s+\w|\b(?:is|are)\s+(?:pleased|proud|excited|thrilled|delighted)\s+to\s+announce\b"
    r"|\bannounced\s+today\b|\bpress\s+release\b", re.I)
_PRESS_VOICE = re.compile(
    r"(?i:\b(?:the|its|both)\s+(?:clinics?|cent(?:er|re)s?|practices?|team|company|facilit(?:y|ies)|offices?|locations?)"
    r"\s+(?:now\s+|also\s+|currently\s+)?(?:offers?|provides?|delivers?|administers?|speciali[sz]es|is\s+bringing|brings?))\b"
    r"|[A-Z][\w&'’.-]*(?:\s+(?:[A-Z&][\w&'’.-]*|of|and))*\s*,\s*(?:which|that|who)\s+(?:now\s+|also\s+)?"
    r"(?:offers|provides|delivers|administers|speciali[sz]es\s+in)\b"
    r"|[A-Z][\w&'’.-]*['’]s\s+(?:many\s+|other\s+|wide\s+range\s+of\s+)?(?:services|treatments|offerings)\s+(?:include|includes|are)\b"
)
# A therapist working with a medical partner (Journey Clinical's model): the partner's prescription is part
# of the care the therapist offers ("We partner with Journey Clinical … they prescribe ketamine lozenges").
_PARTNERSHIP = re.compile(
    r"\b(?i:(?:we|i)\s+(?:\w+\s+)?(?:partner|collaborate|work)\w*\s+(?:closely\s+)?with|in\s+(?:partnership|collaboration)\s+with"
    r"|partnered\s+with|my\s+work\s+with)\s+(?i:an?\s+(?:\w+\s+){0,2}(?:named|called)\s+)?"
    r"(?P<partner>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3})")
_PARTNER_PRESCRIBES = r"(?:will\s+)?(?:then\s+)?(?:\w+\s+){0,8}?(?:prescribes?|prescribing|writes?\s+(?:you\s+)?a\s+prescription|provides?\s+the\s+medicine)\b"
# A page's title that is a service's name: route words and what they are, nothing else ("IV Ketamine Infusion
# Therapy", "IV Ketamine & Spravato®"); not a post's ("What Is IV Ketamine?", "Ketamine Infusions: A Guide").
_SERVICE_TITLE = re.compile(
    r"[#\s]*(?:(?:iv|im|intravenous|intramuscular|intranasal|nasal|sublingual|oral|ketamine|esketamine|spravato[®™]?"
    r"|infusions?|injections?|therapy|treatments?|spray|lozenges?|troches?|&|and|\+)\s*){2,7}$", re.I)
# A list of the provider's services under its own heading ("## Related Services", "Our Treatments").
_SERVICES_HEADING = re.compile(r"[#\s]*(?:(?:our\s+|related\s+|other\s+|additional\s+|more\s+|featured\s+)?"
                               r"(?:services|treatments|therapies|offerings|treatment\s+options)"
                               # a chain's location page: "Available at this location", "Treatments offered here"
                               r"(?:\s+(?:available|offered)(?:\s+(?:here|at\s+this\s+(?:location|clinic|office)))?)?"
                               r"|(?:available|offered)\s+(?:services|treatments|therapies)"
                               r"|(?:available|offered)\s+at\s+this\s+(?:location|clinic|office))\s*:?\s*$", re.I)
_SERVICE_ITEM = re.compile(r"\s*(?:[-•*]\s*|\d{1,2}[.)]?\s+)?(?:Ketamine[- ]Assisted\s+(?:Psycho)?[Tt]herapy|KAP|Ketamine\s+Therapy)"
                           r"(?:\s*\((?:KAP|KAT)\))?\s*(?::|\s[–—-]\s)")
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
# A profile's field labels look like a speaker's name ("Clinical Interests:", "Office Location:"): not a voice.
_FIELD_LABEL = re.compile(r"(?i)\b(?:interests?|locations?|training|education|specialt(?:y|ies)|hours|phone|e-?mail"
                          r"|address|languages?|insurance|credentials|title|department|division|appointments?|services"
                          r"|office|fax|website|focus|areas?|expertise|certifications?|affiliations?|degrees?)\s*:")
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
    # the practice's booking and intake, said of its own infusions ("The first infusions are booked Monday,
    # Wednesday and Friday", "Those accepted receive a series of infusions given and monitored by medical staff")
    r"|\b(?:infusions?|sessions?|treatments?|injections?)\s+are\s+(?:booked|scheduled)\b"
    r"|\b(?:those|patients|clients)\s+(?:who\s+are\s+)?accepted\s+(?:will\s+)?receive\b"
    r"|\b(?:given|administered)\s+and\s+monitored\s+by\b"
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

_CAPTION = re.compile(r"^\[(?:image|graphic|photo|picture|artwork|logo|icon|video|illustration)\b", re.I)
_CLINICIAN_GIVEN = frozenset({"iv", "im"})

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
# "after your KAP session", "integration after psychedelic or ketamine therapy": care around someone's dosing.
_AROUND_SESSION = re.compile(r"(?i:\b(?:after|before|following|between|around|once)\s+(?:your|the|each|a)?\s*"
                             r"(?:(?:psychedelic|psilocybin|mdma|plant[- ]medicine)\s+(?:or|and|/)\s+)?$)")
# "KAP preparation groups", "KAP integration circles": care around someone's dosing, named after it.
_AROUND_AFTER = re.compile(r"(?i:\s+(?:preparation|prep|integration|intake|screening|information|education|"
                           r"support|certificate|certification|training|course|cohort|curriculum|fellowship)\b)")
