"""The forecast page: a quarter's pipeline by owner, team or territory, against quotas."""

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
from guanxi.framework.forms import StyledForm
from guanxi.framework.services import field_errors

from . import selectors, services
from .models import Quota

GROUPS = (("owner", gettext_lazy("owner")), ("team", gettext_lazy("team")), ("territory", gettext_lazy("territory")))


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first, 1)
    after = datetime.date(day.year + (first + 3 > 12), (first + 3 - 1) % 12 + 1, 1)
    return start, after - datetime.timedelta(days=1)


def attainment(won: Decimal, quota: Decimal | None) -> Decimal | None:
    """Won as a percentage of quota, to one decimal (half up); None without a quota."""
    if not quota:
        return None
    return (won * 100 / quota).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class QuotaForm(StyledForm):
    user = forms.ModelChoiceField(label=gettext_lazy("user"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("team"), queryset=Team.objects.order_by("name"), required=False)
    amount = forms.DecimalField(label=gettext_lazy("quota"), max_digits=18, decimal_places=2, min_value=0)
    period_start = forms.DateField(widget=forms.HiddenInput)


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def forecast(request):
    try:
        day = datetime.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        day = timezone.localdate()
    start, end = quarter_of(day)
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
    rows = []
    for row in sorted(result["rows"], key=lambda r: -r["pipeline"]):
        quota = quotas.get(row["key"])
        rows.append({**row, "name": names.get(row["key"], "—"), "quota": quota, "attainment": attainment(row["won"], quota)})
    total_quota = sum(quotas.values(), Decimal("0")) if quotas else None
    previous = start - datetime.timedelta(days=1)
    return render(request, "sales/forecast.html", {
        "page_title": _("Forecast"), "rows": rows, "totals": result["totals"], "start": start, "end": end, "by": by, "groups": GROUPS,
        "total_quota": total_quota, "total_attainment": attainment(result["totals"]["won"], total_quota),
        "previous": quarter_of(previous)[0], "next": end + datetime.timedelta(days=1),
        "quota_form": QuotaForm(initial={"period_start": start}) if request.user.has_perm("sales.add_quota") else None,
    })


@login_required
@permission_required("sales.add_quota", raise_exception=True)
@require_POST
def quota_save(request):
    form = QuotaForm(request.POST)
    target = reverse("sales:forecast")
    if form.is_valid():
        start, end = quarter_of(form.cleaned_data["period_start"])
        target += f"?start={start}&by={'team' if form.cleaned_data['team'] else 'owner'}"
        try:
            services.quota_set(acting_user=request.user, period_start=start, period_end=end, amount=form.cleaned_data["amount"],
                               user=form.cleaned_data["user"], team=form.cleaned_data["team"])
        except ValidationError as exc:
            messages.error(request, " ".join(r for reasons in field_errors(exc).values() for r in reasons))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return HttpResponseRedirect(target)
