"""Text keys for matching and search: Unicode width folding, pinyin, phone digits.

Chinese names are matched by characters and by pinyin (full, and initials: "zhangsan", "zs" find
张三); phone numbers by any fragment of their digits. Keys are computed on write, so searching is
a plain indexed lookup.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")


def fold(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def tidy(text: str) -> str:
    """For stored display values: NFKC and collapsed whitespace, case kept."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin without spaces, initials) of the CJK characters; other letters kept as they are."""
    text = fold(text)
    if not text:
        return "", ""
    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)) if s.strip()]
    full = "".join(s for s in syllables if s.isalnum())
    initials = "".join(s[0] for s in syllables if s[:1].isalnum())
    return full, initials


def digits(text: str) -> str:
    return _NON_DIGITS.sub("", text or "")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of ``raw``; raises :class:`InvalidPhone` when it is not a possible, valid number."""
    raw = tidy(raw)
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_kind(e164: str) -> str:
    """"mobile" or "work" (a landline) as the numbering plan says; "other" when it cannot tell."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "other"
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "work"
    return "other"  # includes FIXED_LINE_OR_MOBILE (e.g. North America), where the plan cannot tell


def phone_search_keys(e164: str) -> str:
    """Digits of the number with and without its country code, so both fragments match."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return digits(e164)
    national = str(parsed.national_number)
    return f"{parsed.country_code}{national} 0{national}" if parsed.country_code != 86 else f"86{national} {national}"


@functools.lru_cache(maxsize=65_536)
def format_phone(e164: str, region: str = "CN") -> str:
    """The number as a person in ``region`` writes it: national form at home, international abroad.

    A pure function of its arguments, and parsing costs ~0.1 ms: list pages show the same numbers
    again and again, so results are kept (a few MB at most).
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def search_document(*parts: str) -> str:
    """One lower-case string that search matches substrings in."""
    return " ".join(p for p in (fold(x) for x in parts) if p)


def query_terms(query: str) -> dict:
    """How to look ``query`` up: folded text, phone digits, pinyin of CJK text."""
    folded = fold(query)
    d = digits(folded)
    compact = folded.replace(" ", "")
    return {
        "text": folded,
        "compact": compact,
        "digits": d if len(d) >= 3 and len(d) >= len(compact) - 3 else "",
        "cjk": has_cjk(folded),
        "pinyin": pinyin_keys(folded)[0] if has_cjk(folded) else "",
        "initials_like": compact if compact.isascii() and compact.isalpha() else "",
    }


_WORD = re.compile(r"\w+", re.UNICODE)
#: words too common to tell documents apart (search)
STOP_WORDS = frozenset(
    "的 了 是 在 和 与 及 或 我 你 他 她 它 我们 您 请 吗 呢 啊 怎么 如何 什么 为什么 一个 "
    "the a an of to and or in on for is are be how what why do does can i you it".split()
)


def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def search_tokens(text: str) -> list[str]:
    """Folded search tokens of ``text`` for full-text search in Chinese and English: jieba's search-mode
    words (打印机 also yields 打印) and plain Latin words, stop words left out. Shared by the service
    knowledge base and the sales knowledge board."""
    words = []
    for word in _jieba().cut_for_search(fold(text)):
        for part in _WORD.findall(word):
            if part not in STOP_WORDS:
                words.append(part)
    return words
