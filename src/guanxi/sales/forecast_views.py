"""The forecast page: a month's or quarter's pipeline by owner, team or territory, against quotas,
with the managers' adjustments next to the reps' own numbers."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.models import Team, Territory, User
from guanxi.framework.feedback import report_errors
from guanxi.framework.forms import StyledForm

from . import forecasting, selectors, services
from .models import Quota

GROUPS = (("owner", gettext_lazy("owner")), ("team", gettext_lazy("team")), ("territory", gettext_lazy("territory")))
PERIODS = (("quarter", gettext_lazy("Quarter")), ("month", gettext_lazy("Month")))


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first, 1)
    after = datetime.date(day.year + (first + 3 > 12), (first + 3 - 1) % 12 + 1, 1)
    return start, after - datetime.timedelta(days=1)


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = day.replace(day=1)
    after = datetime.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, after - datetime.timedelta(days=1)


def period_of(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    return month_of(day) if period == "month" else quarter_of(day)


def attainment(won: Decimal, quota: Decimal | None) -> Decimal | None:
    """Won as a percentage of quota, to one decimal (half up); None without a quota."""
    if not quota:
        return None
    return (won * 100 / quota).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class QuotaForm(StyledForm):
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("team"), queryset=Team.objects.order_by("name"), required=False)
    territory = forms.ModelChoiceField(label=gettext_lazy("territory"), queryset=Territory.objects.order_by("name"), required=False)
    amount = forms.DecimalField(label=gettext_lazy("quota"), max_digits=18, decimal_places=2, min_value=0)
    period_start = forms.DateField(widget=forms.HiddenInput)
    period = forms.ChoiceField(choices=PERIODS, initial="quarter", widget=forms.HiddenInput, required=False)


class AdjustmentForm(StyledForm):
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("team"), queryset=Team.objects.none(), required=False)
    commit = forms.DecimalField(label=gettext_lazy("adjusted commit"), max_digits=18, decimal_places=2, min_value=0)
    best_case = forms.DecimalField(label=gettext_lazy("adjusted best case"), max_digits=18, decimal_places=2, min_value=0)
    note = forms.CharField(label=gettext_lazy("note"), max_length=1000)
    period_start = forms.DateField(widget=forms.HiddenInput)
    period = forms.ChoiceField(choices=PERIODS, initial="quarter", widget=forms.HiddenInput, required=False)

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        users, teams = adjustable(acting_user)
        self.fields["user"].queryset = users
        self.fields["team"].queryset = teams


def adjustable(acting_user):
    """The reps and teams ``acting_user`` may adjust: members of the teams they manage and below (not themselves)."""
    if acting_user is None:
        return User.objects.none(), Team.objects.none()
    if acting_user.is_superuser:
        return User.objects.filter(is_active=True).order_by("username"), Team.objects.order_by("name")
    managed = set(Team.objects.filter(manager=acting_user).values_list("pk", flat=True))
    frontier = set(managed)
    while frontier:
        frontier = set(Team.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - managed
        managed |= frontier
    return (User.objects.filter(is_active=True, team_id__in=managed).exclude(pk=acting_user.pk).order_by("username"),
            Team.objects.filter(pk__in=managed).order_by("name"))


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def forecast(request):
    try:
        day = datetime.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        day = timezone.localdate()
    period = request.GET.get("period") if request.GET.get("period") in dict(PERIODS) else "quarter"
    start, end = period_of(day, period)
    by = request.GET.get("by") if request.GET.get("by") in dict(GROUPS) else "owner"
    result = selectors.forecast_rollup(user=request.user, start=start, end=end, by=by)
    keys = [row["key"] for row in result["rows"] if row["key"] is not None]
    names: dict = {}
    quotas: dict = {}
    if by == "owner":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
        quotas = dict(Quota.objects.filter(user_id__in=keys, period_start=start, period_end=end).values_list("user_id", "amount"))
    elif by == "team":
        names = dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
        quotas = dict(Quota.objects.filter(team_id__in=keys, period_start=start, period_end=end).values_list("team_id", "amount"))
    else:
        names = dict(Territory.objects.filter(pk__in=keys).values_list("pk", "name"))
        quotas = dict(Quota.objects.filter(territory_id__in=keys, period_start=start, period_end=end).values_list("territory_id", "amount"))
    adjustments = forecasting.adjustments_in_force(user=request.user, start=start, end=end, by=by)
    rows = []
    final_commit = final_best = Decimal("0")
    for row in sorted(result["rows"], key=lambda r: -r["pipeline"]):
        quota = quotas.get(row["key"])
        adjustment = adjustments.get(row["key"])
        final = {"final_commit": adjustment.commit if adjustment else row["commit"],
                 "final_best_case": adjustment.best_case if adjustment else row["best_case"]}
        final_commit += final["final_commit"]
        final_best += final["final_best_case"]
        rows.append({**row, **final, "adjustment": adjustment, "name": names.get(row["key"], "—"), "quota": quota,
                     "attainment": attainment(row["won"], quota)})
    total_quota = sum(quotas.values(), Decimal("0")) if quotas else None
    previous = start - datetime.timedelta(days=1)
    can_adjust = by in ("owner", "team") and request.user.has_perm("sales.add_forecastadjustment")
    adjust_form = None
    if can_adjust:
        adjust_form = AdjustmentForm(acting_user=request.user, initial={"period_start": start, "period": period})
        if not adjust_form.fields["user"].queryset.exists() and not adjust_form.fields["team"].queryset.exists():
            adjust_form = None
    return render(request, "sales/forecast.html", {
        "page_title": _("Forecast"), "rows": rows, "totals": result["totals"], "start": start, "end": end, "by": by, "groups": GROUPS,
        "period": period, "periods": PERIODS, "adjustable": by in ("owner", "team"),
        "final_totals": {"commit": final_commit, "best_case": final_best},
        "total_quota": total_quota, "total_attainment": attainment(result["totals"]["won"], total_quota),
        "previous": period_of(previous, period)[0], "next": end + datetime.timedelta(days=1),
        "chart": forecasting.chart_options(rows),
        "history": forecasting.adjustment_history(user=request.user, start=start, end=end) if by in ("owner", "team") else [],
        "quota_form": QuotaForm(initial={"period_start": start, "period": period}) if request.user.has_perm("sales.add_quota") else None,
        "adjust_form": adjust_form,
    })


@login_required
@permission_required("sales.add_forecastadjustment", raise_exception=True)
@require_POST
def forecast_adjust(request):
    form = AdjustmentForm(request.POST, acting_user=request.user)
    target = reverse("sales:forecast")
    if form.is_valid():
        period = form.cleaned_data.get("period") or "quarter"
        start, end = period_of(form.cleaned_data["period_start"], period)
        target += f"?start={start}&period={period}&by={'team' if form.cleaned_data['team'] else 'owner'}"
        try:
            services.forecast_adjust(acting_user=request.user, period_start=start, period_end=end, commit=form.cleaned_data["commit"],
                                     best_case=form.cleaned_data["best_case"], note=form.cleaned_data["note"],
                                     user=form.cleaned_data["user"], team=form.cleaned_data["team"])
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Forecast adjusted."))
    else:
        report_errors(request, form)
    return HttpResponseRedirect(target)


@login_required
@permission_required("sales.add_quota", raise_exception=True)
@require_POST
def quota_save(request):
    form = QuotaForm(request.POST)
    target = reverse("sales:forecast")
    if form.is_valid():
        period = form.cleaned_data.get("period") or "quarter"
        start, end = period_of(form.cleaned_data["period_start"], period)
        by = "team" if form.cleaned_data["team"] else "territory" if form.cleaned_data["territory"] else "owner"
        target += f"?start={start}&period={period}&by={by}"
        try:
            services.quota_set(acting_user=request.user, period_start=start, period_end=end, amount=form.cleaned_data["amount"],
                               user=form.cleaned_data["user"], team=form.cleaned_data["team"], territory=form.cleaned_data["territory"])
        except ValidationError as exc:
            report_errors(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        report_errors(request, form)
    return HttpResponseRedirect(target)
