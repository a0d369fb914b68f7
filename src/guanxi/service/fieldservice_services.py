"""Writes of field service: work orders and their life cycle, scheduling, parts used, visit reports,
technicians and their time off.

Keyword-only with ``acting_user``, atomic, validated (errors name the field), audited through
:mod:`guanxi.framework.services`; timeline events on the account and internal notes on the case are
written with the change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guanxi.customers.models import Account, Contact
from guanxi.framework import services as base
from guanxi.framework.text import tidy

from . import fieldservice_events as events
from .businesshours import parse_hours
from .choices import CaseStatus
from .fieldservice_choices import WORK_ORDER_TRANSITIONS, VisitResult, WorkOrderStatus
from .models import Case, Technician, TechnicianTimeOff, VisitReport, WorkOrder, WorkOrderNumberSequence, WorkOrderPart

WORK_ORDER_FIELDS = {
    "subject", "description", "account", "contact", "case", "work_type", "priority", "address", "location_note", "site_phone",
    "required_skills", "territory", "window_start", "window_end", "duration_minutes",
}
REPORT_FIELDS = {"arrived_at", "departed_at", "work_done", "result", "signed_off_by", "follow_up_needed", "follow_up_notes"}
TECHNICIAN_FIELDS = {"skills", "territory", "home_base", "working_hours", "is_active"}
#: a work order in one of these can no longer be changed
FINISHED = (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED)


def _reject_unknown(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def clean_skills(skills) -> list[str]:
    """Skill codes as a sorted list of slugs, whether given as a list or as ``"network, printer"``."""
    if isinstance(skills, str):
        skills = skills.replace("，", ",").split(",")
    out = sorted({slugify(str(s).strip()) for s in (skills or []) if str(s).strip()})
    return [s for s in out if s]


def next_work_order_number(now: datetime.datetime | None = None) -> str:
    """WO-<year>-<six digits>, counted per year; concurrent creators wait on the year's row."""
    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        if not WorkOrderNumberSequence.objects.filter(year=year).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    WorkOrderNumberSequence.objects.create(year=year, last=1)
            except IntegrityError:
                WorkOrderNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
        last = WorkOrderNumberSequence.objects.get(year=year).last
    return f"WO-{year}-{last:06d}"


def _check_refs(account: Account | None, contact: Contact | None, case: Case | None) -> None:
    if case is not None and account is not None and case.account_id != account.pk:
        raise ValidationError({"case": _("The case belongs to another account.")})
    if contact is not None and account is not None and not contact.account_links.filter(account=account).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})


def _check_window(start, end, field: str = "window_end") -> None:
    if start and end and end <= start:
        raise ValidationError({field: _("The end must come after the start.")})


def default_address(account: Account) -> str:
    address = account.address_set.order_by("-is_primary", "id").first() if account else None
    return str(address) if address else ""


def _case_note(work_order: WorkOrder, acting_user, text: str) -> None:
    if work_order.case_id:
        from .services import case_note_add

        case_note_add(case=work_order.case, acting_user=acting_user, body=text, is_public=False, send_email=False)


# --- work orders --------------------------------------------------------------------------------

@transaction.atomic
def work_order_create(*, acting_user, **data) -> WorkOrder:
    """A work order for an account, on its own or from a case (account, contact and subject default to the case's)."""
    _reject_unknown(data, WORK_ORDER_FIELDS)
    case = data.get("case")
    if case is not None:
        data.setdefault("account", case.account)
        data["account"] = data["account"] or case.account
        if not data.get("contact") and case.contact_id:
            data["contact"] = case.contact
        data["subject"] = data.get("subject") or case.subject
        data["description"] = data.get("description") or case.description
    if not data.get("account"):
        raise ValidationError({"account": _("Choose the customer's account.")})
    if not (data.get("subject") or "").strip():
        raise ValidationError({"subject": _("Say what is to be done.")})
    data["subject"] = tidy(data["subject"])
    account = data["account"]
    _check_refs(account, data.get("contact"), case)
    _check_window(data.get("window_start"), data.get("window_end"))
    data["required_skills"] = clean_skills(data.get("required_skills"))
    if not data.get("address"):
        data["address"] = default_address(account)
    if not data.get("site_phone"):
        contact = data.get("contact")
        data["site_phone"] = (contact.primary_phone if contact else "") or account.primary_phone
    if data.get("territory") is None and account.territory_id:
        data["territory"] = account.territory
    work_order = WorkOrder(**data, created_by=acting_user if getattr(acting_user, "pk", None) else None)
    work_order.number = next_work_order_number()
    base.create(work_order, acting_user=acting_user)
    events.work_order_created(work_order, acting_user)
    _case_note(work_order, acting_user, _("Work order %(number)s created: %(subject)s") % {"number": work_order.number, "subject": work_order.subject})
    return work_order


