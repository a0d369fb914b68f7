"""List columns of the data-quality pages."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table

STATUS_CLASSES = {"done": "bg-success", "failed": "bg-danger", "running": "bg-primary", "queued": "bg-info text-dark", "undone": "bg-secondary"}


def status(batch):
    label = batch.get_status_display()
    if batch.dry_run:
        label = format_html("{} · {}", label, _("dry run"))
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(batch.status, "bg-light text-dark"), label)


def created(batch):
    return timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M")


def rows(batch):
    return format_html("{} / {}", batch.processed_rows, batch.total_rows if batch.total_rows is not None else "?")


class ImportBatchTable(Table):
    filename = Column(_("file name"), "filename", linkify=True)
    target = Column(_("import into"), "target")
    status = Column(_("status"), render=status, order_by=("status", "-created_at"))
    progress = Column(_("rows"), render=rows, optional=True)
    created_count = Column(_("created"), "created_count", optional=True)
    updated_count = Column(_("updated"), "updated_count", optional=True)
    error_count = Column(_("rows with errors"), "error_count")
    owner = Column(_("started by"), "owner", order_by=("owner", "-created_at"))
    created = Column(_("created"), render=created, order_by=("-created_at", "-id"))
    default_order = "created"
