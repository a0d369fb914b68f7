"""``guanxi sales_reminders``: send the activity reminders and contract renewal reminders that are due
(run it from cron every few minutes)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source
from guanxi.sales.services import activities_send_reminders, contracts_remind_renewals


class Command(BaseCommand):
    help = "Send due activity reminders (in-app and e-mail) and contract renewal reminders; expire ended contracts."

    def handle(self, *args, **options):
        with change_source("cli", detail="sales_reminders"):
            sent = activities_send_reminders()
            renewals = contracts_remind_renewals()
        self.stdout.write(_("%(count)d reminders sent.") % {"count": sent + renewals})
