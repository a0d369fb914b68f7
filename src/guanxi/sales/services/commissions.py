"""Commission plans, rules and statements.

**Basis**: won opportunities — an opportunity counts for its owner in the period its ``closed_at``
(local date, ``TIME_ZONE``) falls in, for its full ``amount``, when its currency is the plan's.
Paid orders are not used: a won deal is what a rep controls, and a statement is recomputed as long
as it is a draft.

**Arithmetic** (Decimal, exact): the deals are taken in the order they were won; the won total so
far places each deal against the quota. A rule's tiers cut the quota into bands
(``quota × attainment_from ÷ 100``, each boundary rounded half up to 0.01); the part of a deal in a
band earns the band's rate. One line per (deal, band): ``round_half_up(part × rate ÷ 100, 0.01)``; the
statement's total is the sum of its rounded lines. Without a quota for exactly the period the whole
deal earns the rule's first tier's rate. A deal no rule matches gets a line of 0.00.

**Products**: a deal with product lines is cut into its lines (in their order; a configured product's
option lines count as its product); each line's net amount goes to the first rule whose account value
tier and product match. If the lines do not add up to the deal's amount (the amount was set by hand
before lines were added), the rest is one more part without a product. A deal without lines is one part
without a product, which only product-less rules take. The parts are placed against the quota one
after another, so a deal crossing 100 % pays the accelerator on the products above the line.

Recomputing a draft replaces its lines (the same input gives the same lines); an approved or paid
statement is never recomputed.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import services as core_services
from guanxi.core.models import Team, User
from guanxi.framework import services as base

from ..choices import OpportunityStatus, StatementStatus
from ..models import (
    CommissionAssignment, CommissionLine, CommissionPlan, CommissionRule, CommissionStatement, CommissionTier, Opportunity, OpportunityLine,
    Product, Quota,
)

__all__ = [
    "commission_deal_parts", "commission_assignment_create", "commission_assignment_delete", "commission_plan_create", "commission_plan_update",
    "commission_rule_delete", "commission_rule_save", "commission_split", "commission_statement_approve", "commission_statement_compute",
    "commission_statement_pay", "commission_statements_compute", "commission_plan_for", "parse_tiers",
]

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- plans, rules, assignments -------------------------------------------------------------------


@transaction.atomic
def commission_plan_create(*, acting_user, name: str, currency: str = "CNY", description: str = "", is_active: bool = True) -> CommissionPlan:
    return base.create(CommissionPlan(name=name.strip(), currency=(currency or "CNY").upper(), description=description, is_active=is_active),
                       acting_user=acting_user)


@transaction.atomic
def commission_plan_update(*, plan: CommissionPlan, acting_user, **data) -> dict:
    if "currency" in data:
        data["currency"] = (data["currency"] or "CNY").upper()
    return base.update(plan, acting_user=acting_user, data=data)


def parse_tiers(text: str) -> list[tuple[Decimal, Decimal]]:
    """``"0=5; 100=8"`` → [(0, 5), (100, 8)]: from that attainment (% of quota) on, that rate (%)."""
    tiers: list[tuple[Decimal, Decimal]] = []
    for part in (text or "").replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
        part = part.strip().replace("％", "").replace("%", "")
        if not part:
            continue
        if "=" not in part:
            raise ValidationError({"tiers": _("“%(part)s” is not “attainment=rate”, e.g. 0=5; 100=8.") % {"part": part}})
        left, right = (p.strip() for p in part.split("=", 1))
        try:
            tiers.append((Decimal(left), Decimal(right)))
        except ArithmeticError:
            raise ValidationError({"tiers": _("“%(part)s” is not “attainment=rate”, e.g. 0=5; 100=8.") % {"part": part}}) from None
    return tiers


def _check_tiers(tiers: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    tiers = sorted(tiers)
    if not tiers or tiers[0][0] != 0:
        raise ValidationError({"tiers": _("The first tier starts at an attainment of 0.")})
    if len({t[0] for t in tiers}) != len(tiers):
        raise ValidationError({"tiers": _("Two tiers start at the same attainment.")})
    for start, rate in tiers:
        if start < 0 or rate < 0 or rate > 100 or start.as_tuple().exponent < -2 or rate.as_tuple().exponent < -2:
            raise ValidationError({"tiers": _("Attainments are 0 or more and rates between 0 and 100, with at most two decimals.")})
    return tiers


@transaction.atomic
def commission_rule_save(*, acting_user, plan: CommissionPlan, name: str, tiers: Iterable[tuple[Decimal, Decimal]], order: int = 10,
                         value_tier: str = "", product: Product | None = None, rule: CommissionRule | None = None) -> CommissionRule:
    """Create or change a rule and replace its tiers."""
    tiers = _check_tiers([(Decimal(a), Decimal(r)) for a, r in tiers])
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the rule a name.")})
    data = {"name": name, "order": order, "value_tier": value_tier or "", "product": product}
    if rule is None:
        rule = base.create(CommissionRule(plan=plan, **data), acting_user=acting_user)
    else:
        base.update(rule, acting_user=acting_user, data=data)
        rule.tiers.all().delete()
    CommissionTier.objects.bulk_create([CommissionTier(rule=rule, attainment_from=a, rate=r) for a, r in tiers])
    return rule


@transaction.atomic
def commission_rule_delete(*, rule: CommissionRule, acting_user) -> None:
    base.delete(rule, acting_user=acting_user)


@transaction.atomic
def commission_assignment_create(*, acting_user, plan: CommissionPlan, start_date: datetime.date, user: User | None = None,
                                 team: Team | None = None, end_date: datetime.date | None = None) -> CommissionAssignment:
    if (user is None) == (team is None):
        raise ValidationError({"user": _("Give either a user or a team.")})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The period ends before it starts.")})
    return base.create(CommissionAssignment(plan=plan, user=user, team=team, start_date=start_date, end_date=end_date), acting_user=acting_user)


@transaction.atomic
def commission_assignment_delete(*, assignment: CommissionAssignment, acting_user) -> None:
    base.delete(assignment, acting_user=acting_user)


def commission_plan_for(user: User, day: datetime.date) -> CommissionPlan | None:
    """The user's own assignment on ``day``, else the nearest team's (the user's team, then up)."""
    current = (Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))) & Q(plan__is_active=True)
    own = CommissionAssignment.objects.filter(current, user=user).select_related("plan").order_by("-start_date", "-id").first()
    if own is not None:
        return own.plan
    team, seen = user.team, set()
    while team is not None and team.pk not in seen:
        found = CommissionAssignment.objects.filter(current, team=team).select_related("plan").order_by("-start_date", "-id").first()
        if found is not None:
            return found.plan
        seen.add(team.pk)
        team = team.parent
    return None


