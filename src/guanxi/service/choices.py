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


# --- service contracts, installed products, returns ---------------------------------------------

class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


CONTRACT_TRANSITIONS = {
    ContractStatus.DRAFT: {ContractStatus.ACTIVE, ContractStatus.CANCELLED},
    ContractStatus.ACTIVE: {ContractStatus.EXPIRED, ContractStatus.CANCELLED},
    ContractStatus.EXPIRED: {ContractStatus.ACTIVE},
    ContractStatus.CANCELLED: set(),
}


class EntitlementUnit(models.TextChoices):
    VISIT = "visit", _("On-site visits")
    HOUR = "hour", _("Support hours")


class InstalledProductStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    IN_REPAIR = "in_repair", _("In repair")
    REPLACED = "replaced", _("Replaced")
    RETIRED = "retired", _("Retired")


class ReplacementWarranty(models.TextChoices):
    CARRY_OVER = "carry_over", _("Carry over the old unit's warranty end")
    RESTART = "restart", _("Restart the warranty from the replacement date")


class RmaStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by the customer")
    AUTHORISED = "authorised", _("Authorised")
    RECEIVED = "received", _("Received")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    REPAIRED = "repaired", _("Repaired")
    REPLACED = "replaced", _("Replaced")
    REFUNDED = "refunded", _("Refunded")
    SHIPPED = "shipped", _("Shipped back")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


#: status -> the statuses a return may move to from it
RMA_TRANSITIONS = {
    RmaStatus.REQUESTED: {RmaStatus.AUTHORISED, RmaStatus.CANCELLED},
    RmaStatus.AUTHORISED: {RmaStatus.RECEIVED, RmaStatus.CANCELLED},
    RmaStatus.RECEIVED: {RmaStatus.DIAGNOSED, RmaStatus.CANCELLED},
    RmaStatus.DIAGNOSED: {RmaStatus.REPAIRED, RmaStatus.REPLACED, RmaStatus.REFUNDED},
    RmaStatus.REPAIRED: {RmaStatus.SHIPPED},
    RmaStatus.REPLACED: {RmaStatus.SHIPPED},
    RmaStatus.REFUNDED: {RmaStatus.CLOSED},
    RmaStatus.SHIPPED: {RmaStatus.CLOSED},
    RmaStatus.CLOSED: set(),
    RmaStatus.CANCELLED: set(),
}
OPEN_RMA_STATUSES = tuple(s for s in RmaStatus if s not in (RmaStatus.CLOSED, RmaStatus.CANCELLED))

#: what the customer reads (portal, e-mails) for each status
RMA_CUSTOMER_LABELS = {
    RmaStatus.REQUESTED: _("Return requested: we will confirm it shortly"),
    RmaStatus.AUTHORISED: _("Return authorised: please send the item to us"),
    RmaStatus.RECEIVED: _("We have received your item"),
    RmaStatus.DIAGNOSED: _("Our engineers have examined your item"),
    RmaStatus.REPAIRED: _("Repaired, being prepared for return"),
    RmaStatus.REPLACED: _("Replacement being prepared for shipment"),
    RmaStatus.REFUNDED: _("Refund issued"),
    RmaStatus.SHIPPED: _("On its way back to you"),
    RmaStatus.CLOSED: _("Completed"),
    RmaStatus.CANCELLED: _("Cancelled"),
}
