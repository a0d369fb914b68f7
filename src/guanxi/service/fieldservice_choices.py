"""Choices of field service, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderType(models.TextChoices):
    INSTALLATION = "installation", _("Installation")
    REPAIR = "repair", _("Repair")
    MAINTENANCE = "maintenance", _("Maintenance")
    INSPECTION = "inspection", _("Inspection")


class WorkOrderStatus(models.TextChoices):
    NEW = "new", _("New")
    SCHEDULED = "scheduled", _("Scheduled")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


#: status -> the statuses a work order may move to from it
WORK_ORDER_TRANSITIONS = {
    WorkOrderStatus.NEW: {WorkOrderStatus.SCHEDULED, WorkOrderStatus.CANCELLED},
    WorkOrderStatus.SCHEDULED: {WorkOrderStatus.NEW, WorkOrderStatus.DISPATCHED, WorkOrderStatus.CANCELLED},
    WorkOrderStatus.DISPATCHED: {WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.CANCELLED},
    WorkOrderStatus.IN_PROGRESS: {WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED},
    WorkOrderStatus.COMPLETED: set(),
    WorkOrderStatus.CANCELLED: set(),
}


class VisitResult(models.TextChoices):
    FIXED = "fixed", _("Resolved on site")
    PARTIAL = "partial", _("Partly resolved")
    NOT_FIXED = "not_fixed", _("Not resolved")
    NO_ACCESS = "no_access", _("No access to the site")


class ConflictKind(models.TextChoices):
    SKILLS = "skills", _("Skill mismatch")
    OVERLAP = "overlap", _("Overlaps another job")
    TIME_OFF = "time_off", _("Time off")
    HOURS = "hours", _("Outside working hours")
    TERRITORY = "territory", _("Outside territory")
