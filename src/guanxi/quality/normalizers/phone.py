"""Phone numbers for bulk work: a fast path for plain Chinese mobile numbers, the library for the rest.

``guanxi.framework.text.normalize_phone`` parses every number with ``phonenumbers`` (about 30 µs
a number). An import of a million rows spends much of its time there on numbers like
``139 0000 1111`` or ``+86-139-0000-1111``. For those (eleven digits starting 1[3-9], optionally
after ``+86`` / ``0086``, separated by spaces, hyphens or dots, in the default region CN) the
E.164 form is ``+86`` and the digits; the number is accepted on the fast path only when the
library's own CN metadata patterns say it is a mobile number and nothing else (the same test
``phonenumbers.number_type`` makes), so the result is the library's (a property test compares
both on random numbers of every prefix). Anything else — landlines, other countries, odd
punctuation, numbers the patterns reject — goes through ``normalize_phone`` unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guanxi.framework.text import normalize_phone, phone_kind, phone_search_keys, tidy

_SEPARATORS = re.compile(r"[ \-.]")
_CN_MOBILE = re.compile(r"(?:\+86|0086)?(1[3-9][0-9]{9})")


def _desc(desc):
    """(possible lengths or None, pattern text) of a metadata description; None when it has no pattern."""
    if desc is None or desc.national_number_pattern is None:
        return None
    lengths = desc.possible_length
    return (set(lengths) if lengths and lengths != (-1,) else None), desc.national_number_pattern


@lru_cache(maxsize=1)
def _cn_descs():
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")
    others = [meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip, meta.personal_number, meta.pager,
              meta.uan, meta.voicemail, meta.fixed_line]
    return _desc(meta.general_desc), _desc(meta.mobile), [d for d in map(_desc, others) if d is not None]


def _applies(desc, length: int) -> bool:
    return desc is not None and (desc[0] is None or length in desc[0])


@lru_cache(maxsize=None)
def _patterns_for(length: int):
    """(general, mobile, other types) as compiled patterns for numbers of ``length`` digits; None where a
    description cannot match that length. The other types (fixed line, toll free, shared cost …) are
    one alternation: a number is of some other type exactly when one of their patterns matches it whole."""
    general, mobile, others = _cn_descs()
    if not _applies(general, length) or not _applies(mobile, length):
        return None
    other = [d[1] for d in others if _applies(d, length)]
    combined = re.compile("|".join(f"(?:{p})" for p in other)) if other else None
    return re.compile(general[1]), re.compile(mobile[1]), combined


@lru_cache(maxsize=4096)  # a number is asked about twice in a row (its E.164 form, then its kind)
def _is_plain_mobile(national: str) -> bool:
    """The CN metadata says ``national`` is a mobile number and of no other type (``number_type``'s test)."""
    patterns = _patterns_for(len(national))
    if patterns is None:
        return False
    general, mobile, others = patterns
    if general.fullmatch(national) is None or mobile.fullmatch(national) is None:
        return False
    return others is None or others.fullmatch(national) is None


def fast_cn_mobile(raw: str, region: str = "CN") -> str | None:
    """E.164 of ``raw`` when it is a plain Chinese mobile number; None when the library must decide."""
    if region != "CN":
        return None
    text = raw.strip()
    if not text.isascii():
        text = tidy(text)  # full-width digits and spaces
    match = _CN_MOBILE.fullmatch(_SEPARATORS.sub("", text))
    if match is None:
        return None
    national = match.group(1)
    return f"+86{national}" if _is_plain_mobile(national) else None


def to_e164(raw: str, region: str = "CN") -> str:
    """``normalize_phone`` with the fast path in front; raises ``InvalidPhone`` as it does."""
    return fast_cn_mobile(raw, region) or normalize_phone(raw, region)


def kind_and_search_keys(e164: str) -> tuple[str, str]:
    """``(phone_kind(e164), phone_search_keys(e164))``, without parsing for plain Chinese mobiles."""
    if len(e164) == 14 and e164.startswith("+861") and e164[1:].isdigit() and _is_plain_mobile(e164[3:]):
        national = e164[3:]
        return "mobile", f"86{national} {national}"
    return phone_kind(e164), phone_search_keys(e164)
