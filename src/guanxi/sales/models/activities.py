"""Activities: tasks, calls, meetings and visits on a calendar, linked to the records they are about."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel

from ..choices import ActivityKind, ActivityStatus


class Activity(BusinessModel):
    kind = models.CharField(_("type"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.TASK)
    subject = models.CharField(_("subject"), max_length=200)
    starts_at = models.DateTimeField(_("start"), help_text=_("For a task: when it is due."))
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_activities")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, through="ActivityAttendee", related_name="attended_activities",
    )
    contacts = models.ManyToManyField("customers.Contact", verbose_name=_("customer attendees"), blank=True, related_name="activities")
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lead = models.ForeignKey("sales.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    opportunity = models.ForeignKey("sales.Opportunity", verbose_name=_("opportunity"), null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    reminder_minutes = models.PositiveIntegerField(
        _("reminder (minutes before)"), null=True, blank=True, validators=[MaxValueValidator(60 * 24 * 14)],
        help_text=_("Empty: no reminder. The reminder comes in Guanxi and by e-mail."),
    )
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)

    audit_exclude = ("created_at", "updated_at", "remind_at", "reminder_sent_at")
    visibility_owner_field = "owner"
    visibility_via = ("account", "lead", "opportunity", "attendee_links")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["owner", "starts_at"], name="activity_owner_idx"),
            models.Index(fields=["starts_at", "id"], name="activity_start_idx"),
            models.Index(fields=["account", "-starts_at"], name="activity_account_idx"),
            models.Index(fields=["lead", "-starts_at"], name="activity_lead_idx"),
            models.Index(fields=["opportunity", "-starts_at"], name="activity_opp_idx"),
            models.Index(fields=["status", "remind_at"], name="activity_reminder_idx"),
            models.Index(fields=["kind", "starts_at"], name="activity_kind_idx"),
            models.Index(fields=["-updated_at", "-id"], name="activity_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("sales:activity_detail", args=[self.pk])


class ActivityAttendee(BaseModel):
    """A colleague invited to an activity; attendees see the activity like its owner."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendee_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_links")

    visibility_owner_field = "user"

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="activity_attendee_unique")]
        indexes = [models.Index(fields=["user", "activity"], name="activity_attendee_user_idx")]


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(BaseModel):
    """The secret address of a user's iCalendar feed; a new token makes the old address stop working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_calendar_feed")
    token = models.CharField(max_length=40, unique=True, default=new_feed_token)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
