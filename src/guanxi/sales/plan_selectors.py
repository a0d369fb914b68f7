"""Reads of the sales plan that differ from the plain ``visible_to`` rule."""

from __future__ import annotations

from .models import ExpenseClaim


def expense_claims_visible(user):
    """The claimant's own claims and those of the people they manage (``visible_to``); finance (``view_all_expenseclaim``) sees every claim."""
    if user.is_authenticated and user.has_perm("sales.view_all_expenseclaim"):
        return ExpenseClaim.objects.all()
    return ExpenseClaim.objects.visible_to(user)
