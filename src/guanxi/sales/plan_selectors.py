"""Reads of the sales plan that differ from the plain ``visible_to`` rule."""

from __future__ import annotations

from .models import ExpenseClaim


def expense_claims_visible(user):
    """The claimant's own claims and those of the people they manage (``visible_to``); finance (``view_all_expenseclaim``) sees every claim."""
    if user.is_authenticated and user.has_perm("sales.view_all_expenseclaim"):
        return ExpenseClaim.objects.all()
    return ExpenseClaim.objects.visible_to(user)


def quotas_visible(user):
    """Quotas ``user`` may read: reps' quotas by the owner rule on ``Quota.user`` (their own, the reps of the teams they
    manage, organisation-wide roles), and every team and territory quota (seen by model permission)."""
    from django.db.models import Q

    from guanxi.core.api.base import visible_queryset

    from .models import Quota

    return Quota.objects.filter(Q(pk__in=visible_queryset(Quota, user).filter(user__isnull=False).values("pk")) | Q(user__isnull=True))
