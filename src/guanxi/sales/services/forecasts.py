"""Quotas per user or team and period."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.framework import services as base

from ..models import Quota

__all__ = ["quota_set"]


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
