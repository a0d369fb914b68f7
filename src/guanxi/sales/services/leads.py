"""Leads: capture, scoring, assignment, status flow, escalation, conversion."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.services import notification_send, territory_for
from guanxi.customers import services as customers
from guanxi.framework import services as base
from guanxi.framework.text import InvalidPhone, normalize_phone, phone_search_keys, pinyin_keys, search_document, tidy

from .. import events
from ..assignment import choose_owner
from ..choices import ACCOUNT_SOURCE_OF_LEAD, LEAD_TRANSITIONS, OPEN_LEAD_STATUSES, LeadStatus
from ..models import Lead
from ..scoring import score_lead

__all__ = [
    "DEFAULT_ESCALATION_HOURS", "LEAD_FIELDS", "lead_assign", "lead_convert", "lead_create", "lead_delete", "lead_disqualify", "lead_escalate_stale",
    "lead_set_status", "lead_touch", "lead_update", "leads_rescore",
]

LEAD_FIELDS = {
    "name", "company", "title", "phone", "email", "source", "campaign", "rating", "industry", "employees", "budget",
    "currency", "province", "city", "owner", "territory", "description",
}
DEFAULT_ESCALATION_HOURS = 48


def _reject_unknown(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def _normalized(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: tidy(v) if isinstance(v, str) and k != "description" else v for k, v in data.items()}
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"], settings.GUANXI_DEFAULT_REGION)
        except InvalidPhone:
            raise ValidationError({"phone": _("“%(number)s” is not a valid phone number.") % {"number": data["phone"]}}) from None
    if data.get("email"):
        data["email"] = data["email"].lower()
    return data


def _derived(lead: Lead) -> dict[str, Any]:
    full, initials = pinyin_keys(lead.name)
    company_full, company_initials = pinyin_keys(lead.company)
    phone_keys = phone_search_keys(lead.phone) if lead.phone else ""
    return {
        "name_pinyin": full[:300], "name_initials": initials[:60],
        "search_text": search_document(lead.name, full, initials, lead.company, company_full, company_initials, phone_keys, lead.email),
    }


def _place(lead: Lead) -> None:
    territory = territory_for(province=lead.province, city=lead.city, industry=lead.industry)
    if territory is not None:
        lead.territory = territory


@transaction.atomic
def lead_create(*, acting_user, assign: bool = True, default_owner=None, **data) -> Lead:
    """Create a lead; without an owner, the assignment rules choose one (else ``default_owner``, else the creator)."""
    _reject_unknown(data, LEAD_FIELDS)
    data = _normalized(data)
    if not data.get("name"):
        raise ValidationError({"name": _("Give the lead a name.")})
    data.setdefault("currency", settings.GUANXI_DEFAULT_CURRENCY)
    lead = Lead(**data)
    if not data.get("territory"):
        _place(lead)
    rule = None
    if not data.get("owner"):
        owner, rule = choose_owner(lead) if assign else (None, None)
        lead.owner = owner or default_owner or acting_user
    for name, value in _derived(lead).items():
        setattr(lead, name, value)
    lead.score = score_lead(lead)
    lead.last_touched_at = timezone.now()
    base.create(lead, acting_user=acting_user)
    if lead.owner_id != getattr(acting_user, "pk", None):
        _tell_new_owner(lead, acting_user, rule)
    return lead


def _tell_new_owner(lead: Lead, acting_user, rule=None) -> None:
    body = _("Assigned by the rule “%(rule)s”.") % {"rule": rule.name} if rule is not None else ""
    notification_send(recipient=lead.owner, title=_("New lead: %(lead)s") % {"lead": lead}, body=body,
                      url=lead.get_absolute_url(), sender=acting_user)


@transaction.atomic
def lead_update(*, lead: Lead, acting_user, **data) -> dict:
    _reject_unknown(data, LEAD_FIELDS)
    if not lead.is_open:
        raise ValidationError({"status": _("A converted lead cannot be changed.")}) if lead.status == LeadStatus.CONVERTED else \
            ValidationError({"status": _("Reopen the lead (status “working”) before changing it.")})
    data = _normalized(data)
    if "name" in data and not data["name"]:
        raise ValidationError({"name": _("Give the lead a name.")})
    place_keys = ("province", "city", "industry")
    moved = "territory" not in data and any(k in data and data[k] != getattr(lead, k) for k in place_keys)
    probe = Lead(**{f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields})
    for key, value in data.items():
        setattr(probe, key, value)
    if moved:
        territory = territory_for(province=probe.province, city=probe.city, industry=probe.industry)
        if territory is not None and territory.pk != lead.territory_id:
            data["territory"] = territory
    derived = {**_derived(probe), "score": score_lead(probe)}
    if getattr(acting_user, "pk", None) == (data.get("owner") or lead.owner).pk:
        derived["last_touched_at"] = timezone.now()
    old_owner_id = lead.owner_id
    changes = base.update(lead, acting_user=acting_user, data=data, derived=derived)
    if "owner" in changes and lead.owner_id != old_owner_id:
        lead.last_touched_at = timezone.now()
        lead.escalated_at = None
        Lead.objects.filter(pk=lead.pk).update(last_touched_at=lead.last_touched_at, escalated_at=None)
        if lead.owner_id != getattr(acting_user, "pk", None):
            _tell_new_owner(lead, acting_user)
    return changes


@transaction.atomic
def lead_touch(*, lead: Lead, acting_user) -> None:
    """The owner worked the lead (a call, a note): escalation starts counting again."""
    Lead.objects.filter(pk=lead.pk).update(last_touched_at=timezone.now())


@transaction.atomic
def lead_set_status(*, lead: Lead, acting_user, status: str, reason: str = "", note: str = "") -> dict:
    """Move a lead along new -> working -> qualified / disqualified (with a reason)."""
    if status == lead.status:
        return {}
    if status not in LEAD_TRANSITIONS.get(lead.status, set()):
        raise ValidationError({"status": _("A lead cannot go from “%(old)s” to “%(new)s”.") % {
            "old": lead.get_status_display(), "new": LeadStatus(status).label if status in LeadStatus.values else status,
        }})
    data: dict[str, Any] = {"status": status}
    if status == LeadStatus.DISQUALIFIED:
        if not reason:
            raise ValidationError({"disqualify_reason": _("Say why the lead is disqualified.")})
        data.update(disqualify_reason=reason, disqualify_note=tidy(note))
    else:
        data.update(disqualify_reason="", disqualify_note="")
    return base.update(lead, acting_user=acting_user, data=data, derived={"last_touched_at": timezone.now()})


def lead_disqualify(*, lead: Lead, acting_user, reason: str, note: str = "") -> dict:
    return lead_set_status(lead=lead, acting_user=acting_user, status=LeadStatus.DISQUALIFIED, reason=reason, note=note)


@transaction.atomic
def lead_assign(*, lead: Lead, acting_user, owner) -> dict:
    return lead_update(lead=lead, acting_user=acting_user, owner=owner)


@transaction.atomic
def lead_delete(*, lead: Lead, acting_user) -> None:
    base.delete(lead, acting_user=acting_user)


@transaction.atomic
def leads_rescore(*, acting_user=None) -> int:
    """Recompute every open lead's score after the rules changed; returns how many scores moved."""
    from ..models import LeadScoringRule

    rules = list(LeadScoringRule.objects.filter(is_active=True))
    changed = 0
    for lead in Lead.objects.filter(status__in=OPEN_LEAD_STATUSES).iterator(chunk_size=2000):
        score = score_lead(lead, rules)
        if score != lead.score:
            Lead.objects.filter(pk=lead.pk).update(score=score)
            changed += 1
    return changed


