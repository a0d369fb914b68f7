"""Reads of sales data, always through ``visible_to(user)``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, Count, F, Q, Sum
from django.db.models.functions import Cast, Round
from django.utils import timezone

from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Account, AccountContact, PhoneNumber
from guanxi.framework.text import format_phone, query_terms

from .choices import OpportunityStatus
from .filters import text_search_q
from .models import Lead, Opportunity, Pipeline, StageChange

BOARD_CARDS_PER_STAGE = 20


#: the columns a lead's line in the global search shows
LEAD_RESULT_FIELDS = ("name", "company", "status", "phone")


def lead_search(*, user, query: str, limit: int = 10, only: tuple[str, ...] = ()) -> list[Lead]:
    """The newest leads ``user`` sees that match ``query``; ``only``: the columns to read (else all, and the owner)."""
    terms = query_terms(query)
    if not terms["text"]:
        return []
    leads = Lead.objects.visible_to(user).filter(text_search_q(Lead, terms))
    leads = leads.only(*only) if only else leads.select_related("owner")
    return list(leads.order_by("-updated_at", "-id")[:limit])


def lead_search_results(*, user, query: str, limit: int, kind_label) -> list[dict]:
    out = []
    for lead in lead_search(user=user, query=query, limit=limit, only=LEAD_RESULT_FIELDS):
        phone = format_phone(lead.phone, settings.GUANXI_DEFAULT_REGION) if lead.phone else ""
        subtitle = " · ".join(x for x in (lead.company, lead.get_status_display(), phone) if x)
        out.append({"title": lead.name, "subtitle": subtitle, "url": lead.get_absolute_url(), "kind": kind_label})
    return out


def duplicate_accounts(*, user, lead: Lead, limit: int = 10) -> list[Account]:
    """Accounts the lead may already be: by company name (characters, pinyin) and by phone number."""
    found: dict[int, Account] = {}
    for query in (lead.company, lead.name if not lead.company else ""):
        if query:
            for account in customer_selectors.account_search(user=user, query=query, limit=limit):
                found.setdefault(account.pk, account)
    if lead.phone:
        # The number on an account, or on a contact who works for one (the phone index answers both).
        owners = PhoneNumber.objects.filter(number=lead.phone)
        account_ids = owners.filter(account__isnull=False).values("account_id")
        contact_ids = owners.filter(contact__isnull=False).values("contact_id")
        matches = Account.objects.visible_to(user).filter(
            Q(pk__in=account_ids) | Q(pk__in=AccountContact.objects.filter(contact_id__in=contact_ids).values("account_id"))
        )
        for account in matches.select_related("owner").order_by("pk")[:limit]:
            found.setdefault(account.pk, account)
    return list(found.values())[:limit]


#: what a board card shows (read as values: no model instances for 120 cards)
BOARD_CARD_VALUES = ("id", "name", "amount", "currency", "expected_close_date", "stage_id", "account__name",
                     "owner__username", "owner__display_name", "owner__first_name", "owner__last_name")


def board_figures_from_totals(*, user, pipeline: Pipeline, totals_filter: Q | None = None) -> dict:
    """Count and amount per stage from the kept totals (``OpportunityStageTotal``) the user may see: a sum over
    a few rows per (owner, account) instead of a scan of every deal. ``totals_filter`` narrows by owner, account
    or the account's territory (what the totals know)."""
    from .models import OpportunityStageTotal

    rows = OpportunityStageTotal.objects.visible_to(user).filter(pipeline=pipeline)
    if totals_filter is not None:
        rows = rows.filter(totals_filter)
    figures = {}
    for row in rows.order_by().values("stage").annotate(count=Sum("count"), cents=Sum("total_cents")):
        figures[row["stage"]] = {"count": row["count"] or 0, "total": Decimal(row["cents"] or 0) / 100}
    return figures