@transaction.atomic
def work_order_update(*, work_order: WorkOrder, acting_user, **data) -> dict:
    """Change what is to be done, where and when it is wanted; scheduling goes through :func:`work_order_schedule`."""
    _reject_unknown(data, WORK_ORDER_FIELDS - {"case"})
    if work_order.status in FINISHED:
        raise ValidationError({"status": _("A completed or cancelled work order cannot be changed.")})
    if "subject" in data:
        data["subject"] = tidy(data["subject"])
    if "required_skills" in data:
        data["required_skills"] = clean_skills(data["required_skills"])
    _check_refs(data.get("account", work_order.account), data.get("contact", work_order.contact), work_order.case)
    _check_window(data.get("window_start", work_order.window_start), data.get("window_end", work_order.window_end))
    return base.update(work_order, acting_user=acting_user, data=data)


@transaction.atomic
def work_order_schedule(*, work_order: WorkOrder, acting_user, technician, start: datetime.datetime,
                        end: datetime.datetime | None = None) -> list:
    """Give the work order to a technician (a user with a technician profile) at ``start``; reassigning is the same call.

    The end defaults to the start plus the estimated duration. Conflicts (skills, overlap, time off,
    working hours, territory) do not refuse the assignment: they are returned for the dispatcher to see.
    """
    from .fieldservice_selectors import schedule_conflicts

    if work_order.status in FINISHED or work_order.status == WorkOrderStatus.IN_PROGRESS:
        raise ValidationError({"technician": _("Work order %(number)s is %(status)s; it cannot be rescheduled.") % {
            "number": work_order.number, "status": work_order.get_status_display()}})
    if technician is None:
        raise ValidationError({"technician": _("Choose a technician.")})
    profile = Technician.objects.filter(user=technician).first()
    if profile is None or not profile.is_active or not technician.is_active:
        raise ValidationError({"technician": _("%(user)s is not an active technician.") % {"user": technician}})
    if getattr(acting_user, "pk", None):
        from .fieldservice_selectors import technicians_in_scope

        if not technicians_in_scope(user=acting_user).filter(pk=profile.pk).exists():
            raise ValidationError({"technician": _("%(user)s is not one of the technicians you plan for.") % {"user": technician}})
    if start is None:
        raise ValidationError({"scheduled_start": _("Choose when the visit starts.")})
    end = end or start + datetime.timedelta(minutes=work_order.duration_minutes)
    _check_window(start, end, "scheduled_end")
    data: dict[str, Any] = {"technician": technician, "scheduled_start": start, "scheduled_end": end}
    reassigned = work_order.technician_id is not None and work_order.technician_id != technician.pk
    if work_order.status == WorkOrderStatus.NEW or (reassigned and work_order.status == WorkOrderStatus.DISPATCHED):
        data["status"] = WorkOrderStatus.SCHEDULED  # a reassigned job has to be dispatched to its new technician again
    changes = base.update(work_order, acting_user=acting_user, data=data)
    if changes:
        events.work_order_scheduled(work_order, acting_user)
    return schedule_conflicts(work_order=work_order, technician=profile, start=start, end=end)


@transaction.atomic
def work_order_unschedule(*, work_order: WorkOrder, acting_user) -> dict:
    """Take the work order back from its technician: it returns to the unassigned list."""
    if work_order.status not in (WorkOrderStatus.SCHEDULED, WorkOrderStatus.DISPATCHED):
        raise ValidationError({"status": _("Only a scheduled or dispatched work order can be unassigned.")})
    return base.update(work_order, acting_user=acting_user, data={
        "technician": None, "scheduled_start": None, "scheduled_end": None, "status": WorkOrderStatus.NEW})


