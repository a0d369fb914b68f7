"""Contracts: create, change, renew; remind the owner before a contract ends."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.services import notification_send
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from ..choices import ContractStatus
from ..models import Contract

__all__ = ["contract_create", "contract_renew", "contract_update", "contracts_remind_renewals"]
CONTRACT_FIELDS = {"title", "account", "order", "owner", "status", "start_date", "end_date", "value", "currency", "terms", "renewal_notice_days"}


def _check(contract: Contract) -> None:
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    if contract.order_id and contract.order.account_id != contract.account_id:
        raise ValidationError({"order": _("The order belongs to another account.")})


def _clean(data: dict) -> dict:
    unknown = set(data) - CONTRACT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    return {k: tidy(v) if isinstance(v, str) and k != "terms" else v for k, v in data.items()}


@transaction.atomic
def contract_create(*, acting_user, **data) -> Contract:
    data = _clean(data)
    order = data.get("order")
    if order is not None:
        data.setdefault("account", order.account)
        data.setdefault("value", order.total)
        data.setdefault("currency", order.currency)
    if data.get("owner") is None:
        data["owner"] = acting_user
    contract = Contract(**data, number=f"HT{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}")
    if contract.account_id:
        _check(contract)
    return base.create(contract, acting_user=acting_user)


@transaction.atomic
def contract_update(*, contract: Contract, acting_user, **data) -> dict:
    data = _clean(data)
    probe = Contract(**{f.attname: getattr(contract, f.attname) for f in Contract._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    _check(probe)
    derived = {"renewal_reminded_at": None} if "end_date" in data and data["end_date"] != contract.end_date else None
    return base.update(contract, acting_user=acting_user, data=data, derived=derived)


@transaction.atomic
def contract_renew(*, contract: Contract, acting_user, end_date: datetime.date, value=None) -> Contract:
    """A new contract from the day after this one ends; this one is marked renewed."""
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED):
        raise ValidationError({"status": _("Only an active or expired contract can be renewed.")})
    start = contract.end_date + datetime.timedelta(days=1)
    renewal = contract_create(
        acting_user=acting_user, title=contract.title, account=contract.account, owner=contract.owner, status=ContractStatus.ACTIVE,
        start_date=start, end_date=end_date, value=contract.value if value is None else value, currency=contract.currency,
        terms=contract.terms, renewal_notice_days=contract.renewal_notice_days,
    )
    Contract.objects.filter(pk=renewal.pk).update(renewal_of=contract)
    base.update(contract, acting_user=acting_user, data={"status": ContractStatus.RENEWED})
    return renewal


def contracts_remind_renewals(*, today: datetime.date | None = None) -> int:
    """Tell owners of active contracts that end within their notice period (once per end date); expire ended ones."""
    today = today or timezone.localdate()
    Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today).update(status=ContractStatus.EXPIRED)
    sent = 0
    due = Contract.objects.filter(status=ContractStatus.ACTIVE, renewal_reminded_at__isnull=True, end_date__gte=today,
                                  end_date__lte=today + datetime.timedelta(days=366)).select_related("owner", "account")
    for contract in due:
        if contract.end_date - datetime.timedelta(days=contract.renewal_notice_days) > today:
            continue
        with transaction.atomic():
            if not Contract.objects.filter(pk=contract.pk, renewal_reminded_at__isnull=True).update(renewal_reminded_at=timezone.now()):
                continue
            notification_send(recipient=contract.owner, url=contract.get_absolute_url(),
                              title=_("Contract ends on %(date)s: %(contract)s (%(account)s)") % {
                                  "date": contract.end_date.isoformat(), "contract": contract, "account": contract.account})
            sent += 1
    return sent
