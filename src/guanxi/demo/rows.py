"""Rows of the large data set, made in memory and handed to a bulk writer batch by batch.

Each account comes with its address, phones, e-mails, contacts (each with their own phones and
e-mails and a link to the account), tags and interactions. Ids are assigned here, so rows refer to
each other without a round trip. Derived columns (pinyin, initials, search text, primary phone and
e-mail, province/city/postal code, territory) are what the services would store: the same helpers
compute them from the same children in the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Iterator, NamedTuple

from django.conf import settings

from guanxi.customers.models import Account, AccountContact, Address, Contact, EmailAddress, Interaction, PhoneNumber
from guanxi.framework.text import search_document

from . import data
from .keys import PhoneKeys
from .makers import DEFAULT_SEED, Makers, Person, Phone, agent_may_handle

Tags = Account.tags.through
BENCH_ACCOUNT = "上海关系基准科技有限公司"
BENCH_INTERACTIONS = 1000

# The columns each row carries, in order; every other column gets the field's default (see writers).
COLUMNS = {
    Account: (
        "id", "created_at", "updated_at", "kind", "name", "name_pinyin", "name_initials", "search_text", "website",
        "industry", "source", "lifecycle_stage", "value_tier", "credit_rating", "satisfaction_score", "loyalty_score",
        "employees", "annual_revenue", "currency", "owner_id", "territory_id", "province", "city", "postal_code",
        "primary_phone", "primary_email", "consent_email", "consent_sms", "consent_phone", "do_not_call", "do_not_email",
    ),
    Address: (
        "id", "created_at", "updated_at", "account_id", "kind", "province", "city", "district", "street", "postal_code",
        "is_primary",
    ),
    PhoneNumber: (
        "id", "created_at", "updated_at", "account_id", "contact_id", "kind", "number", "extension", "is_primary",
    ),
    EmailAddress: ("id", "created_at", "updated_at", "account_id", "contact_id", "kind", "email", "is_primary"),
    Contact: (
        "id", "created_at", "updated_at", "name", "family_name", "given_name", "name_pinyin", "name_initials",
        "search_text", "title", "department", "gender", "owner_id", "primary_phone", "primary_email",
        "primary_account_id",
    ),
    AccountContact: (
        "id", "created_at", "updated_at", "account_id", "contact_id", "role", "is_primary", "account_owner_id",
        "account_territory_id", "contact_pinyin", "contact_initials",
    ),
    Tags: ("id", "account_id", "tag_id"),
    Interaction: (
        "id", "created_at", "updated_at", "started_at", "account_id", "contact_id", "user_id",
        "direction", "channel", "duration_seconds", "reason", "outcome", "satisfaction", "script", "notes",
    ),
}
MODELS = tuple(COLUMNS)
_FACT_KEYS = ("direction", "channel", "duration_seconds", "reason", "outcome", "satisfaction", "script", "notes")
_ACCOUNT_FACTS = (
    "source", "lifecycle_stage", "value_tier", "credit_rating", "satisfaction_score", "loyalty_score",
    "employees", "annual_revenue",
)
_CONSENTS = ("consent_email", "consent_sms", "consent_phone", "do_not_call", "do_not_email")
DAY = 86_400
WINDOW_DAYS = 3 * 365  # accounts were created over three years; interactions fall in the last two


@dataclass
class Plan:
    accounts: int
    contacts_per_account: float = 2.0
    interactions_per_account: float = 10.0
    seed: int = DEFAULT_SEED
    batch: int = 10_000


@dataclass
class Context:
    """What the rows refer to, read from the database before generation starts."""

    owners: dict[str, list[int]]  # region code -> sales rep ids
    bench_owner: int
    agents: list[int]
    tags: dict[str, int]
    territory_of: dict[tuple[str, str, str, str], int | None]  # (province, city, postal code, industry)
    first_ids: dict[type, int]
    timestamp_suffix: str = ""  # "+00" where the database reads a time zone from text


class Party(NamedTuple):
    """What an account is: an organisation or a person, with its own phones and e-mails."""

    kind: str
    name: str
    pinyin: str
    initials: str
    industry: str
    website: str
    domain: str | None
    person: Person | None
    phones: list[Phone]
    emails: list[tuple[str, str]]


@dataclass
class Batch:
    rows: dict[type, list[tuple]] = field(default_factory=lambda: {model: [] for model in MODELS})
    accounts: int = 0


class Clock:
    """Seconds since the window start, as the database's text form of a UTC timestamp (precomputed, fast)."""

    def __init__(self, suffix: str):
        today = datetime.now(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today - timedelta(days=WINDOW_DAYS)
        self.days = [(start + timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(WINDOW_DAYS + 1)]
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]

    def text(self, t: int) -> str:
        return self.days[t // DAY] + self.times[t % DAY]


def _count(rng: random.Random, mean: float) -> int:
    """A count with the given mean: uniform on 1..2·mean−1 from a mean of one, else 0 or 1."""
    if mean >= 1:
        return rng.randint(1, max(1, round(2 * mean - 1)))
    return 1 if rng.random() < mean else 0


class RowMaker:
    def __init__(self, plan: Plan, context: Context):
        self.plan, self.ctx = plan, context
        self.rng = random.Random(plan.seed)
        self.make = Makers(self.rng)
        self.clock = Clock(context.timestamp_suffix)
        self.next_id = dict(context.first_ids)
        self.tag_ids = list(context.tags.values())
        self.currency = settings.GUANXI_DEFAULT_CURRENCY
        self.phone_keys = PhoneKeys()
        # Touchpoints drawn from a pool of prepared facts: as varied as the data needs, far fewer draws.
        self.facts = [
            (tuple(f[k] for k in _FACT_KEYS), f["duration_seconds"] + 60, agent_may_handle(f))
            for f in (self.make.interaction_facts() for _ in range(4096))
        ]

    def _ids(self, model: type, count: int) -> int:
        first = self.next_id[model]
        self.next_id[model] = first + count
        return first

    def batches(self) -> Iterator[Batch]:
        batch = Batch()
        for index in range(self.plan.accounts):
            self.account(batch, bench=index == 0)
            if batch.accounts >= self.plan.batch:
                yield batch
                batch = Batch()
        if batch.accounts:
            yield batch

    def account(self, batch: Batch, bench: bool = False) -> None:
        rng, make, ctx, rows = self.rng, self.make, self.ctx, batch.rows
        place = make.place(data.REGIONS[0].provinces[0].cities[0]) if bench else make.place()
        owner = ctx.bench_owner if bench else make.one_of(ctx.owners[place.region.code])
        party = self._organisation(place, bench) if bench or rng.random() < 0.8 else self._individual()
        facts = make.account_facts(party.kind == "organisation")
        if bench:
            facts["value_tier"] = "vip"
        account_id = self._ids(Account, 1)
        created = make.below(WINDOW_DAYS * DAY - 2 * DAY)
        stamp = self.clock.text(created)

        # Children first: the account's search text and primary phone/e-mail come from them.
        rows[Address].append((
            self._ids(Address, 1), stamp, stamp, account_id, "home" if party.person else "office",
            place.province.name, place.city.name, place.district, make.street(), place.postal_code, True,
        ))
        for i, phone in enumerate(party.phones):
            rows[PhoneNumber].append(
                (self._ids(PhoneNumber, 1), stamp, stamp, account_id, None, phone.kind, phone.e164, "", i == 0)
            )
        for i, (email, kind) in enumerate(party.emails):
            rows[EmailAddress].append((self._ids(EmailAddress, 1), stamp, stamp, account_id, None, kind, email, i == 0))
        for tag in self.tag_ids if bench else [t for t in self.tag_ids if rng.random() < 0.03]:
            rows[Tags].append((self._ids(Tags, 1), account_id, tag))

        territory = ctx.territory_of[(place.province.name, place.city.name, place.postal_code, party.industry)]
        count = 3 if bench else _count(rng, self.plan.contacts_per_account)
        contacts = [
            self.contact(rows, account_id, owner, territory, place, created, party.domain, party.person if i == 0 else None, i == 0)
            for i in range(count)
        ]
        interactions = BENCH_INTERACTIONS if bench else _count(rng, self.plan.interactions_per_account)
        last = self.interactions(rows, account_id, owner, contacts, created, interactions)

        search = search_document(
            party.name, party.pinyin, party.initials, *(self.phone_keys(p.e164) for p in party.phones),
            *(email for email, _kind in party.emails),
        )
        rows[Account].append((
            account_id, stamp, self.clock.text(max(created, last)), party.kind, party.name, party.pinyin,
            party.initials, search, party.website, party.industry, *(facts.get(k) for k in _ACCOUNT_FACTS),
            self.currency, owner, territory, place.province.name, place.city.name, place.postal_code,
            party.phones[0].e164 if party.phones else "", party.emails[0][0] if party.emails else "",
            *(facts[k] for k in _CONSENTS),
        ))
        batch.accounts += 1

    def _organisation(self, place, bench: bool) -> Party:
        make = self.make
        industry = "technology" if bench else make.industry.pick()
        company = make.company(industry, place.city)
        if bench:
            name, pinyin, initials = make.keys.whole(BENCH_ACCOUNT)
        else:
            name, pinyin, initials = company.name, company.name_pinyin, company.name_initials
        phones = [make.landline(place.city)]
        if self.rng.random() < 0.3:
            phones.append(make.landline(place.city, "fax"))
        mailbox = make.one_of(("info", "sales", "contact", "service"))
        emails = [(f"{mailbox}@{company.domain}", "work")] if self.rng.random() < 0.85 else []
        website = make.website(company)
        return Party("organisation", name, pinyin, initials, industry, website, company.domain, None, phones, emails)

    def _individual(self) -> Party:
        make = self.make
        person = make.person()
        emails = [(make.person_email(person), "personal")] if self.rng.random() < 0.6 else []
        phones = [make.mobile()]
        return Party("individual", person.name, person.name_pinyin, person.name_initials, "", "", None, person, phones, emails)

    def contact(self, rows, account_id: int, owner: int, territory: int | None, place, created: int, domain, person, primary: bool) -> int:
        rng, make = self.rng, self.make
        person = person or make.person()
        contact_id = self._ids(Contact, 1)
        stamp = self.clock.text(min(created + make.below(30 * DAY), WINDOW_DAYS * DAY - DAY))
        phones = [make.mobile()] if rng.random() < 0.9 else []
        if domain and rng.random() < 0.2:
            phones.append(make.landline(place.city))
        emails = [make.person_email(person, domain)] if rng.random() < 0.75 else []
        for i, phone in enumerate(phones):
            extension = str(100 + make.below(800)) if phone.kind == "work" else ""
            rows[PhoneNumber].append(
                (self._ids(PhoneNumber, 1), stamp, stamp, None, contact_id, phone.kind, phone.e164, extension, i == 0)
            )
        for i, email in enumerate(emails):
            rows[EmailAddress].append((self._ids(EmailAddress, 1), stamp, stamp, None, contact_id, "work", email, i == 0))
        title, department = make.one_of(data.ENGLISH_TITLES if person.english else data.TITLES) if domain else ("", "")
        search = search_document(
            person.name, person.name_pinyin, person.name_initials, *(self.phone_keys(p.e164) for p in phones), *emails,
        )
        rows[Contact].append((
            contact_id, stamp, stamp, person.name, person.family_name, person.given_name, person.name_pinyin,
            person.name_initials, search, title, department, person.gender, owner,
            phones[0].e164 if phones else "", emails[0] if emails else "", account_id,
        ))
        role = make.contact_role.pick()
        # The link carries the account's owner and territory (the contact's visibility keys) and the
        # contact's name keys (a name search by prefix reads them there).
        rows[AccountContact].append((self._ids(AccountContact, 1), stamp, stamp, account_id, contact_id, role, primary, owner, territory,
                                     person.name_pinyin, person.name_initials))
        return contact_id

    def interactions(self, rows, account_id: int, owner: int, contacts: list[int], created: int, count: int) -> int:
        """Add ``count`` touchpoints in office hours (Beijing time) of the last two years; return the last one's time."""
        random, facts, agents, out = self.rng.random, self.facts, self.ctx.agents, rows[Interaction]
        days_text, times = self.clock.days, self.clock.times
        first_day = max(created // DAY + 1, WINDOW_DAYS - 730)
        days = max(1, WINDOW_DAYS - first_day)
        first_id, last = self._ids(Interaction, count), created
        for n in range(count):
            fact, logged_after, agent_ok = facts[int(random() * len(facts))]
            day = first_day + int(random() * days)
            start = int(random() * 43_200)  # 08:00–20:00 Beijing time; logging it never crosses midnight UTC
            date = days_text[day]
            last = max(last, day * DAY + start + logged_after)
            user = agents[n % len(agents)] if agent_ok and random() < 0.6 else owner
            contact = contacts[int(random() * len(contacts))] if contacts and random() < 0.8 else None
            stamp = date + times[start + logged_after]
            out.append((first_id + n, stamp, stamp, date + times[start], account_id, contact, user, *fact))
        return last

