"""Choices of the portal app, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalUserStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