def board(*, user, pipeline: Pipeline, queryset=None, per_stage: int = BOARD_CARDS_PER_STAGE, totals_filter: Q | None = None,
          from_totals: bool = False) -> list[dict]:
    """The kanban columns of ``pipeline``: each stage with its count, total, weighted total and top cards.

    The figures come from the kept totals when ``from_totals`` (no filter, or only filters the totals
    answer: owner, account, territory — ``totals_filter``), else from one aggregate over ``queryset``;
    then the largest deals of each stage (an index range scan each: pipeline, stage, amount), as dicts of
    ``BOARD_CARD_VALUES``.
    """
    stages = list(pipeline.stages.order_by("order"))
    base = (queryset if queryset is not None else Opportunity.objects.visible_to(user)).filter(pipeline=pipeline)
    if from_totals:
        figures = board_figures_from_totals(user=user, pipeline=pipeline, totals_filter=totals_filter)
    else:
        figures = {
            row["stage"]: row
            for row in base.order_by().values("stage").annotate(count=Count("id"), total=Sum("amount"))
        }
    cards = _board_cards(base, stages, per_stage)
    columns = []
    for stage in stages:
        row = figures.get(stage.pk, {})
        total = row.get("total") or Decimal("0")
        columns.append({
            "stage": stage, "cards": cards[stage.pk], "count": row.get("count", 0), "total": total,
            "weighted": (total * Decimal(stage.probability) / 100).quantize(Decimal("0.01")),
            "more": max(0, row.get("count", 0) - len(cards[stage.pk])),
        })
    return columns


def _board_cards(base, stages, per_stage: int) -> dict[int, list[dict]]:
    """Each stage's ``per_stage`` largest visible deals. On PostgreSQL one statement (a ``UNION ALL`` of the
    stages' index range scans): one round trip instead of one per stage. SQLite cannot limit the parts of a
    compound statement, so there it is one query per stage."""
    parts = [base.filter(stage=stage).order_by("-amount", "id").values(*BOARD_CARD_VALUES)[:per_stage] for stage in stages]
    cards: dict[int, list[dict]] = {stage.pk: [] for stage in stages}
    if not parts:
        return cards
    if connection.features.supports_slicing_ordering_in_compound and len(parts) > 1:
        rows = parts[0].union(*parts[1:], all=True)
    else:
        rows = (row for part in parts for row in part)
    for row in rows:
        cards[row["stage_id"]].append(row)
    for stage_cards in cards.values():  # SQL does not promise the parts' order in a UNION
        stage_cards.sort(key=lambda card: (-card["amount"], card["id"]))
    return cards


#: what the stage report reads of a deal, its account, owner and stage
STAGE_REPORT_FIELDS = ("name", "amount", "probability", "expected_close_date", "stage_entered_at", "owner_id", "stage_id", "account__name",
                       "stage__name", "owner__username", "owner__display_name", "owner__first_name", "owner__last_name")


def stage_report(*, user, pipeline: Pipeline, queryset=None, per_stage: int = 40) -> list[dict]:
    """Open opportunities with days in stage, days to the expected close, probability, and the owner's
    historical win rate from that stage (of the owner's closed deals that reached it, the share won).

    Per open stage, the ``per_stage`` deals closing soonest: one index range scan each
    (``opp_stage_close_idx``), so the report stays fast however many deals the pipeline holds.
    """
    base = (queryset if queryset is not None else Opportunity.objects.visible_to(user)).filter(pipeline=pipeline)
    opportunities = []
    for stage in pipeline.stages.filter(is_won=False, is_lost=False).order_by("order"):
        opportunities += list(
            base.filter(stage=stage).select_related("account", "owner", "stage").only(*STAGE_REPORT_FIELDS)
            .order_by("expected_close_date", "id")[:per_stage]
        )
    rates = win_rates(owner_ids={o.owner_id for o in opportunities}, stage_ids={o.stage_id for o in opportunities})
    now, today = timezone.now(), timezone.localdate()
    rows = []
    for o in opportunities:
        won, closed = rates.get((o.owner_id, o.stage_id), (0, 0))
        rows.append({
            "opportunity": o,
            "days_in_stage": (now - o.stage_entered_at).days,
            "days_to_close": (o.expected_close_date - today).days,
            "probability": o.probability,
            "win_rate": round(100 * won / closed) if closed else None,
            "closed_from_stage": closed,
        })
    return rows


