"""Choices of the data-quality app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportTarget(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")


class ImportMode(models.TextChoices):
    CREATE = "create", _("Create only")
    UPDATE = "update", _("Update by key, create the rest")
    SKIP = "skip", _("Skip duplicates")


class ImportKey(models.TextChoices):
    """How a row finds the record it updates (or duplicates): each answered by an index."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    NAME = "name", _("Name")
    ID = "id", _("ID")


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Interrupted")
    UNDONE = "undone", _("Undone")


class RecordAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Not duplicates")
