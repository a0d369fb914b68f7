"""Bookkeeping of the large demo load: what it took away from the database and must put back."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import RestoreKind


class PendingRestore(models.Model):
    """An index, foreign key, trigger or full-text rebuild the bulk load owes the database.

    Rows are written in the load's transaction together with the drops, and each is deleted in the
    transaction that restores its object; so a load that is interrupted after its data was committed
    is finished by the next run of the command, and nothing is forgotten.
    """

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    kind = models.CharField(_("type"), max_length=20, choices=RestoreKind.choices)
    table = models.CharField(_("table"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    statement = models.TextField(_("SQL statement"))

    class Meta:
        verbose_name = _("pending restore")
        verbose_name_plural = _("pending restores")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
