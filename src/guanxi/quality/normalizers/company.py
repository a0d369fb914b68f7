"""Company names compared without their legal form: "张三科技有限公司" and "张三科技" are the same company.

``company_key`` folds width and case, drops brackets' content that is only a place ("（上海）"),
punctuation and the legal-form suffixes of Chinese and foreign companies (有限公司, 股份有限公司,
有限责任公司, 集团, Co., Ltd., Inc., LLC, GmbH …), so two spellings of one company give one key.
"""

from __future__ import annotations

import re
import unicodedata

# Longest first, so "股份有限公司" goes before "有限公司".
_CN_FORMS = (
    "集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "控股有限公司",
    "有限公司", "股份公司", "总公司", "分公司", "集团公司", "集团", "公司", "有限",
)
_LATIN_FORMS = (
    "co., ltd", "co ltd", "co.,ltd", "company limited", "limited", "ltd", "inc", "incorporated", "corporation", "corp",
    "llc", "l.l.c", "plc", "gmbh", "ag", "s.a", "sa", "s.r.l", "srl", "b.v", "bv", "n.v", "nv", "pte", "pty", "kk",
    "co", "company", "group", "holdings", "oy", "ab", "as", "spa", "s.p.a", "sas", "sarl",
)
_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_PUNCT = re.compile(r"[\s,.，。·・&'’\"“”\-_/]+")
_LATIN_TAIL = re.compile(r"(?:[\s,.]+(?:" + "|".join(re.escape(f) for f in sorted(_LATIN_FORMS, key=len, reverse=True)) + r")\.?)+\s*$")


def company_key(name: str) -> str:
    """The comparable core of a company name ("" when nothing but a legal form is left)."""
    text = unicodedata.normalize("NFKC", name or "").casefold().strip()
    text = _BRACKETS.sub(" ", text)
    previous = None
    while previous != text:
        previous = text
        text = _LATIN_TAIL.sub("", " " + text).strip()
        for form in _CN_FORMS:
            if text.endswith(form):
                text = text[: -len(form)].strip()
                break
    return _PUNCT.sub("", text)