def _manager_of(user):
    team = getattr(user, "team", None)
    while team is not None:
        if team.manager_id and team.manager_id != user.pk and team.manager.is_active:
            return team.manager
        team = team.parent
    return None


@transaction.atomic
def lead_escalate_stale(*, hours: float | None = None, now: datetime.datetime | None = None, acting_user=None) -> list[Lead]:
    """Leads left untouched for ``hours``: tell the owner's manager and give the lead to someone else.

    The new owner comes from the assignment rules (the current owner left out), else the least
    loaded colleague in the owner's team, else the manager. Each lead is escalated once until it
    is worked again.
    """
    from guanxi.core.models import User

    from ..assignment import _least_loaded

    hours = hours if hours is not None else settings.GUANXI_LEAD_ESCALATION_HOURS
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=hours)
    stale = (
        Lead.objects.filter(status__in=(LeadStatus.NEW, LeadStatus.WORKING), last_touched_at__lt=cutoff)
        .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=cutoff))
        .select_related("owner__team__manager", "owner__team__parent")
        .select_for_update(of=("self",))
        .order_by("last_touched_at", "id")
    )
    escalated = []
    for lead in stale:
        previous = lead.owner
        manager = _manager_of(previous)
        new_owner, _rule = choose_owner(lead, exclude={previous.pk})
        if new_owner is None and previous.team_id:
            # A colleague rather than the manager, who is the last resort.
            new_owner = _least_loaded(User.objects.filter(team_id=previous.team_id), {previous.pk, getattr(manager, "pk", None)})
        new_owner = new_owner or manager
        data = {"owner": new_owner} if new_owner is not None and new_owner.pk != previous.pk else {}
        base.update(lead, acting_user=acting_user, data=data, derived={"escalated_at": now, "last_touched_at": now})
        if manager is not None:
            notification_send(
                recipient=manager, sender=acting_user, url=lead.get_absolute_url(),
                title=_("Lead escalated: %(lead)s") % {"lead": lead},
                body=_("%(owner)s left it untouched for more than %(hours)s hours; it now belongs to %(new)s.") % {
                    "owner": previous, "hours": f"{hours:g}", "new": lead.owner,
                },
            )
        if lead.owner_id != previous.pk:
            _tell_new_owner(lead, acting_user)
        escalated.append(lead)
    return escalated


