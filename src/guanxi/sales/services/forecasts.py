"""Quotas per user or team and period; managers' adjustments of the forecast."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.framework import services as base

from ..models import ForecastAdjustment, Quota

__all__ = ["can_adjust_forecast", "can_set_quota", "forecast_adjust", "quota_delete", "quota_set", "quotas_copy"]


@transaction.atomic
def quota_set(*, acting_user, period_start, period_end, amount, user=None, team=None, territory=None, currency: str = "CNY") -> Quota:
    """Set (create or change) the quota of a user, a team or a territory for a period."""
    if sum(subject is not None for subject in (user, team, territory)) != 1:
        raise ValidationError({"user": _("Give exactly one of a user, a team or a territory.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if amount is None:
        raise ValidationError({"amount": _("Enter the quota.")})
    try:
        amount = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError({"amount": _("“%(value)s” is not an amount.") % {"value": amount}}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": _("A quota is zero or more.")})
    if amount.as_tuple().exponent < -2:
        raise ValidationError({"amount": _("A quota has at most two decimals.")})
    if amount >= Decimal("1e16"):
        raise ValidationError({"amount": _("This quota is too large.")})
    currency = (currency or "CNY").upper()
    existing = Quota.objects.filter(user=user, team=team, territory=territory, period_start=period_start, period_end=period_end).first()
    if existing is not None:
        base.update(existing, acting_user=acting_user, data={"amount": amount, "currency": currency})
        return existing
    return base.create(Quota(user=user, team=team, territory=territory, period_start=period_start, period_end=period_end, amount=amount,
                             currency=currency), acting_user=acting_user)


@transaction.atomic
def quota_delete(*, quota: Quota, acting_user) -> None:
    base.delete(quota, acting_user=acting_user)


@transaction.atomic
def quotas_copy(*, acting_user, source_start, source_end, period_start, period_end, users=(), teams=(), territories=(),
                overwrite: bool = False) -> dict:
    """Copy the quotas of the given users, teams and territories from one period to another.

    A subject that already has a quota in the target period keeps it unless ``overwrite``. Returns
    ``{"copied": n, "kept": n}``.
    """
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    subjects = Q(user__in=list(users)) | Q(team__in=list(teams)) | Q(territory__in=list(territories))
    source = list(Quota.objects.filter(subjects, period_start=source_start, period_end=source_end))
    target = {(q.user_id, q.team_id, q.territory_id) for q in Quota.objects.filter(subjects, period_start=period_start, period_end=period_end)}
    copied = kept = 0
    for quota in source:
        if (quota.user_id, quota.team_id, quota.territory_id) in target and not overwrite:
            kept += 1
            continue
        quota_set(acting_user=acting_user, period_start=period_start, period_end=period_end, amount=quota.amount, user=quota.user,
                  team=quota.team, territory=quota.territory, currency=quota.currency)
        copied += 1
    return {"copied": copied, "kept": kept}


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


def can_set_quota(acting_user, *, user=None, team=None, territory=None) -> bool:
    """Who sets a quota: with ``sales.add_quota``, a manager of the rep's team (or above) or of the team — never their
    own; territory quotas need the permission alone (they are organisation-wide)."""
    if acting_user.is_superuser:
        return True
    if not acting_user.has_perm("sales.add_quota"):
        return False
    if territory is not None:
        return True
    if user is not None:
        return user.pk != acting_user.pk and _manages(acting_user, user.team)
    return _manages(acting_user, team)


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
