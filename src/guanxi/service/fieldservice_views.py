"""Pages of field service: work orders and their actions, the dispatch board, technicians and their
calendars, and the phone-sized "My jobs" view of a technician."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.framework.feedback import report_errors
from guanxi.framework.services import field_errors
from guanxi.framework.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView, apply_errors, safe_next

from . import fieldservice_selectors as selectors
from . import fieldservice_services as services
from .fieldservice_choices import WORK_ORDER_TRANSITIONS, WorkOrderStatus
from .fieldservice_filters import WorkOrderFilterSet
from .fieldservice_forms import PartForm, ScheduleForm, TechnicianForm, TimeOffForm, VisitReportForm, WorkOrderStatusForm, WorkOrderForm
from .fieldservice_tables import WorkOrderTable
from .models import Case, Technician, TechnicianTimeOff, WorkOrder, WorkOrderPart

NS = "service"

WORK_ORDER_EXPORT = [
    ("number", gettext_lazy("number")), ("subject", gettext_lazy("subject")), ("account", gettext_lazy("account")),
    ("case", gettext_lazy("case")), ("work_type", gettext_lazy("type")), ("priority", gettext_lazy("priority")),
    ("status", gettext_lazy("status")), ("technician", gettext_lazy("technician")), ("address", gettext_lazy("address")),
    ("window_start", gettext_lazy("requested from")), ("window_end", gettext_lazy("requested until")),
    ("scheduled_start", gettext_lazy("scheduled start")), ("scheduled_end", gettext_lazy("scheduled end")),
    ("started_at", gettext_lazy("started")), ("completed_at", gettext_lazy("completed")), ("created_at", gettext_lazy("created")),
]


def _error_text(exc: ValidationError) -> str:
    return " ".join(reason for reasons in field_errors(exc).values() for reason in reasons)


def _visible_work_order(request, pk) -> WorkOrder:
    return get_object_or_404(WorkOrder.objects.visible_to(request.user).select_related("account", "case", "technician", "contact"), pk=pk)


def _day(request) -> datetime.date:
    return parse_date(request.GET.get("day") or "") or timezone.localdate()


def _conflict_messages(request, conflicts) -> None:
    for conflict in conflicts:
        messages.warning(request, f"{conflict.label}: {conflict.message}")


# --- work orders --------------------------------------------------------------------------------

class WorkOrderListView(ObjectListView):
    model, url_namespace = WorkOrder, NS
    filterset_class, table_class = WorkOrderFilterSet, WorkOrderTable
    select_related = ("account", "technician", "case")
    export_fields = WORK_ORDER_EXPORT

    def base_queryset(self):
        return super().base_queryset().defer("description", "account__search_text", "account__description")


class WorkOrderDetailView(ObjectDetailView):
    model, url_namespace = WorkOrder, NS
    template_name = "service/fieldservice/workorder_detail.html"
    select_related = ("account", "contact", "case", "technician", "territory", "created_by")

    def get_context(self, work_order):
        user = self.request.user
        can_change = user.has_perm("service.change_workorder")
        report = getattr(work_order, "report", None)  # a missing one-to-one raises an AttributeError
        conflicts = []
        if work_order.technician_id and work_order.is_active:
            profile = Technician.objects.filter(user_id=work_order.technician_id).first()
            if profile:
                conflicts = selectors.schedule_conflicts(work_order=work_order, technician=profile,
                                                         start=work_order.scheduled_start, end=work_order.scheduled_end)
        return {
            "parts": work_order.parts.select_related("product"),
            "report": report,
            "conflicts": conflicts,
            "can_change": can_change,
            "next_statuses": [(s, WorkOrderStatus(s).label) for s in WorkOrderStatus.values
                              if s in WORK_ORDER_TRANSITIONS[work_order.status] and s != WorkOrderStatus.COMPLETED],
            "schedule_form": ScheduleForm(user=user, initial={
                "technician": work_order.technician_id,
                "scheduled_start": timezone.localtime(work_order.scheduled_start or work_order.window_start) if (work_order.scheduled_start or work_order.window_start) else None,
            }),
            "part_form": PartForm(user=user),
            "report_form": _report_form(work_order, report, user),
            "suggestions": selectors.suggest_technicians(work_order=work_order, user=user) if can_change and work_order.status in ("new", "scheduled") else [],
        }


def _report_form(work_order, report, user, data=None):
    initial = {}
    if report is not None:
        initial = {k: getattr(report, k) for k in ("work_done", "result", "signed_off_by", "follow_up_needed", "follow_up_notes")}
        initial.update({k: timezone.localtime(getattr(report, k)) for k in ("arrived_at", "departed_at") if getattr(report, k)})
    elif work_order.started_at:
        initial["arrived_at"] = timezone.localtime(work_order.started_at)
    return VisitReportForm(data, user=user, initial=initial, case=work_order.case)


class WorkOrderEditView(ObjectEditView):
    model, url_namespace, form_class = WorkOrder, NS, WorkOrderForm
    initial_from_query = ("account", "contact")

    def get_form(self, data=None, files=None, instance=None):
        form = super().get_form(data, files, instance)
        case_id = self.request.GET.get("case")
        if instance is None and data is None and case_id:
            case = get_object_or_404(Case.objects.visible_to(self.request.user).select_related("account", "contact", "category"), pk=case_id)
            form.initial.update({
                "case": case.pk, "account": case.account_id, "contact": case.contact_id, "subject": case.subject,
                "description": case.description, "priority": case.priority, "work_type": "repair",
                "required_skills": [case.category.skill] if case.category_id and case.category.skill else [],
                "address": services.default_address(case.account),
            })
        return form

    def save(self, form, instance):
        data = dict(form.cleaned_data)
        if instance is None:
            return services.work_order_create(acting_user=self.request.user, **data)
        services.work_order_update(work_order=instance, acting_user=self.request.user, **data)
        return instance


class WorkOrderDeleteView(ObjectDeleteView):
    model, url_namespace = WorkOrder, NS

    def delete(self, obj):
        services.work_order_delete(work_order=obj, acting_user=self.request.user)


def _work_order_action(action):
    """A POST on one work order the user can see and may change; htmx gets 204 (or 422 with the reason)."""
    @login_required
    @permission_required("service.change_workorder", raise_exception=True)
    @require_POST
    def view(request, pk, **kwargs):
        work_order = _visible_work_order(request, pk)
        try:
            with transaction.atomic():
                done = action(request, work_order, **kwargs)
        except ValidationError as exc:
            if request.htmx:
                return HttpResponse(_error_text(exc), status=422)
            report_errors(request, exc)
        else:
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Trigger": "board-changed"})
            if done:
                messages.success(request, done)
        return HttpResponseRedirect(safe_next(request, work_order.get_absolute_url()))
    view.__name__ = action.__name__
    return view


@_work_order_action
def work_order_schedule(request, work_order):
    form = ScheduleForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    data = form.cleaned_data
    conflicts = services.work_order_schedule(work_order=work_order, acting_user=request.user, technician=data["technician"],
                                             start=data["scheduled_start"], end=data.get("scheduled_end"))
    _conflict_messages(request, conflicts)
    return _("%(number)s assigned to %(technician)s.") % {"number": work_order.number, "technician": data["technician"]}


@_work_order_action
def work_order_unschedule(request, work_order):
    services.work_order_unschedule(work_order=work_order, acting_user=request.user)
    return _("%(number)s is unassigned again.") % {"number": work_order.number}


@_work_order_action
def work_order_status(request, work_order):
    form = WorkOrderStatusForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    status = form.cleaned_data["status"]
    if status == WorkOrderStatus.IN_PROGRESS:
        services.work_order_start(work_order=work_order, acting_user=request.user)
    else:
        services.work_order_set_status(work_order=work_order, acting_user=request.user, status=status)
    return _("%(number)s is now %(status)s.") % {"number": work_order.number, "status": work_order.get_status_display()}


@_work_order_action
def work_order_part_add(request, work_order):
    form = PartForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    part = services.work_order_part_add(work_order=work_order, acting_user=request.user, **form.cleaned_data)
    return _("Added %(part)s.") % {"part": part}


@_work_order_action
def work_order_part_remove(request, work_order, part_pk):
    part = get_object_or_404(WorkOrderPart.objects.filter(work_order=work_order), pk=part_pk)
    services.work_order_part_remove(part=part, acting_user=request.user)
    return _("Part removed.")


@_work_order_action
def work_order_report(request, work_order):
    """Save the visit report; with ``complete`` also complete the work order (and resolve its case if ticked)."""
    form = VisitReportForm(request.POST, user=request.user, case=work_order.case)
    if not form.is_valid():
        raise ValidationError({k: v for k, v in form.errors.items()})
    data = dict(form.cleaned_data)
    resolve_case = data.pop("resolve_case", False)
    data = {k: v for k, v in data.items() if v is not None or k not in ("arrived_at", "departed_at")}
    if request.POST.get("complete"):
        services.work_order_complete(work_order=work_order, acting_user=request.user, resolve_case=resolve_case, **data)
        return _("%(number)s completed.") % {"number": work_order.number}
    services.visit_report_save(work_order=work_order, acting_user=request.user, **data)
    return _("Visit report saved.")


@login_required
@permission_required("service.view_workorder", raise_exception=True)
def work_order_suggestions(request, pk):
    work_order = _visible_work_order(request, pk)
    day = parse_date(request.GET.get("day") or "")
    suggestions = selectors.suggest_technicians(work_order=work_order, user=request.user, day=day)
    return render(request, "service/fieldservice/_suggestions.html", {"object": work_order, "suggestions": suggestions,
                                                                      "can_change": request.user.has_perm("service.change_workorder")})


# --- dispatch board -----------------------------------------------------------------------------

#: the hours the day view offers as drop targets
BOARD_HOURS = range(7, 20)


def _board_cards(jobs, can_change: bool, zone, urls) -> str:
    """The cards of one board cell, built in Python: a week of a large team is thousands of cards."""
    detail, schedule, unschedule = urls
    cards = []
    for job, conflicts, start, end in jobs:
        times = f"{timezone.localtime(start, zone):%H:%M}–{timezone.localtime(end, zone):%H:%M}"
        if job is None:  # a job of an account the dispatcher cannot see: busy time only
            cards.append(format_html('<div class="badge bg-light text-muted border mb-1">{} {}</div>', _("busy"), times))
            continue
        pk = f"/{job.pk}/"
        warnings = format_html_join("", '<div class="text-warning-emphasis conflict" data-conflict="{}">⚠ {}: {}</div>',
                                    ((c.kind, c.label, c.message) for c in conflicts))
        cards.append(format_html(
            '<article class="card mb-1 wo-card{}" draggable="{}" data-work-order="{}" data-schedule-url="{}" data-unschedule-url="{}" '
            'data-time="{}" tabindex="0"><div class="card-body p-1"><a class="fw-semibold" href="{}">{}</a> '
            '<span class="badge bg-secondary">{}</span><div>{} {}</div>{}</div></article>',
            " border-warning" if conflicts else "", "true" if can_change and job.status != WorkOrderStatus.IN_PROGRESS else "false",
            job.pk, schedule.replace("/0/", pk), unschedule.replace("/0/", pk), f"{timezone.localtime(start, zone):%H:%M}",
            detail.replace("/0/", pk), job.number, job.get_status_display(), times, str(job.account)[:18], warnings,
        ))
    return mark_safe("".join(cards))


def _board_hour(moment: datetime.datetime, day: datetime.date) -> int:
    hour = moment.hour if moment.date() == day else (BOARD_HOURS[0] if moment.date() < day else BOARD_HOURS[-1])
    return min(max(hour, BOARD_HOURS[0]), BOARD_HOURS[-1])


@login_required
@permission_required("service.view_workorder", raise_exception=True)
def dispatch_board(request):
    """Technicians in rows, the day's hours (or the week's days) in columns, unassigned work orders beside them."""
    day = _day(request)
    week = request.GET.get("view") == "week"
    if week:
        day = day - datetime.timedelta(days=day.weekday())
    board = selectors.dispatch_board(user=request.user, day=day, days=7 if week else 1)
    zone = selectors.local_zone()
    can_change = request.user.has_perm("service.change_workorder")
    urls = [reverse(f"service:workorder_{name}", args=[0]) for name in ("detail", "schedule", "unschedule")]  # "/0/" replaced per card
    for row in board["rows"]:
        if week:
            row.slots = [{"date": date, "time": "", "cards": _board_cards(jobs, can_change, zone, urls)} for date, jobs in zip(board["dates"], row.days)]
            continue
        row.slots = []
        for hour in BOARD_HOURS:
            # a job sits in the column of its start hour; those before or after the grid in its first or last column
            jobs = [c for c in row.days[0] if _board_hour(timezone.localtime(c[2], zone), day) == hour]
            row.slots.append({"date": day, "time": f"{hour:02d}:00", "cards": _board_cards(jobs, can_change, zone, urls)})
    board["hours"] = [datetime.time(h) for h in BOARD_HOURS]
    step = datetime.timedelta(days=7 if week else 1)
    context = {
        **board, "day": day, "week": week, "prev_day": day - step, "next_day": day + step, "today": timezone.localdate(),
        "can_change": can_change, "page_title": _("Dispatch board"),
        # the same options in every unassigned card's fallback form: rendered once
        "technician_options": format_html_join("", '<option value="{}">{}</option>', ((r.technician.user_id, str(r.technician)) for r in board["rows"])),
    }
    template = "service/fieldservice/_board.html" if request.htmx and not request.htmx.boosted else "service/fieldservice/dispatch_board.html"
    return render(request, template, context)


# --- technicians --------------------------------------------------------------------------------

@login_required
@permission_required("service.view_technician", raise_exception=True)
def technician_list(request):
    technicians = Technician.objects.select_related("user", "territory").order_by("-is_active", "user__username")
    in_scope = set(selectors.technicians_in_scope(user=request.user).values_list("pk", flat=True))
    return render(request, "service/fieldservice/technician_list.html", {
        "technicians": technicians, "in_scope": in_scope, "page_title": _("Technicians"),
        "can_add": request.user.has_perm("service.add_technician"),
    })


@login_required
@permission_required("service.view_technician", raise_exception=True)
def technician_detail(request, pk):
    technician = get_object_or_404(Technician.objects.select_related("user", "territory"), pk=pk)
    day = _day(request)
    week = request.GET.get("view", "week") == "week"
    if week:
        day = day - datetime.timedelta(days=day.weekday())
    calendar = selectors.technician_calendar(technician=technician, user=request.user, day=day, days=7 if week else 1)
    step = datetime.timedelta(days=7 if week else 1)
    from .businesshours import format_hours, parse_hours
    from .choices import Weekday

    hours = parse_hours(technician.working_hours)
    return render(request, "service/fieldservice/technician_detail.html", {
        "object": technician, "page_title": str(technician), **calendar, "day": day, "week": week,
        "prev_day": day - step, "next_day": day + step,
        "weekly_hours": [(d.label, format_hours(hours.get(d.value, []))) for d in Weekday],
        "upcoming_time_off": technician.time_off.filter(ends_at__gte=timezone.now()),
        "time_off_form": TimeOffForm(user=request.user), "can_change": request.user.has_perm("service.change_technician"),
    })


@login_required
def technician_edit(request, pk=None):
    technician = get_object_or_404(Technician, pk=pk) if pk else None
    if not request.user.has_perm("service.change_technician" if pk else "service.add_technician"):
        raise PermissionDenied
    form = TechnicianForm(request.POST or None, instance=technician, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if technician is None:
                    technician = services.technician_create(acting_user=request.user, user=form.cleaned_data["user"], **form.service_data())
                else:
                    services.technician_update(technician=technician, acting_user=request.user, **form.service_data())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved %(record)s.") % {"record": technician})
            return HttpResponseRedirect(technician.get_absolute_url())
    title = (_("Edit %(record)s") % {"record": technician}) if technician else _("New technician")
    return render(request, "generic/object_edit.html", {
        "form": form, "object": technician, "page_title": title,
        "cancel_url": technician.get_absolute_url() if technician else reverse("service:technician_list"),
    })


@login_required
@permission_required("service.change_technician", raise_exception=True)
@require_POST
def technician_time_off(request, pk):
    technician = get_object_or_404(Technician, pk=pk)
    if request.POST.get("remove"):
        time_off = get_object_or_404(TechnicianTimeOff, pk=request.POST["remove"], technician=technician)
        services.time_off_remove(time_off=time_off, acting_user=request.user)
        messages.success(request, _("Time off removed."))
        return HttpResponseRedirect(technician.get_absolute_url())
    form = TimeOffForm(request.POST, user=request.user)
    try:
        if not form.is_valid():
            raise ValidationError({k: v for k, v in form.errors.items()})
        with transaction.atomic():
            services.time_off_add(technician=technician, acting_user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        report_errors(request, exc)
    else:
        messages.success(request, _("Time off added."))
    return HttpResponseRedirect(technician.get_absolute_url())


# --- the technician's phone view ----------------------------------------------------------------

@login_required
@permission_required("service.view_workorder", raise_exception=True)
def my_jobs(request):
    day = _day(request)
    return render(request, "service/fieldservice/my_jobs.html", {
        "jobs": selectors.my_jobs(user=request.user, day=day), "day": day, "page_title": _("My jobs"),
        "prev_day": day - datetime.timedelta(days=1), "next_day": day + datetime.timedelta(days=1), "today": timezone.localdate(),
    })


@login_required
@permission_required("service.view_workorder", raise_exception=True)
def my_job(request, pk):
    work_order = get_object_or_404(
        WorkOrder.objects.visible_to(request.user).filter(technician=request.user).select_related("account", "contact", "case"), pk=pk)
    report = getattr(work_order, "report", None)  # a missing one-to-one raises an AttributeError
    return render(request, "service/fieldservice/my_job.html", {
        "object": work_order, "page_title": str(work_order), "report": report,
        "parts": work_order.parts.select_related("product"), "part_form": PartForm(user=request.user),
        "report_form": _report_form(work_order, report, request.user), "can_change": request.user.has_perm("service.change_workorder"),
    })
