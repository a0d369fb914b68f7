"""Chinese addresses parsed into province / city / district from free text.

The reference is the national administrative-division table shipped in ``data/divisions.tsv``
(built from the MIT-licensed ``cpca`` package's adcodes; see ``data/build_divisions.py``), loaded
once. Names are matched in full ("浙江省杭州市西湖区") and in their short forms ("浙江杭州西湖",
"广西南宁"), level by level from the start of the text; a city or district named without its
province ("杭州市西湖区…", "徐汇区虹漕路") fills in the levels above it when the name is unique.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "divisions.tsv"

# Suffixes that the short form of a name leaves out, longest first.
_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县", "自治旗",
    "省", "市", "地区", "盟", "区", "县", "旗",
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent: str
    level: str


@dataclass(frozen=True)
class ParsedAddress:
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    adcode: str = ""


def short_name(name: str) -> str:
    """"浙江省" -> "浙江", "广西壮族自治区" -> "广西", "浦东新区" -> "浦东新"; two characters at least."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            base = name[: -len(suffix)]
            # "内蒙古自治区" -> "内蒙古"; ethnic names inside a prefecture's name stay ("延边朝鲜族自治州" -> "延边")
            base = re.sub(r"(..)(?:[^\s]{1,4}族)+$", r"\1", base) if suffix.startswith("自治") and len(base) > 2 else base
            return base
    return name


class Reference:
    def __init__(self, rows: list[Division]):
        self.by_code = {d.code: d for d in rows}
        self.children: dict[str, list[Division]] = {}
        self.by_level: dict[str, list[Division]] = {"province": [], "city": [], "district": []}
        for d in rows:
            self.children.setdefault(d.parent, []).append(d)
            self.by_level[d.level].append(d)
        self._names: dict[tuple[str, str], list[tuple[str, Division]]] = {}

    def candidates(self, parent: str | None, level: str) -> list[tuple[str, Division]]:
        """(written form, division) pairs, full names before short ones, longest first."""
        key = (parent or "*", level)
        if key not in self._names:
            pool = self.children.get(parent, []) if parent is not None else self.by_level[level]
            pool = [d for d in pool if d.level == level]
            forms = [(d.name, d) for d in pool] + [(short_name(d.name), d) for d in pool if short_name(d.name) != d.name]
            self._names[key] = sorted(forms, key=lambda item: -len(item[0]))
        return self._names[key]

    def match(self, text: str, parent: str, level: str) -> tuple[Division | None, int, int]:
        """The division of ``level`` under ``parent`` named at the start of ``text``: (division, 0, end)."""
        for form, division in self.candidates(parent, level):  # longest first
            if text.startswith(form):
                return division, 0, len(form)
        return None, 0, 0


@lru_cache(maxsize=1)
def reference() -> Reference:
    with DATA.open(encoding="utf-8") as handle:
        rows = [Division(*row) for row in csv.reader(handle, delimiter="\t")]
    return Reference(rows)


def _unique_global(ref: Reference, text: str, level: str) -> tuple[Division | None, int, int]:
    """A city or district named at the start of the text without its province, when only one place has that name."""
    matches = [(form, d) for form, d in ref.candidates(None, level) if text.startswith(form) and (len(form) >= 3 or form == d.name)]
    if not matches:
        return None, 0, 0
    longest = max(len(f) for f, _d in matches)
    places = {d.code: d for f, d in matches if len(f) == longest}
    if len(places) != 1:
        return None, 0, 0
    return next(iter(places.values())), 0, longest


def parse_address(text: str) -> ParsedAddress:
    """Province, city, district and the rest (street) of a Chinese address written as one line."""
    ref = reference()
    rest = _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).strip(",，")
    if not rest:
        return ParsedAddress()
    rest = re.sub(r"^中国|^中华人民共和国", "", rest)
    province = city = district = None
    division, _start, end = ref.match(rest, "", "province")
    if division:
        province, rest = division, rest[end:]
    if province:
        division, _start, end = ref.match(rest, province.code, "city")
        if division:
            city, rest = division, rest[end:]
    else:
        division, _start, end = _unique_global(ref, rest, "city")
        if division:
            city, rest = division, rest[end:]
            province = ref.by_code.get(city.parent)
    parent = city.code if city else (province.code if province else None)
    if parent is not None:
        division, _start, end = ref.match(rest, parent, "district")
        if division is None and city is not None and province is not None and province.name.endswith("市"):
            division, _start, end = ref.match(rest, province.code, "district")
        if division:
            district, rest = division, rest[end:]
    else:
        division, _start, end = _unique_global(ref, rest, "district")
        if division:
            district, rest = division, rest[end:]
    if district and not city:
        above = ref.by_code.get(district.parent)
        if above and above.level == "city":
            city = above
        elif above and above.level == "province":
            province = above
    if city and not province:
        province = ref.by_code.get(city.parent)
    if province and not city and province.name.endswith("市"):
        city = province  # a municipality is its own city (上海市 上海市 徐汇区)
    if province and not city and district:
        city = province
    code = (district or city or province).code if (district or city or province) else ""
    return ParsedAddress(
        province=province.name if province else "", city=city.name if city else "",
        district=district.name if district else "", street=rest.lstrip(",，"), adcode=code,
    )
