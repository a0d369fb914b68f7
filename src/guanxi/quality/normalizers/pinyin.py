"""Pinyin keys of names for bulk work: character by character when no word of the dictionary is in the name.

``guanxi.framework.text.pinyin_keys`` runs pypinyin's word segmentation on every name (about
0.3 ms a name). pypinyin reads a character differently only inside a word of its phrase dictionary
(单于 "chanyu", 重庆 "chongqing"); a name made of CJK characters none of whose substrings of two
or more characters is such a word is read character by character, each with its first reading. For
those names the keys are built from per-character results, each computed once by pypinyin itself;
every other name (a word inside, Latin letters, digits, spaces) goes through ``pinyin_keys``. A
property test compares both on generated names.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from guanxi.framework.text import fold, pinyin_keys


@lru_cache(maxsize=None)
def _syllables(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, style=Style.NORMAL, errors=lambda chars: list(chars)))


def _has_word(text: str) -> bool:
    n = len(text)
    return any(text[i:j] in PHRASES_DICT for i in range(n) for j in range(i + 2, n + 1))


@lru_cache(maxsize=262_144)
def name_pinyin_keys(text: str) -> tuple[str, str]:
    """``pinyin_keys(text)``: (full pinyin without spaces, initials); memoized per distinct text."""
    folded = fold(text)
    if not folded or len(folded) > 12 or any(ord(ch) not in PINYIN_DICT for ch in folded) or _has_word(folded):
        return pinyin_keys(text)
    syllables = [s for ch in folded for s in _syllables(ch) if s.strip()]
    full = "".join(s for s in syllables if s.isalnum())
    initials = "".join(s[0] for s in syllables if s[:1].isalnum())
    return full, initials