# -- arithmetic --------------------------------------------------------------------------------


def commission_split(*, amount: Decimal, won_before: Decimal, quota: Decimal | None,
                     tiers: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal, Decimal | None, Decimal | None, Decimal]]:
    """Cut a deal of ``amount``, won after ``won_before``, into tier bands.

    Returns (part, rate, band_from, band_to, commission) per band the deal reaches. Pure and exact.
    """
    if not tiers:
        return []
    if not quota:
        rate = tiers[0][1]
        return [(amount, rate, None, None, _cents(amount * rate / 100))]
    out = []
    low, high = won_before, won_before + amount
    for index, (start, rate) in enumerate(tiers):
        band_low = _cents(quota * start / 100)
        following = tiers[index + 1][0] if index + 1 < len(tiers) else None
        band_high = _cents(quota * following / 100) if following is not None else None
        part_low = max(low, band_low)
        part_high = high if band_high is None else min(high, band_high)
        if part_high > part_low:
            part = part_high - part_low
            out.append((part, rate, start, following, _cents(part * rate / 100)))
    return out


def commission_deal_parts(*, amount: Decimal, lines: Iterable[tuple[int, Decimal]]) -> list[tuple[int | None, Decimal]]:
    """The parts a won deal of ``amount`` is paid on: (product id, amount) per product line, in order.

    ``lines`` are (product id, net amount) in the deal's line order. With no lines, the whole deal is one
    part without a product. Whatever the lines leave of the amount (or take beyond it) is a last part
    without a product, so the parts always sum to the deal's amount. Pure and exact.
    """
    parts = [(product_id, net) for product_id, net in lines if net]
    rest = amount - sum((net for _, net in parts), Decimal("0.00"))
    if rest or not parts:
        parts.append((None, rest))
    return parts


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@transaction.atomic
def commission_statement_compute(*, acting_user, user: User, period_start: datetime.date, period_end: datetime.date) -> CommissionStatement:
    """Compute (or recompute, while a draft) ``user``'s statement for the period."""
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    plan = commission_plan_for(user, period_start)
    if plan is None:
        raise ValidationError({"user": _("%(user)s is on no active commission plan on %(day)s.") % {"user": user, "day": period_start}})
    statement = (CommissionStatement.objects.select_for_update()
                 .filter(user=user, period_start=period_start, period_end=period_end).first())
    if statement is not None and statement.status != StatementStatus.DRAFT:
        raise ValidationError({"status": _("The statement is %(status)s; only a draft is recomputed.") % {"status": statement.get_status_display()}})
    quota = Quota.objects.filter(user=user, period_start=period_start, period_end=period_end).values_list("amount", flat=True).first()
    rules = list(plan.rules.prefetch_related("tiers").order_by("order", "id"))
    schedule = {rule.pk: [(t.attainment_from, t.rate) for t in sorted(rule.tiers.all(), key=lambda t: t.attainment_from)] for rule in rules}
    deals = (Opportunity.objects.filter(owner=user, status=OpportunityStatus.WON, currency=plan.currency,
                                        closed_at__gte=_local_midnight(period_start),
                                        closed_at__lt=_local_midnight(period_end + datetime.timedelta(days=1)))
             .select_related("account").order_by("closed_at", "id")
             .prefetch_related(Prefetch("lines", to_attr="commission_lines",
                                        queryset=OpportunityLine.objects.select_related("parent").order_by("position", "id"))))
    lines: list[CommissionLine] = []
    won = Decimal("0.00")
    for deal in deals:
        product_lines = [(line.parent.product_id if line.parent_id else line.product_id, line.amount) for line in deal.commission_lines]
        for product_id, part_amount in commission_deal_parts(amount=deal.amount, lines=product_lines):
            rule = next((r for r in rules if r.matches(value_tier=deal.account.value_tier, product_id=product_id)), None)
            if rule is None:
                lines.append(CommissionLine(opportunity=deal, rule=None, product_id=product_id, base_amount=part_amount, rate=Decimal("0"),
                                            amount=Decimal("0.00")))
            else:
                for part, rate, band_from, band_to, commission in commission_split(amount=part_amount, won_before=won, quota=quota,
                                                                                   tiers=schedule[rule.pk]):
                    lines.append(CommissionLine(opportunity=deal, rule=rule, product_id=product_id, base_amount=part, rate=rate,
                                                amount=commission, band_from=band_from, band_to=band_to))
            won += part_amount
    total = sum((line.amount for line in lines), Decimal("0.00"))
    values = {"plan": plan, "currency": plan.currency, "quota": quota, "won_total": won, "total": total}
    if statement is None:
        statement = base.create(CommissionStatement(user=user, period_start=period_start, period_end=period_end, computed_at=timezone.now(),
                                                    **values), acting_user=acting_user)
    else:
        base.update(statement, acting_user=acting_user, data=values, derived={"computed_at": timezone.now()})
        statement.lines.all().delete()
    for position, line in enumerate(lines):
        line.statement, line.position = statement, position
    CommissionLine.objects.bulk_create(lines)
    return statement


