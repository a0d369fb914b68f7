"""Reproducible, realistic customer facts: names with their search keys, phones, e-mails, addresses.

Both the small demo (which hands these to the services) and the bulk generator (which stores them
directly) draw from here, so the two look alike. Names come with their search keys, computed as
the services compute them (see :mod:`.keys`).
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from . import data
from .keys import NameKeys


DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class Person:
    name: str
    family_name: str
    given_name: str
    gender: str
    name_pinyin: str
    name_initials: str
    mail_name: str  # ASCII letters for an e-mail address
    english: bool


@dataclass(frozen=True)
class Company:
    name: str
    name_pinyin: str
    name_initials: str
    domain: str
    english: bool


@dataclass(frozen=True)
class Phone:
    display: str  # as a person types it: 021-62345678, 13812345678
    e164: str
    kind: str


@dataclass(frozen=True)
class Place:
    region: data.Region
    province: data.Province
    city: data.City
    district: str
    postal_code: str


def district_postal_codes(city: data.City) -> list[str]:
    """One postal code per district: few distinct places, so few territory look-ups."""
    prefixes = city.postal_prefixes
    return [f"{prefixes[i % len(prefixes)]}{(i * 37 + 10) % 100:02d}0" for i in range(len(city.districts))]


def agent_may_handle(facts: dict) -> bool:
    """A service agent may take a customer's call, chat or e-mail; a visit is the owner's."""
    return facts["direction"] == "inbound" and facts["channel"] != "visit"


def _ascii_letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


class Weighted:
    """``pick()`` draws one of ``items`` with the given weights, fast (no per-call list building)."""

    def __init__(self, rng: random.Random, items, weights):
        self.random, self.items = rng.random, list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self):
        return self.items[bisect(self.cum, self.random() * self.total)]


class Makers:
    """All random draws of the demo go through one ``random.Random`` so a seed reproduces everything."""

    def __init__(self, rng: random.Random):
        self.rng, self.random = rng, rng.random
        self._people: dict[tuple[str, str], Person] = {}
        self.keys = NameKeys()
        surnames = data.SURNAMES
        self.surname = Weighted(rng, surnames, [max(1.0, 40 - i * 0.6) for i in range(len(surnames))])
        self.industry = Weighted(rng, data.INDUSTRY_WEIGHTS, data.INDUSTRY_WEIGHTS.values())
        self.legal_form = Weighted(rng, [f for f, _w in data.LEGAL_FORMS], [w for _f, w in data.LEGAL_FORMS])
        places = [(r, p, c) for r in data.REGIONS for p in r.provinces for c in p.cities]
        # A region's weight is shared by its cities; the first cities of a region (the big ones) weigh more.
        weights = []
        for region in data.REGIONS:
            cities = [c for p in region.provinces for c in p.cities]
            raw = [1.0 / (i + 1) ** 0.5 for i in range(len(cities))]
            weights += [region.weight * w / sum(raw) for w in raw]
        self._place = Weighted(rng, places, weights)
        self._postal = {c.code: district_postal_codes(c) for _r, _p, c in places}
        self._weights()

    def below(self, n: int) -> int:
        """A whole number in [0, n): ``randrange`` without its argument checks (this runs millions of times)."""
        return int(self.random() * n)

    def one_of(self, items):
        return items[int(self.random() * len(items))]

    # --- people -----------------------------------------------------------------------------------

    def person(self, english_share: float = 0.08, gender: str | None = None) -> Person:
        rng = self.rng
        gender = gender or ("female" if rng.random() < 0.48 else "male")
        if rng.random() < english_share:
            pool = data.ENGLISH_GIVEN_NAMES_FEMALE if gender == "female" else data.ENGLISH_GIVEN_NAMES_MALE
            return self._person(self.one_of(data.ENGLISH_FAMILY_NAMES), self.one_of(pool), gender, english=True)
        pool = data.GIVEN_NAMES_FEMALE if gender == "female" else data.GIVEN_NAMES_MALE
        return self._person(self.surname.pick(), self.one_of(pool), gender, english=False)

    def _person(self, family: str, given: str, gender: str, english: bool) -> Person:
        key = (family, given)
        person = self._people.get(key)
        if person is None:
            name, pinyin, initials = self.keys.whole(f"{given} {family}" if english else family + given)
            mail = f"{_ascii_letters(given)}.{_ascii_letters(family)}" if english else pinyin
            person = Person(name, family, given, gender, pinyin, initials, _ascii_letters(mail) or "contact", english)
            self._people[key] = person
        return person

    def person_email(self, person: Person, domain: str | None = None) -> str:
        if domain:
            return f"{person.mail_name}@{domain}"
        return f"{person.mail_name}{1 + self.below(9999)}@{self.one_of(data.MAIL_DOMAINS)}"

    # --- companies --------------------------------------------------------------------------------

    def company(self, industry: str, city: data.City, english_share: float = 0.1) -> Company:
        rng = self.rng
        trade, trade_en = self.one_of(data.TRADES[industry])
        if rng.random() < 0.6:
            brand = self.one_of(data.BRANDS)
        else:
            brand = self.one_of(data.BRAND_CHARS) + self.one_of(data.BRAND_CHARS)
        if industry == "government":
            parts, domain = (city.name, trade), f"{city.code}.gov.cn"
        elif trade_en and rng.random() < english_share:
            en_brand = self.one_of(data.ENGLISH_BRANDS)
            place = self._ascii_name(city.short).capitalize() + " " if rng.random() < 0.5 else ""
            parts = (f"{place}{en_brand} {trade_en} {self.one_of(data.ENGLISH_FORMS)}",)
            domain = f"{en_brand.lower()}-{_ascii_letters(trade_en)[:8]}.com"
        else:
            if rng.random() < 0.2:  # 华信科技(杭州)有限公司
                parts = (brand, trade, "(", city.short, ")", self.legal_form.pick())
            else:  # 杭州华信科技有限公司
                parts = (city.short, brand, trade, self.legal_form.pick())
            suffix = self.one_of(("", "tech", "group", "china", str(1 + self.below(99))))
            domain = f"{self._ascii_name(brand)}{suffix}{self.one_of(data.WEB_SUFFIXES)}"
        name, pinyin, initials = self.keys.composed(parts)
        return Company(name, pinyin, initials, domain, english=len(parts) == 1)

    def _ascii_name(self, text: str) -> str:
        """Pinyin of a short text, for domains and English spellings of place names."""
        return _ascii_letters(self.keys.whole(text)[1])

    # --- places and phones ------------------------------------------------------------------------

    def place(self, city: data.City | None = None) -> Place:
        region, province, city_ = self._place.pick() if city is None else self.find_city(city.code)
        index = self.below(len(city_.districts))
        return Place(region, province, city_, city_.districts[index], self._postal[city_.code][index])

    @staticmethod
    def find_city(code: str) -> tuple[data.Region, data.Province, data.City]:
        for region in data.REGIONS:
            for province in region.provinces:
                for city in province.cities:
                    if city.code == code:
                        return region, province, city
        raise KeyError(code)

    def street(self) -> str:
        rng = self.rng
        street = f"{self.one_of(data.STREETS)}{1 + self.below(999)}号"
        if rng.random() < 0.5:
            street += f"{self.one_of(data.BUILDINGS)}{1 + self.below(30)}楼"
        return street

    def mobile(self) -> Phone:
        national = f"{self.one_of(data.MOBILE_PREFIXES)}{self.below(10**8):08d}"
        return Phone(national, f"+86{national}", "mobile")

    def landline(self, city: data.City, kind: str = "work") -> Phone:
        digits = city.local_digits
        # A first digit of 2–7 is valid after every area code (8 and 1 are not, before some digits).
        local = f"{2 + self.below(6)}{self.below(10 ** (digits - 1)):0{digits - 1}d}"
        return Phone(f"0{city.area_code}-{local}", f"+86{city.area_code}{local}", kind)

    def website(self, company: Company) -> str:
        return f"https://www.{company.domain}"

    # --- account and interaction facts ------------------------------------------------------------

    def account_facts(self, organisation: bool) -> dict:
        """The descriptive fields of an account (stage, tier, source, scores, size, consents)."""
        rng = self.rng
        facts = {
            "lifecycle_stage": self._stage.pick(),
            "value_tier": self._tier.pick(),
            "source": self._source.pick(),
            "credit_rating": self._credit.pick() if organisation and rng.random() < 0.8 else "",
            "satisfaction_score": Decimal(rng.randint(4000, 10000)) / 100 if rng.random() < 0.6 else None,
            "loyalty_score": Decimal(rng.randint(2000, 10000)) / 100 if rng.random() < 0.5 else None,
            "consent_email": rng.random() < 0.4,
            "consent_sms": rng.random() < 0.3,
            "consent_phone": rng.random() < 0.3,
            "do_not_call": rng.random() < 0.04,
            "do_not_email": rng.random() < 0.03,
        }
        if organisation:
            employees = int(10 ** rng.uniform(0.7, 4.5))
            facts["employees"] = employees
            facts["annual_revenue"] = Decimal(employees * rng.randint(150_000, 1_500_000)).quantize(Decimal("1.00"))
        return facts

    def interaction_facts(self) -> dict:
        """What one touchpoint was about: channel, direction, duration, reason, outcome, satisfaction …"""
        rng = self.rng
        channel = self._channel.pick()
        inbound = rng.random() < _INBOUND_SHARE[channel]
        low, high = _DURATIONS.get(channel, (0, 0))
        outcome = self._outcome.pick()
        if outcome == "no_answer" and (inbound or channel not in ("phone", "sms")):
            outcome = "follow_up"
        rated = inbound and channel in ("phone", "chat") and rng.random() < 0.5
        return {
            "channel": channel,
            "direction": "inbound" if inbound else "outbound",
            "duration_seconds": rng.randint(low, high) if high else 0,
            "reason": rng.choice(data.REASONS),
            "outcome": outcome,
            "satisfaction": self._satisfaction.pick() if rated else None,
            "script": rng.choice(data.SCRIPTS) if channel == "phone" and not inbound else "",
            "notes": rng.choice(data.NOTES),
        }

    def _weights(self) -> None:
        rng = self.rng
        self._stage = Weighted(rng, ("exploration", "formation", "stability", "decline"), (25, 25, 35, 15))
        self._tier = Weighted(rng, ("vip", "key", "ordinary", "small"), (5, 15, 50, 30))
        self._source = Weighted(
            rng, ("web", "referral", "trade_show", "cold_call", "advertising", "partner", "import", "other"),
            (25, 15, 12, 15, 10, 10, 8, 5),
        )
        self._credit = Weighted(rng, ("AAA", "AA", "A", "BBB", "BB", "B", "C"), (5, 15, 30, 25, 12, 8, 5))
        self._channel = Weighted(rng, _CHANNELS, _CHANNELS.values())
        self._outcome = Weighted(
            rng, ("resolved", "follow_up", "no_answer", "interested", "not_interested", "complaint", "information", "other", ""),
            (25, 20, 8, 12, 8, 5, 15, 4, 3),
        )
        self._satisfaction = Weighted(rng, (1, 2, 3, 4, 5), (3, 5, 15, 40, 37))
        self.contact_role = Weighted(
            rng, ("decision_maker", "influencer", "purchaser", "technical", "finance", "user", "other", ""),
            (15, 15, 20, 15, 10, 10, 5, 10),
        )


_CHANNELS = {"phone": 34, "email": 20, "chat": 10, "web": 7, "visit": 10, "letter": 3, "sms": 9, "social": 7}
_INBOUND_SHARE = {
    "phone": 0.5, "email": 0.5, "chat": 0.9, "web": 1.0, "visit": 0.0, "letter": 0.3, "sms": 0.2, "social": 0.6,
}
_DURATIONS = {"phone": (30, 1800), "visit": (1800, 7200), "chat": (120, 1500)}