@transaction.atomic
def work_order_set_status(*, work_order: WorkOrder, acting_user, status: str) -> dict:
    """Move along new -> scheduled -> dispatched -> in progress -> completed, or cancel; other moves are refused.

    Completing needs a visit report: use :func:`work_order_complete`.
    """
    if status not in WorkOrderStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a work order status.") % {"value": status}})
    if status == work_order.status:
        return {}
    if status not in WORK_ORDER_TRANSITIONS[work_order.status]:
        raise ValidationError({"status": _("A work order cannot go from %(old)s to %(new)s.") % {
            "old": work_order.get_status_display(), "new": WorkOrderStatus(status).label}})
    data: dict[str, Any] = {"status": status}
    if status in (WorkOrderStatus.SCHEDULED, WorkOrderStatus.DISPATCHED) and not (work_order.technician_id and work_order.scheduled_start):
        raise ValidationError({"technician": _("Assign a technician and a start time first.")})
    if status == WorkOrderStatus.NEW:
        data.update(technician=None, scheduled_start=None, scheduled_end=None)
    if status == WorkOrderStatus.IN_PROGRESS:
        data["started_at"] = timezone.now()
    if status == WorkOrderStatus.COMPLETED:
        if not VisitReport.objects.filter(work_order=work_order).exists():
            raise ValidationError({"status": _("Write the visit report to complete the work order.")})
        data["completed_at"] = timezone.now()
    changes = base.update(work_order, acting_user=acting_user, data=data)
    if status == WorkOrderStatus.IN_PROGRESS:
        events.work_order_started(work_order, acting_user)
    elif status == WorkOrderStatus.CANCELLED:
        events.work_order_cancelled(work_order, acting_user)
        _case_note(work_order, acting_user, _("Work order %(number)s cancelled.") % {"number": work_order.number})
    return changes


@transaction.atomic
def work_order_start(*, work_order: WorkOrder, acting_user) -> dict:
    """The technician starts the work on site; a scheduled job is dispatched on the way."""
    if work_order.status == WorkOrderStatus.SCHEDULED:
        work_order_set_status(work_order=work_order, acting_user=acting_user, status=WorkOrderStatus.DISPATCHED)
    return work_order_set_status(work_order=work_order, acting_user=acting_user, status=WorkOrderStatus.IN_PROGRESS)


@transaction.atomic
def work_order_delete(*, work_order: WorkOrder, acting_user) -> None:
    """Delete a work order entered by mistake; one that was worked on is cancelled instead."""
    if work_order.status in (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED):
        raise ValidationError({"status": _("A work order that was started is kept; cancel it instead.")})
    base.delete(work_order, acting_user=acting_user)


@transaction.atomic
def visit_report_save(*, work_order: WorkOrder, acting_user, **data) -> VisitReport:
    """Write (or correct) the visit report of a started work order."""
    _reject_unknown(data, REPORT_FIELDS)
    if work_order.status not in (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED):
        raise ValidationError({"work_done": _("Start the work order before writing its report.")})
    if "work_done" in data:
        data["work_done"] = (data["work_done"] or "").strip()
    if "result" in data and data["result"] not in VisitResult.values:
        raise ValidationError({"result": _("“%(value)s” is not a visit result.") % {"value": data["result"]}})
    arrived, departed = data.get("arrived_at"), data.get("departed_at")
    report = VisitReport.objects.filter(work_order=work_order).first()
    if report is not None:
        arrived, departed = data.get("arrived_at", report.arrived_at), data.get("departed_at", report.departed_at)
    if arrived and departed and departed < arrived:
        raise ValidationError({"departed_at": _("The departure must come after the arrival.")})
    if data.get("follow_up_needed") and not (data.get("follow_up_notes") or (report and report.follow_up_notes)):
        raise ValidationError({"follow_up_notes": _("Say what the follow-up is.")})
    if report is None:
        if not data.get("work_done"):
            raise ValidationError({"work_done": _("Describe the work done.")})
        report = VisitReport(work_order=work_order, author=acting_user if getattr(acting_user, "pk", None) else None, **data)
        base.create(report, acting_user=acting_user)
    else:
        base.update(report, acting_user=acting_user, data=data)
    return report


