"""Service levels: business calendars (working hours, holidays, adjusted working days) and SLA policies."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel

from ..choices import CalendarDayKind, CasePriority


def default_hours() -> dict:
    """Monday to Friday 09:00-12:00 and 13:00-18:00; weekends off."""
    day = [["09:00", "12:00"], ["13:00", "18:00"]]
    return {str(weekday): (day if weekday < 5 else []) for weekday in range(7)}


class BusinessCalendar(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    #: weekday ("0" = Monday) -> [["09:00", "12:00"], …]; adjusted working days use Monday's hours
    hours = models.JSONField(_("working hours"), default=default_hours)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:calendar_detail", args=[self.pk])


class CalendarDay(BaseModel):
    """A public holiday on a working day, or a weekend day that is worked (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="service_calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class SlaPolicy(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("business calendar"), on_delete=models.PROTECT, related_name="policies")
    is_default = models.BooleanField(_("default policy"), default=False, help_text=_("Applies to cases whose queue names no policy."))
    pause_when_pending = models.BooleanField(_("pause while pending on the customer"), default=True)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target used)"), default=80, help_text=_("Escalation warns when this share of a target's time is used."),
    )
    raise_priority_on_breach = models.BooleanField(_("raise priority when missed"), default=True)
    reassign_on_breach = models.BooleanField(_("hand to the queue supervisor when missed"), default=False)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="service_one_default_sla")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:slapolicy_detail", args=[self.pk])


class SlaTarget(BaseModel):
    """Targets for one priority, for one value tier or (tier left empty) for every tier."""

    policy = models.ForeignKey(SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=10, choices=CasePriority.choices)
    value_tier = models.CharField(_("value tier"), max_length=10, blank=True, help_text=_("Empty: any tier."))
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "priority", "value_tier"]
        constraints = [models.UniqueConstraint(fields=["policy", "priority", "value_tier"], name="service_sla_target_unique")]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_priority_display()} · {self.value_tier or '*'}"
