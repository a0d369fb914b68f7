"""Background jobs of the customers app: applying a territory realignment."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanxi.core.models import Territory
from guanxi.framework import jobs


@jobs.handler("customers_realign")
def realign_job(job, progress) -> str:
    from .services import accounts_realign

    def report(done: int, total: int) -> None:
        if progress.job.total != total:
            progress.set_total(total)
        progress.advance(done, force=done == total)

    params = job.params
    moved = accounts_realign(
        acting_user=job.user,
        from_territory=Territory.objects.filter(pk=params.get("from_territory")).first() if params.get("from_territory") else None,
        to_territory=Territory.objects.filter(pk=params.get("to_territory")).first() if params.get("to_territory") else None,
        owners=params.get("owners", "keep"),
        on_progress=report,
    )
    return _("%(count)d accounts moved to their territories.") % {"count": moved}
