from django.db import models
from django.utils.translation import gettext_lazy as _


class RestoreKind(models.TextChoices):
    """What the large demo takes away from the customer tables for its bulk load, in the order it is put back."""

    INDEX = "index", _("Index")
    FOREIGN_KEY = "foreign_key", _("Foreign key")
    FULL_TEXT = "full_text", _("Full-text index rebuild")
    TRIGGER = "trigger", _("Trigger")
