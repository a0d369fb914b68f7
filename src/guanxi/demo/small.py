"""The small demo: a few hundred customers created through the real services.

Every record goes through ``guanxi.customers.services`` as a user would make it, so the demo has
what real data has: audit rows, pinyin and search keys, primary phone and e-mail, territory
placement from the address, timeline events. The accounts belong to the reps of their region, so
logging in as ``rep`` or ``manager`` shows the visibility rules at work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from guanxi.core.models import User
from guanxi.customers import services as customers
from guanxi.customers.models import Account
from guanxi.framework.registry import registry

from . import data
from .makers import DEFAULT_SEED, Makers, Place, agent_may_handle
from .org import Org, ensure_org, ensure_tags, territory_code

EASY_ACCOUNT, EASY_CONTACT = "张三科技有限公司", "张三"
MARKER_USER = "rep"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def is_loaded() -> bool:
    """The demo has been loaded when its marker login exists (loading is one transaction)."""
    return User.objects.filter(username=MARKER_USER).exists()


@dataclass
class Loaded:
    accounts: int = 0
    contacts: int = 0
    interactions: int = 0


@transaction.atomic
def load_small(*, accounts: int = 300, seed: int = DEFAULT_SEED) -> Loaded:
    return SmallDemo(ensure_org(), random.Random(seed)).load(accounts)


class SmallDemo:
    def __init__(self, org: Org, rng: random.Random):
        self.org, self.rng, self.make = org, rng, Makers(rng)
        self.now = timezone.now().replace(microsecond=0)
        self.agents = [org.users["agent"], org.users["ccagent"]]
        self.tags = list(ensure_tags(org.admin).values())
        self.loaded = Loaded()
        self.covering: dict[str, list[User]] = {}

    def load(self, accounts: int) -> Loaded:
        self.easy_account()
        for _ in range(accounts - 1):
            self.random_account()
        for builder in registry.sorted(registry.demo_builders):
            builder.build(self.org, self.rng, self.now)
        return self.loaded

    def owner_for(self, place: Place) -> User:
        """The rep covering the province when there is one, else any rep of the region."""
        name = place.province.name
        if name not in self.covering:
            reps = self.org.reps_of(place.region)
            territory = self.org.territories[territory_code(place.region, place.province)]
            members = set(territory.members.values_list("id", flat=True))
            self.covering[name] = [r for r in reps if r.pk in members] or reps
        return self.rng.choice(self.covering[name])

    def easy_account(self) -> None:
        rep = self.org.users[MARKER_USER]
        place = self.make.place(city=data.REGIONS[0].provinces[0].cities[0])
        account = customers.account_create(
            acting_user=rep, name=EASY_ACCOUNT, kind="organisation", industry="technology", source="referral",
            lifecycle_stage="stability", value_tier="vip", credit_rating="AA", website="https://www.zhangsan-tech.example",
            employees=120, description="演示客户：搜索“张三”或“zs”即可找到。",
            tags=[t for t in self.tags if t.name in ("VIP客户", "老客户")],
        )
        self.address(account, rep, place, "office")
        customers.phone_add(party=account, acting_user=rep, number="021-62345678", kind="work")
        customers.email_add(party=account, acting_user=rep, email="info@zhangsan-tech.example")
        zhang = customers.contact_create(
            acting_user=rep, account=account, role="decision_maker", name=EASY_CONTACT, family_name="张", given_name="三",
            title="总经理", department="总经办", gender="male",
        )
        customers.phone_add(party=zhang, acting_user=rep, number="13912345678")
        customers.email_add(party=zhang, acting_user=rep, email="zhangsan@zhangsan-tech.example")
        li = customers.contact_create(
            acting_user=rep, account=account, role="purchaser", name="李四", family_name="李", given_name="四",
            title="采购经理", department="采购部", gender="male",
        )
        customers.phone_add(party=li, acting_user=rep, number="13812345678")
        self.loaded.accounts += 1
        self.loaded.contacts += 2
        self.interactions(account, rep, [zhang, li], count=20)
        customers.note_add(party=account, acting_user=rep, body="张总希望年底前完成系统升级。")

    def random_account(self) -> None:
        rng, make = self.rng, self.make
        place = make.place()
        owner = self.owner_for(place)
        organisation = rng.random() < 0.8
        facts = make.account_facts(organisation)
        tags = [t for t in self.tags if rng.random() < 0.06]
        if organisation:
            industry = make.industry.pick()
            company = make.company(industry, place.city)
            account = customers.account_create(
                acting_user=owner, kind="organisation", name=company.name, industry=industry,
                website=make.website(company), tags=tags, **facts,
            )
            self.address(account, owner, place, "office")
            customers.phone_add(party=account, acting_user=owner, number=make.landline(place.city).display, kind="work")
            if rng.random() < 0.2:
                customers.phone_add(party=account, acting_user=owner, number=make.landline(place.city).display, kind="fax")
            if rng.random() < 0.85:
                mailbox = rng.choice(("info", "sales", "contact", "service"))
                customers.email_add(party=account, acting_user=owner, email=f"{mailbox}@{company.domain}")
            contacts = [self.contact(account, owner, place, company.domain) for _ in range(rng.randint(1, 3))]
        else:
            person = make.person()
            account = customers.account_create(acting_user=owner, kind="individual", name=person.name, tags=tags, **facts)
            self.address(account, owner, place, "home")
            customers.phone_add(party=account, acting_user=owner, number=make.mobile().display, kind="mobile")
            if rng.random() < 0.6:
                customers.email_add(party=account, acting_user=owner, email=make.person_email(person), kind="personal")
            contacts = [self.contact(account, owner, place, None, person)]
        self.loaded.accounts += 1
        # 5 to 30 touchpoints, most accounts nearer five (as in real books of business).
        self.interactions(account, owner, contacts, count=5 + int(26 * rng.random() ** 4))
        for _ in range(rng.choice((0, 0, 1, 2))):
            customers.note_add(party=account, acting_user=owner, body=rng.choice(data.ACCOUNT_NOTES))

    def address(self, account: Account, owner: User, place: Place, kind: str) -> None:
        customers.address_add(
            party=account, acting_user=owner, kind=kind, province=place.province.name, city=place.city.name,
            district=place.district, street=self.make.street(), postal_code=place.postal_code,
        )

    def contact(self, account: Account, owner: User, place: Place, domain: str | None, person=None):
        rng, make = self.rng, self.make
        person = person or make.person()
        title, department = rng.choice(data.ENGLISH_TITLES if person.english else data.TITLES)
        birthday = date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.3 else None
        contact = customers.contact_create(
            acting_user=owner, account=account, role=make.contact_role.pick(), name=person.name,
            family_name=person.family_name, given_name=person.given_name, title=title if domain else "",
            department=department if domain else "", gender=person.gender, birthday=birthday,
        )
        if rng.random() < 0.9:
            customers.phone_add(party=contact, acting_user=owner, number=make.mobile().display)
        if domain and rng.random() < 0.15:
            extension = str(rng.randint(100, 899))
            number = make.landline(place.city).display
            customers.phone_add(party=contact, acting_user=owner, number=number, kind="work", extension=extension)
        if rng.random() < 0.75:
            customers.email_add(party=contact, acting_user=owner, email=make.person_email(person, domain))
        self.loaded.contacts += 1
        return contact

    def interactions(self, account: Account, owner: User, contacts: list, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            facts = self.make.interaction_facts()
            user = rng.choice(self.agents) if agent_may_handle(facts) and rng.random() < 0.6 else owner
            customers.interaction_create(
                acting_user=user, account=account, contact=rng.choice(contacts) if rng.random() < 0.8 else None,
                user=user, started_at=self.moment(), **facts,
            )
        self.loaded.interactions += count

    def moment(self) -> datetime:
        """A time in office hours (Beijing time) within the last two years."""
        day = (self.now.astimezone(SHANGHAI) - timedelta(days=self.rng.randint(1, 730))).date()
        hour, minute, second = self.rng.randint(8, 19), self.rng.randrange(60), self.rng.randrange(60)
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)
