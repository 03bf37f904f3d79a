"""Phone number normalisation for crawled listings.

Listings write the same number a dozen ways; storing E.164 lets records from different
sources be matched and deduplicated on it, and gives the web app one format for
``tel:`` links.
"""

from __future__ import annotations

import logging

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberMatcher
from phonenumbers import ValidationResult as VR

__all__ = ["display_phone", "normalise_phone"]

log = logging.getLogger(__name__)

# A phone field never needs more than this; capping bounds the matcher's work on junk.
_MAX_CHARS = 120
_DEFAULT_REGION = "US"


def _region(region: object) -> str:
    """A region phonenumbers knows, falling back to the directory's home country."""
    if isinstance(region, str):
        code = region.strip().upper()
        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return _DEFAULT_REGION


def _acceptable(num: phonenumbers.PhoneNumber) -> bool:
    """Plausible enough to store.

    ``is_valid_number`` would reject the reserved 555-01xx range our fixtures use, so
    we check only the length (a full number, not a local-only 7-digit fragment) and,
    for NANP, the structural rule that area code and exchange start with 2-9.
    """
    if phonenumbers.is_possible_number_with_reason(num) != VR.IS_POSSIBLE:
        return False
    if num.country_code == 1:
        nsn = phonenumbers.national_significant_number(num)
        return len(nsn) == 10 and nsn[0] in "23456789" and nsn[3] in "23456789"
    return True


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException:
        num = None
    if num is not None and _acceptable(num):
        return num
    # Free text ("call 310-555-0142 or 310-555-0143", "Phone: ..."): take the first
    # number the matcher finds rather than failing the whole field.
    for match in PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE, max_tries=20):
        if _acceptable(match.number):
            return match.number
    return None


def normalise_phone(s: str, region: str = "US") -> str | None:
    """E.164 form ("+13105550142") of a scraped phone number, or None if implausible.

    Extensions are dropped: they do not identify the practice and would break
    matching on the main number.
    """
    if not isinstance(s, str):
        return None
    text = s[:_MAX_CHARS].strip()
    if not text or not any(ch.isdigit() or ch.isalpha() for ch in text):
        return None
    try:
        num = _parse(text, _region(region))
        if num is None:
            return None
        num.extension = None
        return phonenumbers.format_number(num, PhoneNumberFormat.E164)
    except Exception:
        # phonenumbers is not hardened against every odd input; a bad field must not
        # abort a crawl.
        log.exception("normalise_phone failed; treating as no number")
        return None


def display_phone(e164: str) -> str:
    """A stored number the way people read it: "(303) 555-0100" for a US number, the international form
    ("+44 20 7946 0018") for others. The stored E.164 text stays what `tel:` links and the API use; anything
    that does not parse is shown as stored."""
    if not isinstance(e164, str) or not e164.startswith("+") or len(e164) > 20:
        return e164 or ""
    try:
        num = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    style = PhoneNumberFormat.NATIONAL if num.country_code == 1 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(num, style)