@transaction.atomic
def work_order_complete(*, work_order: WorkOrder, acting_user, resolve_case: bool = False, **report_data) -> VisitReport:
    """Finish the visit: save the report, complete the work order, note it on the case (and resolve the case if asked)."""
    if work_order.status != WorkOrderStatus.IN_PROGRESS:
        raise ValidationError({"status": _("Only a work order in progress can be completed (this one is %(status)s).") % {
            "status": work_order.get_status_display()}})
    now = timezone.now()
    report_data.setdefault("departed_at", now)
    if not report_data.get("arrived_at"):
        report_data["arrived_at"] = min(work_order.started_at or now, report_data["departed_at"])
    report = visit_report_save(work_order=work_order, acting_user=acting_user, **report_data)
    work_order_set_status(work_order=work_order, acting_user=acting_user, status=WorkOrderStatus.COMPLETED)
    events.work_order_completed(work_order, acting_user, report.get_result_display())
    if work_order.case_id:
        lines = [
            _("Work order %(number)s completed by %(technician)s: %(result)s.") % {
                "number": work_order.number, "technician": work_order.technician or acting_user, "result": report.get_result_display()},
            report.work_done,
        ]
        parts = list(work_order.parts.select_related("product"))
        if parts:
            lines.append(_("Parts used: %(parts)s") % {"parts": "; ".join(str(p) for p in parts)})
        if report.signed_off_by:
            lines.append(_("Signed off by %(name)s.") % {"name": report.signed_off_by})
        if report.follow_up_needed:
            lines.append(_("Follow-up needed: %(notes)s") % {"notes": report.follow_up_notes})
        _case_note(work_order, acting_user, "\n".join(lines))
        case = Case.objects.select_for_update().get(pk=work_order.case_id)
        if resolve_case and case.status in (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING):
            from .services import case_set_status

            case_set_status(case=case, acting_user=acting_user, status=CaseStatus.RESOLVED)
    return report


# --- parts used ---------------------------------------------------------------------------------

@transaction.atomic
def work_order_part_add(*, work_order: WorkOrder, acting_user, product, quantity, serial_numbers: str = "", note: str = "") -> WorkOrderPart:
    """A product used on the visit; serial numbers, when given, must match the quantity one for one."""
    if work_order.status in FINISHED:
        raise ValidationError({"product": _("A completed or cancelled work order cannot be changed.")})
    if product is None or not product.is_active:
        raise ValidationError({"product": _("Choose an active product.")})
    try:
        quantity = Decimal(str(quantity))
    except Exception:
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    part = WorkOrderPart(work_order=work_order, product=product, quantity=quantity, serial_numbers=(serial_numbers or "").strip(), note=note)
    serials = part.serial_list
    if serials:
        if len(set(serials)) != len(serials):
            raise ValidationError({"serial_numbers": _("A serial number is listed twice.")})
        if quantity != len(serials):
            raise ValidationError({"serial_numbers": _("%(count)d serial numbers for a quantity of %(quantity)s.") % {
                "count": len(serials), "quantity": quantity.normalize()}})
        part.serial_numbers = "\n".join(serials)
    base.create(part, acting_user=acting_user)
    return part


@transaction.atomic
def work_order_part_remove(*, part: WorkOrderPart, acting_user) -> None:
    if part.work_order.status in FINISHED:
        raise ValidationError({"product": _("A completed or cancelled work order cannot be changed.")})
    base.delete(part, acting_user=acting_user)


# --- technicians --------------------------------------------------------------------------------

def _clean_technician(data: dict) -> dict:
    if "skills" in data:
        data["skills"] = clean_skills(data["skills"])
    if "working_hours" in data:
        hours = {str(int(k)): v for k, v in (data["working_hours"] or {}).items() if v}
        try:
            parse_hours(hours)
        except ValidationError as exc:
            raise ValidationError({"working_hours": exc.messages}) from None
        except (TypeError, ValueError):
            raise ValidationError({"working_hours": _("Write working hours as 09:00-12:00, 13:00-18:00.")}) from None
        data["working_hours"] = hours
    return data


@transaction.atomic
def technician_create(*, acting_user, user, **data) -> Technician:
    _reject_unknown(data, TECHNICIAN_FIELDS)
    if Technician.objects.filter(user=user).exists():
        raise ValidationError({"user": _("%(user)s already has a technician profile.") % {"user": user}})
    technician = Technician(user=user, **_clean_technician(data))
    return base.create(technician, acting_user=acting_user)


@transaction.atomic
def technician_update(*, technician: Technician, acting_user, **data) -> dict:
    _reject_unknown(data, TECHNICIAN_FIELDS)
    return base.update(technician, acting_user=acting_user, data=_clean_technician(data))


@transaction.atomic
def time_off_add(*, technician: Technician, acting_user, starts_at, ends_at, reason: str = "") -> TechnicianTimeOff:
    if not starts_at or not ends_at:
        raise ValidationError({"starts_at": _("Give the start and the end of the time off.")})
    _check_window(starts_at, ends_at, "ends_at")
    return base.create(TechnicianTimeOff(technician=technician, starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()),
                       acting_user=acting_user)


@transaction.atomic
def time_off_remove(*, time_off: TechnicianTimeOff, acting_user) -> None:
    base.delete(time_off, acting_user=acting_user)
