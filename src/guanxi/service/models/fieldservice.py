"""Field service: technicians (skills, territory, working hours, time off), work orders sent to a
customer's site, the parts used on them and the technician's visit report."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import CasePriority
from ..fieldservice_choices import VisitResult, WorkOrderStatus, WorkOrderType

#: a work order in one of these is still to be done (the board and the calendars show it)
ACTIVE_WORK_ORDER = ["new", "scheduled", "dispatched", "in_progress"]


class Technician(BaseModel):
    """A user who goes to customers' sites: what they can do, where, and when they work."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="technician")
    skills = models.JSONField(_("skills"), default=list, blank=True, help_text=_("Skill codes, e.g. network, printer, hvac."))
    territory = models.ForeignKey(
        "core.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL, related_name="technicians",
    )
    home_base = models.CharField(_("home base"), max_length=200, blank=True, help_text=_("Where the technician starts the day."))
    #: ``{"0": [["08:30", "12:00"], ["13:00", "17:30"]], …}`` by weekday (0 = Monday), local time
    working_hours = models.JSONField(_("working hours"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["user__username"]
        indexes = [models.Index(fields=["is_active", "territory"], name="technician_active_idx")]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("service:technician_detail", args=[self.pk])


class TechnicianTimeOff(BaseModel):
    technician = models.ForeignKey(Technician, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["technician", "starts_at"], name="tech_timeoff_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="tech_timeoff_order")]

    def __str__(self) -> str:
        return f"{self.technician}: {self.reason or _('time off')}"


class WorkOrderNumberSequence(models.Model):
    """The last work order number given out in a year (WO-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class WorkOrder(BusinessModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="work_orders")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders",
    )
    case = models.ForeignKey("service.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders")
    work_type = models.CharField(_("type"), max_length=12, choices=WorkOrderType.choices, default=WorkOrderType.REPAIR)
    priority = models.CharField(_("priority"), max_length=10, choices=CasePriority.choices, default=CasePriority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW)
    address = models.CharField(_("address"), max_length=300, blank=True)
    location_note = models.CharField(_("how to get there"), max_length=200, blank=True)
    site_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    required_skills = models.JSONField(_("required skills"), default=list, blank=True)
    territory = models.ForeignKey(
        "core.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    window_start = models.DateTimeField(_("requested from"), null=True, blank=True)
    window_end = models.DateTimeField(_("requested until"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=60, validators=[MinValueValidator(5)])
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders",
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # Seen by its technician (and the technician's managers) and by whoever sees its account.
    visibility_owner_field = "technician"
    visibility_via = ("account",)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="wo_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="wo_status_idx"),
            models.Index(fields=["technician", "scheduled_start"], name="wo_technician_idx"),
            models.Index(fields=["scheduled_start", "id"], name="wo_scheduled_idx"),
            models.Index(fields=["account", "-created_at"], name="wo_account_idx"),
            models.Index(fields=["case"], name="wo_case_idx"),
            models.Index(fields=["priority", "-created_at"], name="wo_priority_idx"),
            models.Index(fields=["work_type", "-created_at"], name="wo_type_idx"),
            models.Index(fields=["territory", "-created_at"], name="wo_territory_idx"),
            models.Index(fields=["window_start", "id"], name="wo_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__isnull=True) | models.Q(scheduled_start__isnull=True) | models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="wo_schedule_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("service:workorder_detail", args=[self.pk])

    def audit_parent(self):
        return self.account

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_WORK_ORDER


class WorkOrderPart(BusinessModel):
    """A product used (installed, replaced) on a work order."""

    work_order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="parts")
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    serial_numbers = models.TextField(_("serial numbers"), blank=True, help_text=_("One a line or separated by commas."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    visibility_via = ("work_order",)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["work_order", "created_at"], name="wo_part_order_idx")]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    def audit_parent(self):
        return self.work_order

    @property
    def serial_list(self) -> list[str]:
        return [s.strip() for s in self.serial_numbers.replace(",", "\n").replace("，", "\n").splitlines() if s.strip()]


class VisitReport(BusinessModel):
    """What the technician did on site: times, the work, the result and who signed it off."""

    work_order = models.OneToOneField(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="report")
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    work_done = models.TextField(_("work done"))
    result = models.CharField(_("result"), max_length=12, choices=VisitResult.choices, default=VisitResult.FIXED)
    signed_off_by = models.CharField(_("customer sign-off name"), max_length=100, blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_notes = models.TextField(_("follow-up notes"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    visibility_via = ("work_order",)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(departed_at__isnull=True) | models.Q(arrived_at__isnull=True) | models.Q(departed_at__gte=models.F("arrived_at")),
                name="visit_report_time_order",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Visit report of %(number)s") % {"number": self.work_order.number})

    def audit_parent(self):
        return self.work_order
