"""The sales plan page: for a month, quarter or year, the manager's teams and their reps with quota, won,
weighted pipeline and attainment; quota cells edited in place (htmx), a team's quota checked against the
sum of its members', and quotas copied from the previous period."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import Team, User
from guanxi.framework.services import field_errors

from . import selectors, services
from .forecast_views import adjustable, attainment, month_of, quarter_of
from .models import Opportunity, Quota
from .plan_selectors import quotas_visible

PLAN_PERIODS = (("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter")), ("year", gettext_lazy("Year")))


def plan_period(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    if period == "year":
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    return month_of(day) if period == "month" else quarter_of(day)


def _period_from(data) -> tuple[str, datetime.date, datetime.date]:
    period = data.get("period") if data.get("period") in dict(PLAN_PERIODS) else "quarter"
    try:
        day = datetime.date.fromisoformat(data.get("start", ""))
    except ValueError:
        day = timezone.localdate()
    start, end = plan_period(day, period)
    return period, start, end


def plan_scope(user) -> tuple[list[Team], set[int]]:
    """The teams on the user's plan page — those they manage and the teams below (every team for a superuser), else
    their own team, read only — and the ids of those whose quotas (and members' quotas) the user may set: what
    ``services.can_set_quota`` allows, for a whole page at once."""
    _users, managed = adjustable(user)
    teams = list(managed.select_related("manager", "parent"))
    settable = {team.pk for team in teams} if user.has_perm("sales.add_quota") else set()
    if not teams and user.team_id:
        teams = [Team.objects.select_related("manager", "parent").get(pk=user.team_id)]
    return teams, settable


def team_block(user, team: Team, start, end, *, members=None, quotas=None, figures=None, errors=None, values=None, settable=None) -> dict:
    """What the page shows for one team: members' rows, the team's row, the sum of members' quotas and the difference."""
    if settable is None:
        settable = plan_scope(user)[1]
    if members is None:
        members = list(User.objects.filter(team=team, is_active=True).order_by("username"))
    if quotas is None:
        quotas = _quotas(user, [team], members, start, end)
    if figures is None:
        figures = _figures(user, members, start, end)
    errors, values = errors or {}, values or {}
    zero = Decimal("0.00")
    rows, member_sum, won_sum, weighted_sum = [], Decimal("0.00"), zero, zero
    for member in members:
        quota = quotas.get(("user", member.pk))
        won, weighted = figures.get(member.pk, (zero, zero))
        rows.append({"user": member, "subject": f"user:{member.pk}", "quota": quota, "won": won, "weighted": weighted, "attainment": attainment(won, quota),
                     "editable": team.pk in settable and (member.pk != user.pk or user.is_superuser), "error": errors.get(("user", member.pk)),
                     "value": values.get(("user", member.pk))})
        member_sum += quota or zero
        won_sum += won
        weighted_sum += weighted
    team_quota = quotas.get(("team", team.pk))
    return {
        "team": team, "subject": f"team:{team.pk}", "rows": rows, "quota": team_quota, "member_sum": member_sum,
        "excess": (member_sum - team_quota) if team_quota is not None else None, "won": won_sum, "weighted": weighted_sum,
        "difference": (team_quota - member_sum) if team_quota is not None else None,
        "attainment": attainment(won_sum, team_quota), "editable": team.pk in settable,
        "error": errors.get(("team", team.pk)), "value": values.get(("team", team.pk)),
    }


def _quotas(user, teams, members, start, end) -> dict:
    """Reps' quotas the user may see (``Quota.visible_to``: their own, their teams' below them) and the teams' quotas."""
    out = {}
    for quota in quotas_visible(user).filter(period_start=start, period_end=end, user__in=members).only("user_id", "amount"):
        out[("user", quota.user_id)] = quota.amount
    for quota in Quota.objects.filter(period_start=start, period_end=end, team__in=teams).only("team_id", "amount"):
        out[("team", quota.team_id)] = quota.amount
    return out


def _figures(user, members, start, end) -> dict:
    """Won and weighted pipeline per rep in the period, as the forecast counts them (one GROUP BY, visible deals only)."""
    queryset = Opportunity.objects.visible_to(user).filter(owner__in=members)
    result = selectors.forecast_rollup(user=user, start=start, end=end, by="owner", queryset=queryset)
    return {row["key"]: (row["won"], row["weighted"]) for row in result["rows"]}


@login_required
@permission_required("sales.view_quota", raise_exception=True)
def sales_plan(request):
    period, start, end = _period_from(request.GET)
    teams, settable = plan_scope(request.user)
    members = list(User.objects.filter(team__in=teams, is_active=True).order_by("username"))
    quotas = _quotas(request.user, teams, members, start, end)
    figures = _figures(request.user, members, start, end)
    blocks = [team_block(request.user, team, start, end, members=[m for m in members if m.team_id == team.pk], quotas=quotas, figures=figures,
                         settable=settable) for team in teams]
    previous_end = start - datetime.timedelta(days=1)
    return render(request, "sales/sales_plan.html", {
        "page_title": _("Sales plan"), "blocks": blocks, "period": period, "periods": PLAN_PERIODS, "start": start, "end": end,
        "previous": plan_period(previous_end, period)[0], "next": end + datetime.timedelta(days=1),
        "can_copy": any(b["editable"] or any(r["editable"] for r in b["rows"]) for b in blocks),
    })


def _parse_amount(text: str):
    text = (text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError({"amount": _("“%(value)s” is not an amount.") % {"value": text}}) from None


@login_required
@permission_required("sales.add_quota", raise_exception=True)
@require_POST
def sales_plan_quota(request):
    """Save one quota cell; the answer is the team's block again (sums and difference updated) or the cell's error."""
    period, start, end = _period_from(request.POST)
    team_pk = request.POST.get("team_block", "")
    team = get_object_or_404(Team, pk=team_pk) if team_pk.isdigit() else None
    if team is None:
        raise Http404
    teams, settable = plan_scope(request.user)
    if team not in teams:
        raise Http404
    subject = request.POST.get("subject", "")
    kind, _sep, pk = subject.partition(":")
    if not pk.isdigit():
        raise Http404
    if kind == "user":
        target = {"user": get_object_or_404(User, pk=pk, team=team, is_active=True)}
    elif kind == "team" and pk == str(team.pk):
        target = {"team": team}
    else:
        raise Http404
    key = (kind, int(pk))
    errors, values = {}, {}
    raw = request.POST.get("amount", "")
    if not services.can_set_quota(request.user, **target):
        errors[key], values[key] = _("You may not set this quota."), raw
    else:
        try:
            amount = _parse_amount(raw)
            if amount is None:
                existing = Quota.objects.filter(period_start=start, period_end=end, **target).first()
                if existing is not None:
                    services.quota_delete(quota=existing, acting_user=request.user)
            else:
                services.quota_set(acting_user=request.user, period_start=start, period_end=end, amount=amount, **target)
        except ValidationError as exc:
            errors[key] = _("Quota: %(reasons)s") % {"reasons": " ".join(r for reasons in field_errors(exc).values() for r in reasons)}
            values[key] = raw
    block = team_block(request.user, team, start, end, errors=errors, values=values, settable=settable)
    if not request.htmx:
        if errors:
            messages.error(request, errors[key])
        return HttpResponseRedirect(reverse("sales:sales_plan") + f"?period={period}&start={start}")
    return render(request, "sales/_sales_plan_team.html", {"block": block, "period": period, "start": start})


@login_required
@permission_required("sales.add_quota", raise_exception=True)
@require_POST
def sales_plan_copy(request):
    """Copy the previous period's quotas (of the teams and reps the user may set) into this period; existing ones stay
    unless ``overwrite`` is ticked."""
    period, start, end = _period_from(request.POST)
    source_start, source_end = plan_period(start - datetime.timedelta(days=1), period)
    _teams, settable = plan_scope(request.user)
    members = User.objects.filter(team__in=settable, is_active=True)
    if not request.user.is_superuser:
        members = members.exclude(pk=request.user.pk)
    result = services.quotas_copy(
        acting_user=request.user, source_start=source_start, source_end=source_end, period_start=start, period_end=end,
        users=list(members), teams=list(Team.objects.filter(pk__in=settable)), overwrite=bool(request.POST.get("overwrite")))
    messages.success(request, _("%(copied)d quotas copied from %(start)s – %(end)s; %(kept)d already set were kept.")
                     % {"copied": result["copied"], "kept": result["kept"], "start": source_start, "end": source_end})
    return HttpResponseRedirect(reverse("sales:sales_plan") + f"?period={period}&start={start}")
