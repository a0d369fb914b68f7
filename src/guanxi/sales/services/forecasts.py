"""Quotas per user or team and period; managers' adjustments of the forecast."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.framework import services as base

from ..models import ForecastAdjustment, Quota

__all__ = ["can_adjust_forecast", "forecast_adjust", "quota_set"]


@transaction.atomic
def quota_set(*, acting_user, period_start, period_end, amount, user=None, team=None, currency: str = "CNY") -> Quota:
    """Set (create or change) the quota of a user or a team for a period."""
    if (user is None) == (team is None):
        raise ValidationError({"user": _("Give either a user or a team.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    existing = Quota.objects.filter(user=user, team=team, period_start=period_start, period_end=period_end).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data={"amount": amount, "currency": currency})
        return existing
    return base.create(Quota(user=user, team=team, period_start=period_start, period_end=period_end, amount=amount, currency=currency),
                       acting_user=acting_user)


def _manages(user, team) -> bool:
    """Whether ``user`` manages ``team`` or a team above it."""
    seen = set()
    while team is not None and team.pk not in seen:
        if team.manager_id == user.pk:
            return True
        seen.add(team.pk)
        team = team.parent
    return False


def can_adjust_forecast(acting_user, *, user=None, team=None) -> bool:
    """A manager adjusts the reps of their team (and below) and the teams they manage; nobody adjusts themselves."""
    if acting_user.is_superuser:
        return True
    if user is not None:
        return user.pk != acting_user.pk and _manages(acting_user, user.team)
    return team is not None and _manages(acting_user, team)


@transaction.atomic
def forecast_adjust(*, acting_user, period_start, period_end, commit, best_case, note: str, user=None, team=None,
                    currency: str = "CNY") -> ForecastAdjustment:
    """Record a manager's commit and best case for a rep or a team in a period (a new row; history is kept)."""
    if (user is None) == (team is None):
        raise ValidationError({"user": _("Give either a user or a team.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if not can_adjust_forecast(acting_user, user=user, team=team):
        raise ValidationError({"user" if user is not None else "team": _("Only a manager of this rep's or team's team (or one above it) may adjust its forecast.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the forecast is adjusted.")})
    if commit is not None and best_case is not None and best_case < commit:
        raise ValidationError({"best_case": _("Best case includes commit, so it cannot be less than commit.")})
    owner = user if user is not None else team.manager
    return base.create(ForecastAdjustment(user=user, team=team, owner=owner, period_start=period_start, period_end=period_end, commit=commit,
                                          best_case=best_case, currency=currency, note=note, adjusted_by=acting_user), acting_user=acting_user)