def _users_on_plans(day: datetime.date) -> list[User]:
    current = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day)) & Q(plan__is_active=True)
    user_ids = set(CommissionAssignment.objects.filter(current, user__isnull=False).values_list("user_id", flat=True))
    teams = set(CommissionAssignment.objects.filter(current, team__isnull=False).values_list("team_id", flat=True))
    frontier = set(teams)
    while frontier:
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - teams
        teams |= frontier
    user_ids |= set(User.objects.filter(team_id__in=teams).values_list("pk", flat=True))
    return list(User.objects.filter(pk__in=user_ids, is_active=True).select_related("team").order_by("username"))


def commission_statements_compute(*, acting_user, period_start: datetime.date, period_end: datetime.date) -> dict:
    """Compute the draft statements of everyone on a plan for the period; approved and paid ones stay."""
    computed, kept = [], []
    for user in _users_on_plans(period_start):
        try:
            computed.append(commission_statement_compute(acting_user=acting_user, user=user, period_start=period_start, period_end=period_end))
        except ValidationError:
            kept.append(user)
    return {"computed": computed, "kept": kept}


# -- approval -----------------------------------------------------------------------------------


@transaction.atomic
def commission_statement_approve(*, statement: CommissionStatement, acting_user) -> dict:
    if statement.status != StatementStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft statement is approved.")})
    if statement.user_id == acting_user.pk and not acting_user.is_superuser:
        raise ValidationError({"status": _("Nobody approves their own commission.")})
    changes = base.update(statement, acting_user=acting_user, data={"status": StatementStatus.APPROVED, "approved_by": acting_user,
                                                                      "approved_at": timezone.now()})
    _notify(statement, acting_user, _("Your commission statement %(statement)s was approved.") % {"statement": statement})
    return changes


@transaction.atomic
def commission_statement_pay(*, statement: CommissionStatement, acting_user) -> dict:
    if statement.status != StatementStatus.APPROVED:
        raise ValidationError({"status": _("Only an approved statement is marked paid.")})
    changes = base.update(statement, acting_user=acting_user, data={"status": StatementStatus.PAID, "paid_at": timezone.now()})
    _notify(statement, acting_user, _("Your commission statement %(statement)s was paid.") % {"statement": statement})
    return changes


def _notify(statement: CommissionStatement, acting_user, title: str) -> None:
    if statement.user_id != acting_user.pk:
        core_services.notification_send(recipient=statement.user, title=title, url=statement.get_absolute_url(), sender=acting_user)