@transaction.atomic
def lead_convert(
    *, lead: Lead, acting_user, account=None, account_name: str = "", create_opportunity: bool = True,
    opportunity_name: str = "", amount=None, expected_close_date=None, pipeline=None,
) -> dict:
    """Turn a lead into an account (new, or the ``account`` given), a contact there and, optionally, an opportunity."""
    from .opportunities import opportunity_create

    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError({"status": _("This lead has already been converted.")})
    if lead.status == LeadStatus.DISQUALIFIED:
        raise ValidationError({"status": _("A disqualified lead cannot be converted; reopen it first.")})
    owner = lead.owner
    if account is None:
        name = tidy(account_name) or lead.company or lead.name
        account = customers.account_create(
            acting_user=acting_user, name=name, owner=owner, industry=lead.industry,
            source=ACCOUNT_SOURCE_OF_LEAD.get(lead.source, "other"), province=lead.province, city=lead.city,
            employees=lead.employees, kind="organisation" if lead.company else "individual",
        )
        if lead.phone and not lead.company:
            customers.phone_add(party=account, acting_user=acting_user, number=lead.phone)
    contact = customers.contact_create(acting_user=acting_user, account=account, name=lead.name, title=lead.title, owner=owner)
    if lead.phone:
        customers.phone_add(party=contact, acting_user=acting_user, number=lead.phone)
    if lead.email:
        customers.email_add(party=contact, acting_user=acting_user, email=lead.email)
    opportunity = None
    if create_opportunity:
        opportunity = opportunity_create(
            acting_user=acting_user, account=account, contact=contact, owner=owner, pipeline=pipeline,
            name=tidy(opportunity_name) or _("%(account)s – new business") % {"account": account.name},
            amount=amount if amount is not None else (lead.budget or 0), currency=lead.currency,
            expected_close_date=expected_close_date or (timezone.localdate() + datetime.timedelta(days=90)),
            lead=lead,
        )
    base.update(lead, acting_user=acting_user, data={
        "status": LeadStatus.CONVERTED, "converted_account": account, "converted_contact": contact,
        "converted_opportunity": opportunity, "converted_at": timezone.now(),
    })
    events.lead_converted(lead, account, acting_user)
    return {"account": account, "contact": contact, "opportunity": opportunity}
