"""Expense claims: create and edit while a draft (or after a rejection), lines with receipts,
submit to the claimant's manager, approve or reject with a comment. Everyone involved is notified."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import services as core_services
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from ..choices import ExpenseStatus
from ..models import ExpenseClaim, ExpenseLine

__all__ = [
    "expense_approver_for", "expense_claim_create", "expense_claim_decide", "expense_claim_delete", "expense_claim_submit",
    "expense_claim_update", "expense_line_add", "expense_line_delete", "expense_may_decide",
]

EDITABLE = (ExpenseStatus.DRAFT, ExpenseStatus.REJECTED)
MAX_RECEIPT_BYTES = 10 * 1024 * 1024


def _links(data: dict, claim: ExpenseClaim | None = None) -> None:
    opportunity = data.get("opportunity", claim.opportunity if claim else None)
    account = data.get("account", claim.account if claim else None)
    if opportunity is not None:
        if account is None:
            data["account"] = opportunity.account
        elif account.pk != opportunity.account_id:
            raise ValidationError({"opportunity": _("This opportunity belongs to another account.")})


def _editable(claim: ExpenseClaim) -> None:
    if claim.status not in EDITABLE:
        raise ValidationError({"status": _("A %(status)s claim cannot be changed.") % {"status": claim.get_status_display()}})


@transaction.atomic
def expense_claim_create(*, acting_user, title: str, account=None, opportunity=None, currency: str = "CNY", owner=None) -> ExpenseClaim:
    data = {"account": account, "opportunity": opportunity}
    _links(data)
    return base.create(ExpenseClaim(title=tidy(title or ""), owner=owner or acting_user, currency=(currency or "CNY").upper(), **data),
                       acting_user=acting_user)


@transaction.atomic
def expense_claim_update(*, claim: ExpenseClaim, acting_user, **data) -> dict:
    _editable(claim)
    unknown = set(data) - {"title", "account", "opportunity", "currency"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    if "title" in data:
        data["title"] = tidy(data["title"] or "")
    if "currency" in data:
        data["currency"] = (data["currency"] or "CNY").upper()
    _links(data, claim)
    return base.update(claim, acting_user=acting_user, data=data)


@transaction.atomic
def expense_claim_delete(*, claim: ExpenseClaim, acting_user) -> None:
    _editable(claim)
    base.delete(claim, acting_user=acting_user)


def _retotal(claim: ExpenseClaim, acting_user) -> None:
    # Summed in Python: exact on SQLite too (its SUM of decimals is a float); a claim has a handful of lines.
    total = sum(claim.lines.values_list("amount", flat=True), Decimal("0.00"))
    base.update(claim, acting_user=acting_user, data={"total": total})


@transaction.atomic
def expense_line_add(*, claim: ExpenseClaim, acting_user, date: datetime.date, category: str, amount: Decimal, description: str = "",
                     receipt=None) -> ExpenseLine:
    _editable(claim)
    if date > timezone.localdate():
        raise ValidationError({"date": _("An expense cannot be in the future.")})
    if receipt is not None and getattr(receipt, "size", 0) > MAX_RECEIPT_BYTES:
        raise ValidationError({"receipt": _("The receipt is larger than 10 MB.")})
    line = base.create(ExpenseLine(claim=claim, date=date, category=category, amount=amount, description=tidy(description or ""),
                                   receipt=receipt or ""), acting_user=acting_user)
    _retotal(claim, acting_user)
    return line


@transaction.atomic
def expense_line_delete(*, line: ExpenseLine, acting_user) -> None:
    claim = line.claim
    _editable(claim)
    base.delete(line, acting_user=acting_user)
    _retotal(claim, acting_user)


def expense_approver_for(user):
    """The manager of the claimant's team, else of the nearest team above with one (never the claimant)."""
    team, seen = user.team, set()
    while team is not None and team.pk not in seen:
        if team.manager_id and team.manager_id != user.pk:
            return team.manager
        seen.add(team.pk)
        team = team.parent
    return None


def expense_may_decide(claim: ExpenseClaim, user) -> bool:
    """The claim's approver, any manager above the claimant, or a holder of ``approve_expenseclaim``; never the claimant."""
    if claim.owner_id == user.pk and not user.is_superuser:
        return False
    if user.is_superuser or user.has_perm("sales.approve_expenseclaim") or claim.approver_id == user.pk:
        return True
    team, seen = claim.owner.team, set()
    while team is not None and team.pk not in seen:
        if team.manager_id == user.pk:
            return True
        seen.add(team.pk)
        team = team.parent
    return False


@transaction.atomic
def expense_claim_submit(*, claim: ExpenseClaim, acting_user) -> dict:
    _editable(claim)
    if claim.owner_id != acting_user.pk and not acting_user.is_superuser:
        raise ValidationError({"status": _("Only the claimant submits a claim.")})
    if not claim.lines.exists():
        raise ValidationError({"lines": _("Add at least one expense before submitting.")})
    approver = expense_approver_for(claim.owner)
    changes = base.update(claim, acting_user=acting_user, data={
        "status": ExpenseStatus.SUBMITTED, "approver": approver, "submitted_at": timezone.now(),
        "decided_by": None, "decided_at": None, "decision_comment": "",
    })
    if approver is not None:
        core_services.notification_send(recipient=approver, sender=acting_user, url=claim.get_absolute_url(),
                                        title=_("%(user)s submitted the expense claim “%(claim)s” (%(currency)s %(total)s).") % {
                                            "user": claim.owner, "claim": claim, "currency": claim.currency, "total": claim.total})
    return changes


@transaction.atomic
def expense_claim_decide(*, claim: ExpenseClaim, acting_user, approve: bool, comment: str = "") -> dict:
    if claim.status != ExpenseStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted claim is approved or rejected.")})
    if not expense_may_decide(claim, acting_user):
        raise ValidationError({"status": _("Only the claimant's manager or an expense approver decides on this claim.")})
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the claim is rejected.")})
    changes = base.update(claim, acting_user=acting_user, data={
        "status": ExpenseStatus.APPROVED if approve else ExpenseStatus.REJECTED, "decided_by": acting_user, "decided_at": timezone.now(),
        "decision_comment": comment,
    })
    title = (_("Your expense claim “%(claim)s” was approved.") if approve else _("Your expense claim “%(claim)s” was rejected: %(comment)s")) % {
        "claim": claim, "comment": comment}
    core_services.notification_send(recipient=claim.owner, sender=acting_user, url=claim.get_absolute_url(), title=title)
    return changes
