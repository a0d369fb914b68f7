"""Demo data of the sales app, built through its services: a pipeline, competitors, scoring and
assignment rules, a web-to-lead form, about sixty leads and eighty opportunities across the stages.

Called by the small demo (``registry.add_demo_builder``) after the accounts exist. The stage
history is backdated so that the board, the stage report and win rates have something to show.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from guanxi.core.models import User
from guanxi.customers.models import Account
from guanxi.demo.makers import Makers

from . import services
from .choices import AssignmentMethod, CloseReason, DisqualifyReason, LeadRating, LeadSource, LeadStatus
from .models import LeadScoringRule, Opportunity, Pipeline, StageChange, WebToLeadForm

STAGES = (  # name, probability, won, lost
    ("初步接洽", 10, False, False), ("需求确认", 25, False, False), ("方案报价", 50, False, False),
    ("商务谈判", 75, False, False), ("赢单", 100, True, False), ("输单", 0, False, True),
)
COMPETITORS = ("金蝶", "用友", "销售易", "纷享销客", "Salesforce")
CAMPAIGNS = ("2026春季新品发布会", "华东区行业峰会", "官网免费试用", "")
PRODUCTS = ("CRM 专业版", "客服中心", "数据分析平台", "营销自动化", "实施服务")


def build(org, rng, now) -> None:
    if Pipeline.objects.exists():
        return  # built once; a second demo load leaves the sales data alone
    admin = org.admin
    make = Makers(rng)
    pipeline = services.pipeline_create(acting_user=admin, name="标准销售流程", stages=STAGES, is_default=True)
    services.pipeline_create(acting_user=admin, name="续约", stages=(
        ("续约提醒", 60, False, False), ("续约谈判", 80, False, False), ("已续约", 100, True, False), ("未续约", 0, False, True),
    ))
    competitors = [services.competitor_create(acting_user=admin, name=name) for name in COMPETITORS]
    for name, field, operator, value, points in (
        ("官网来源", "source", "eq", "web", 10), ("转介绍", "source", "eq", "referral", 20),
        ("决策层职位", "title", "contains", "总", 15), ("留了邮箱", "email", "not_empty", "", 5),
        ("大型企业", "employees", "gte", "500", 20), ("预算充足", "budget", "gte", "100000", 25),
        ("热线索", "rating", "eq", "hot", 20),
    ):
        services.rule_create(model=LeadScoringRule, acting_user=admin, name=name, field=field, operator=operator, value=value, points=points)
    east_team = org.teams.get("华东销售")
    if east_team is not None:
        from .models import LeadAssignmentRule

        services.rule_create(model=LeadAssignmentRule, acting_user=admin, name="上海线索按区域分配", order=10,
                             province="上海市", method=AssignmentMethod.TERRITORY)
        services.rule_create(model=LeadAssignmentRule, acting_user=admin, name="官网线索华东轮询", order=20,
                             source=LeadSource.WEB, method=AssignmentMethod.ROUND_ROBIN, team=east_team)
    services.rule_create(model=WebToLeadForm, acting_user=admin, name="官网联系我们", campaign="官网免费试用",
                         allowed_origins="https://www.guanxi.example", default_owner=org.users["manager"],
                         thank_you="感谢您的留言，我们的销售顾问会尽快与您联系。")
    reps = [u for name, u in org.users.items() if name.startswith("rep")]
    _leads(rng, make, reps, now)
    _opportunities(rng, pipeline, competitors, reps, now)
    _quotes(rng, admin)


def _quotes(rng, admin) -> None:
    """A price book with volume tiers and a few quotes in different states."""
    catalogue = [
        services.product_create(acting_user=admin, code=code, name=name, unit=unit, list_price=Decimal(price), tax_rate=Decimal(rate))
        for code, name, unit, price, rate in (
            ("CRM-PRO", "CRM 专业版（年/用户）", "用户", "980.00", "6"), ("CC-SEAT", "客服中心坐席（年）", "坐席", "1580.00", "6"),
            ("BI-PLAT", "数据分析平台", "套", "68000.00", "13"), ("IMPL-DAY", "实施服务", "人天", "2400.00", "6"),
        )
    ]
    book = services.pricebook_create(acting_user=admin, name="标准价格表", is_default=True)
    for product in catalogue:
        services.price_entry_add(price_book=book, acting_user=admin, product=product, unit_price=product.list_price)
    services.price_entry_add(price_book=book, acting_user=admin, product=catalogue[0], min_quantity=Decimal("50"), unit_price=Decimal("880.00"))
    services.price_entry_add(price_book=book, acting_user=admin, product=catalogue[0], min_quantity=Decimal("200"), unit_price=Decimal("780.00"))
    opportunities = list(Opportunity.objects.filter(status="open").select_related("owner", "account").order_by("id")[:6])
    for n, opportunity in enumerate(opportunities):
        owner = opportunity.owner
        quote = services.quote_create(acting_user=owner, opportunity=opportunity, title=f"{opportunity.account.name[:30]} 报价")
        services.quote_line_add(quote=quote, acting_user=owner, product=catalogue[0], quantity=Decimal(rng.choice((20, 60, 250))))
        services.quote_line_add(quote=quote, acting_user=owner, product=catalogue[3], quantity=Decimal(rng.randint(5, 30)),
                                discount_percent=Decimal(rng.choice((0, 10, 25))))
        if n % 3 == 0:
            continue  # stays a draft
        try:
            services.quote_submit(quote=quote, acting_user=owner)
        except ValidationError:
            continue  # the owner's team has no manager to approve the discount
        quote.refresh_from_db()
        if quote.status == "approved" and n % 3 == 2:
            services.quote_accept(quote=quote, acting_user=owner)


def _leads(rng, make, reps, now) -> None:
    for n in range(60):
        person = make.person()
        place = make.place()
        industry = make.industry.pick()
        company = make.company(industry, place.city)
        owner = rng.choice(reps)
        lead = services.lead_create(
            acting_user=owner, owner=owner, name=person.name, company=company.name,
            title=rng.choice(("总经理", "采购经理", "IT总监", "销售总监", "财务经理", "")),
            phone=make.mobile().display, email=make.person_email(person, company.domain) if rng.random() < 0.7 else "",
            source=rng.choice(LeadSource.values[:10]), campaign=rng.choice(CAMPAIGNS), rating=rng.choice(LeadRating.values + [""]),
            industry=industry, employees=rng.choice((20, 80, 300, 800, 2000)),
            budget=Decimal(rng.choice((0, 50_000, 120_000, 300_000, 800_000))), province=place.province.name, city=place.city.name,
        )
        roll = rng.random()
        if roll < 0.35:
            services.lead_set_status(lead=lead, acting_user=owner, status=LeadStatus.WORKING)
        elif roll < 0.5:
            services.lead_set_status(lead=lead, acting_user=owner, status=LeadStatus.QUALIFIED)
        elif roll < 0.6:
            services.lead_disqualify(lead=lead, acting_user=owner, reason=rng.choice(DisqualifyReason.values[:6]))
        # Spread the last touch over the past two weeks, so that some leads are due for escalation.
        lead_type = type(lead)
        lead_type.objects.filter(pk=lead.pk).update(last_touched_at=now - datetime.timedelta(hours=rng.randint(1, 14 * 24)))


def _opportunities(rng, pipeline, competitors, reps, now) -> None:
    stages = list(pipeline.stages.order_by("order"))
    open_stages = [s for s in stages if not s.is_closed]
    won = next(s for s in stages if s.is_won)
    lost = next(s for s in stages if s.is_lost)
    accounts = list(Account.objects.filter(owner__in=reps).order_by("id")[:80])
    if not accounts:
        accounts = list(Account.objects.order_by("id")[:80])
    today = now.date()
    for n, account in enumerate(accounts):
        owner = User.objects.get(pk=account.owner_id)
        opportunity = services.opportunity_create(
            acting_user=owner, account=account, pipeline=pipeline, name=f"{account.name[:40]} · {rng.choice(PRODUCTS)}",
            amount=Decimal(rng.randrange(20_000, 2_000_000, 1_000)),
            expected_close_date=today + datetime.timedelta(days=rng.randint(-20, 150)),
            next_step=rng.choice(("安排产品演示", "发送报价", "约见采购", "技术交流", "")),
            competitors=rng.sample(competitors, k=rng.randint(0, 2)),
        )
        # Walk it through the stages; the final few become won or lost.
        target = rng.randint(0, len(open_stages) - 1)
        for stage in open_stages[1: target + 1]:
            services.opportunity_move(opportunity=opportunity, stage=stage, acting_user=owner)
        roll = rng.random()
        if roll < 0.2:
            services.opportunity_move(opportunity=opportunity, stage=won, acting_user=owner, close_reason=rng.choice(CloseReason.values))
        elif roll < 0.35:
            services.opportunity_move(opportunity=opportunity, stage=lost, acting_user=owner, close_reason=rng.choice(CloseReason.values),
                                      won_against=rng.choice(competitors))
        _backdate(opportunity, now, rng)


def _backdate(opportunity: Opportunity, now, rng) -> None:
    """Spread the stage history over the past months (the services stamp everything "now")."""
    changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("changed_at", "id"))
    at = now - datetime.timedelta(days=rng.randint(20, 120))
    previous = None
    for change in changes:
        seconds = int((at - previous).total_seconds()) if previous else 0
        StageChange.objects.filter(pk=change.pk).update(changed_at=at, seconds_in_from_stage=seconds)
        previous = at
        at = at + datetime.timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 23))
        at = min(at, now)
    fields = {"stage_entered_at": previous or now}
    if opportunity.closed_at is not None:
        fields["closed_at"] = previous or now
    Opportunity.objects.filter(pk=opportunity.pk).update(**fields)
