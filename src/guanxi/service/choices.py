"""Choices of the service app, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")


class CaseType(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    COMPLAINT = "complaint", _("Complaint")
    REQUEST = "request", _("Request")


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


#: priorities from lowest to highest; escalation raises a case one step
PRIORITY_ORDER = [CasePriority.LOW, CasePriority.NORMAL, CasePriority.HIGH, CasePriority.URGENT]


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)

#: status -> the statuses a case may move to from it (reopening goes back to "open")
TRANSITIONS = {
    CaseStatus.NEW: {CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.OPEN: {CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.PENDING: {CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.OPEN},
    CaseStatus.CLOSED: {CaseStatus.OPEN},
}


class RoutingMethod(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    MANUAL = "manual", _("Manual")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
    CAUSED_BY = "caused_by", _("Caused by")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day")


class SlaState(models.TextChoices):
    NONE = "", _("No target")
    ON_TRACK = "on_track", _("On track")
    NEAR = "near", _("Near target")
    MISSED = "missed", _("Missed")
    MET = "met", _("Met")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