def win_rates(*, owner_ids: set[int], stage_ids: set[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(owner, stage) -> (won, closed) over the closed opportunities that owner took through that stage.

    Read from the kept ``OwnerStageOutcome`` rows (a few per owner and stage), not from the stage history:
    the same figures as :func:`win_rates_counted` without joining every stage change to its deal.
    """
    from .models import OwnerStageOutcome

    if not owner_ids or not stage_ids:
        return {}
    rows = (
        OwnerStageOutcome.objects.filter(owner_id__in=owner_ids, stage_id__in=stage_ids)
        .order_by().values("owner_id", "stage_id").annotate(won=Sum("won"), closed=Sum("closed"))
    )
    return {(r["owner_id"], r["stage_id"]): (r["won"], r["closed"]) for r in rows if r["closed"]}


def stage_outcomes_counted(*, owner_ids: set[int] | None = None, stage_ids: set[int] | None = None):
    """Per (owner, pipeline, stage) of the stage history, the closed deals the owner took through the stage
    and how many were won, counted from the history (every owner and stage when not narrowed): what
    ``OwnerStageOutcome`` keeps, for rebuilds, checks and tests; it joins the whole history to the deals."""
    changes = StageChange.objects.all()
    if owner_ids is not None:
        changes = changes.filter(owner_id__in=owner_ids)
    if stage_ids is not None:
        changes = changes.filter(to_stage_id__in=stage_ids)
    return (
        changes.filter(owner_id__isnull=False, opportunity__status__in=(OpportunityStatus.WON, OpportunityStatus.LOST))
        .order_by().values("owner_id", "to_stage_id", "to_stage__pipeline_id")
        .annotate(
            closed=Count("opportunity", distinct=True),
            won=Count("opportunity", distinct=True, filter=Q(opportunity__status=OpportunityStatus.WON)),
        )
    )


def win_rates_counted(*, owner_ids: set[int] | None = None, stage_ids: set[int] | None = None) -> dict[tuple[int, int], tuple[int, int]]:
    """What :func:`win_rates` reads, counted from the stage history (:func:`stage_outcomes_counted`)."""
    return {(r["owner_id"], r["to_stage_id"]): (r["won"], r["closed"])
            for r in stage_outcomes_counted(owner_ids=owner_ids, stage_ids=stage_ids)}


def time_in_stages(*, opportunity: Opportunity) -> list[dict]:
    """Each stage the opportunity was in, with how long it stayed (the current one up to now)."""
    changes = list(opportunity.stage_changes.select_related("to_stage", "changed_by").order_by("changed_at", "id"))
    out = []
    for i, change in enumerate(changes):
        left = changes[i + 1].changed_at if i + 1 < len(changes) else None
        seconds = ((left or timezone.now()) - change.changed_at).total_seconds()
        out.append({"change": change, "stage": change.to_stage, "entered": change.changed_at, "left": left,
                    "days": round(seconds / 86400, 1), "current": left is None})
    return out


def account_opportunities(*, user, account: Account, limit: int = 20):
    """Lazy (a QuerySet): a 360° panel that is not shown costs no query."""
    return (
        Opportunity.objects.visible_under(user, "account", account).select_related("stage", "owner")
        .order_by("status", "expected_close_date", "id")[:limit]
    )


def pipeline_summary(*, user, account: Account) -> dict:
    qs = Opportunity.objects.visible_under(user, "account", account)
    return qs.aggregate(
        open_count=Count("id", filter=Q(status=OpportunityStatus.OPEN)),
        open_amount=Sum("amount", filter=Q(status=OpportunityStatus.OPEN)),
        won_amount=Sum("amount", filter=Q(status=OpportunityStatus.WON)),
    )


def default_board_pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "id").first()



FORECAST_GROUPS = {"owner": "owner", "team": "owner__team", "territory": "account__territory"}


def forecast_rollup(*, user, start, end, by: str = "owner", queryset=None) -> dict:
    """Sums of the opportunities closing in ``[start, end]`` by owner, team or territory, one GROUP BY.

    Categories as a sales forecast reads them: *won* (closed won in the period), *commit*, *best
    case* (commit + best case), *pipeline* (every open deal not omitted) and the *weighted* pipeline
    (amount × probability). Amounts are summed as they are stored; mixed currencies are not converted.
    """
    group = FORECAST_GROUPS[by]
    qs = (queryset if queryset is not None else Opportunity.objects.visible_to(user)).filter(
        expected_close_date__gte=start, expected_close_date__lte=end,
    )
    open_q = Q(status=OpportunityStatus.OPEN) & ~Q(forecast_category="omitted")
    # Whole cents, summed as integers: exact on PostgreSQL and SQLite alike (SQLite's decimals are floats).
    cents = Cast(Round(F("amount") * 100), BigIntegerField())
    rows = list(
        qs.order_by().values(group).annotate(
            won=Sum(cents, filter=Q(status=OpportunityStatus.WON)),
            commit=Sum(cents, filter=open_q & Q(forecast_category="commit")),
            best_case=Sum(cents, filter=open_q & Q(forecast_category__in=("commit", "best_case"))),
            pipeline=Sum(cents, filter=open_q),
            weighted=Sum(cents * F("probability"), filter=open_q),
            deals=Count("id"),
        )
    )
    keys = ("won", "commit", "best_case", "pipeline", "weighted")
    out, totals = [], dict.fromkeys(keys, 0)
    for row in rows:
        for k in keys:
            totals[k] += row[k] or 0
        out.append({"key": row[group], "deals": row["deals"], **{k: _money(row[k] or 0, weighted=k == "weighted") for k in keys}})
    totals = {k: _money(v, weighted=k == "weighted") for k, v in totals.items()}
    return {"rows": out, "totals": totals}


def _money(cents: int, *, weighted: bool = False) -> Decimal:
    """Integer cents (× percent for weighted sums) as a Decimal amount, rounded half up to the cent."""
    from decimal import ROUND_HALF_UP

    value = Decimal(cents) / (Decimal(10000) if weighted else Decimal(100))  # cents×percent: /100 /100
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def opportunity_search(*, user, query: str, limit: int = 8) -> list[Opportunity]:
    query = query.strip()
    if not query:
        return []
    return list(Opportunity.objects.visible_to(user).filter(name__icontains=query).select_related("account").order_by("-updated_at", "-id")[:limit])


def calendar_activities(*, user, owner, start, end):
    """Activities of ``owner`` (owned or attended) between ``start`` and ``end`` that ``user`` may see."""
    from .models import Activity

    return (
        Activity.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .filter(Q(owner=owner) | Q(attendee_links__user=owner))
        .select_related("account", "lead", "opportunity", "owner")
        .distinct()
        .order_by("starts_at", "id")
    )


def feed_activities(*, user, start, end):
    """What a user's iCalendar feed holds: their own and attended activities, not cancelled."""
    from .models import Activity

    return (
        Activity.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .filter(Q(owner=user) | Q(attendee_links__user=user))
        .exclude(status="cancelled")
        .select_related("account")
        .distinct()
        .order_by("starts_at", "id")
    )


def account_activities(*, user, account, limit: int = 10):
    from .models import Activity

    return Activity.objects.visible_under(user, "account", account).select_related("owner").order_by("-starts_at", "-id")[:limit]


def account_quotes(*, user, account, limit: int = 10):
    from .models import Quote

    return Quote.objects.visible_under(user, "account", account).exclude(status="superseded").order_by("-updated_at", "-id")[:limit]


def account_orders(*, user, account, limit: int = 10):
    from .models import SalesOrder

    return SalesOrder.objects.visible_under(user, "account", account).order_by("-ordered_at", "-id")[:limit]


def account_contracts(*, user, account, limit: int = 10):
    from .models import Contract

    return Contract.objects.visible_under(user, "account", account).order_by("-end_date", "-id")[:limit]


def competitor_win_loss(*, user) -> list[dict]:
    """Per competitor, over the closed opportunities you can see where it competed: won, lost, win rate,
    amounts, and how often it was named as the one the deal was lost to. Two grouped queries."""
    from .models import Competitor

    closed = Opportunity.objects.visible_to(user).filter(status__in=(OpportunityStatus.WON, OpportunityStatus.LOST))
    rows = {
        r["competitors"]: r for r in closed.filter(competitors__isnull=False).order_by().values("competitors").annotate(
            won=Count("id", filter=Q(status=OpportunityStatus.WON)), lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
            won_amount=Sum("amount", filter=Q(status=OpportunityStatus.WON)), lost_amount=Sum("amount", filter=Q(status=OpportunityStatus.LOST)),
        )
    }
    lost_to = dict(closed.filter(status=OpportunityStatus.LOST, won_against__isnull=False).order_by().values("won_against")
                   .annotate(n=Count("id")).values_list("won_against", "n"))
    out = []
    for competitor in Competitor.objects.filter(pk__in=set(rows) | set(lost_to)).order_by("name"):
        row = rows.get(competitor.pk, {})
        won, lost = row.get("won", 0), row.get("lost", 0)
        out.append({
            "competitor": competitor, "won": won, "lost": lost, "win_rate": round(100 * won / (won + lost)) if won + lost else None,
            "won_amount": row.get("won_amount") or Decimal("0"), "lost_amount": row.get("lost_amount") or Decimal("0"),
            "lost_to": lost_to.get(competitor.pk, 0),
        })
    return out
