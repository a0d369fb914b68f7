"""Cases whose customer is not identified yet, and linking them to their customer.

Mail from an address no customer has opens a case without an account, with the sender kept in
``requester_email`` / ``requester_name``, in the queue of the address it was sent to. Its queue's agents
and supervisor (and organisation-wide roles) see it; nobody else does, since there is no account to see it
through. An agent then links it to an account (and a contact, or a new contact made from the sender): the
sender's address is added to that contact (or account) so that later mail from it finds the customer, and
the sender's other open cases waiting for a customer are linked with it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.customers import services as customer_services
from guanxi.customers.models import Account, Contact, EmailAddress
from guanxi.framework import services as base

from . import events, sla
from .choices import OPEN_STATUSES
from .models import Case


def unidentified_cases(*, user, email: str = ""):
    """Open cases ``user`` can see whose customer is not identified (of one sender when ``email`` is given)."""
    cases = Case.objects.visible_to(user).filter(account__isnull=True, status__in=OPEN_STATUSES)
    if email:
        cases = cases.filter(requester_email=email.strip().lower())
    return cases.order_by("-created_at", "-id")


def _has_address(party, email: str) -> bool:
    field = "contact" if isinstance(party, Contact) else "account"
    return EmailAddress.objects.filter(**{field: party}, email=email).exists()


def _link_one(case: Case, *, account: Account, contact: Contact | None, acting_user) -> None:
    from .services import contract_for_case

    data: dict[str, Any] = {"account": account, "contact": contact}
    new_deadlines = False
    contract = case.service_contract or contract_for_case(account=account, installed_product=None)
    if contract is not None:
        data["service_contract"] = contract
    if case.is_open and not case.sla_paused_at:
        # the account's value tier (and its contract) may give other targets, counted from the case's opening
        probe = Case(priority=case.priority, account=account, queue=case.queue, service_contract=contract,
                     first_responded_at=case.first_responded_at, first_response_due_at=case.first_response_due_at,
                     first_response_warn_at=case.first_response_warn_at)
        fields = sla.deadlines(probe, start=case.created_at)
        if any(fields[k] != getattr(case, k) for k in fields):
            data.update(fields)
            new_deadlines = True
    base.update(case, acting_user=acting_user, data=data)
    if new_deadlines:
        sla.reset_escalation(case)
    events.case_customer_linked(case, acting_user)


@transaction.atomic
def case_link_customer(
    *, case: Case, acting_user, account: Account | None, contact: Contact | None = None, new_contact_name: str = "",
    remember_address: bool = True, link_other_cases: bool = True,
) -> dict:
    """Give a case whose customer was not identified its account (and contact).

    ``new_contact_name`` creates a contact of the account with the sender's address. Otherwise, with
    ``remember_address``, the sender's address is added to the contact (or the account) unless it is there
    already. With ``link_other_cases``, the sender's other open cases without a customer are linked too.
    Returns ``{"contact": …, "address_added": bool, "linked": [case numbers]}``.
    """
    if case.account_id:
        raise ValidationError({"account": _("The customer of this case is already identified; change its account on the edit page.")})
    if account is None:
        raise ValidationError({"account": _("Choose the customer's account.")})
    new_contact_name = (new_contact_name or "").strip()
    if contact is not None and new_contact_name:
        raise ValidationError({"new_contact_name": _("Either pick a contact or create one, not both.")})
    if contact is not None and not contact.account_links.filter(account=account).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})
    email = case.requester_email
    address_added = False
    if new_contact_name:
        contact = customer_services.contact_create(acting_user=acting_user, account=account, name=new_contact_name)
        if email:
            customer_services.email_add(party=contact, acting_user=acting_user, email=email)
            address_added = True
    elif remember_address and email:
        party = contact or account
        if not _has_address(party, email):
            customer_services.email_add(party=party, acting_user=acting_user, email=email)
            address_added = True
    _link_one(case, account=account, contact=contact, acting_user=acting_user)
    linked = [case.number]
    if link_other_cases and email:
        others = Case.objects.select_for_update(of=("self",)).filter(account__isnull=True, requester_email=email, status__in=OPEN_STATUSES)
        for other in others.exclude(pk=case.pk).select_related("queue", "sla_policy").order_by("created_at", "id"):
            _link_one(other, account=account, contact=contact, acting_user=acting_user)
            linked.append(other.number)
    return {"contact": contact, "address_added": address_added, "linked": linked}
