"""``guanxi sales_escalate``: escalate leads left untouched too long (run it from cron, e.g. hourly).

Each stale lead's manager is notified and the lead goes to another rep (assignment rules, else the
least loaded colleague, else the manager).
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source
from guanxi.sales.services import DEFAULT_ESCALATION_HOURS, lead_escalate_stale


class Command(BaseCommand):
    help = "Escalate leads left untouched past the configured time: notify the manager and reassign."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None,
                            help=f"Untouched for more than this many hours (default: GUANXI_LEAD_ESCALATION_HOURS or {DEFAULT_ESCALATION_HOURS}).")

    def handle(self, *args, hours=None, **options):
        with change_source("cli", detail="sales_escalate"):
            leads = lead_escalate_stale(hours=hours)
        for lead in leads:
            self.stdout.write(f"{lead.pk}\t{lead}\t→ {lead.owner}")
        self.stdout.write(_("%(count)d leads escalated.") % {"count": len(leads)})
