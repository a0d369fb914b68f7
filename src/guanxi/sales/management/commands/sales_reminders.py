"""``guanxi sales_reminders``: send the activity reminders that are due (run it from cron every minute)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source
from guanxi.sales.services import activities_send_reminders


class Command(BaseCommand):
    help = "Send due activity reminders: in-app notifications and e-mail."

    def handle(self, *args, **options):
        with change_source("cli", detail="sales_reminders"):
            sent = activities_send_reminders()
        self.stdout.write(_("%(count)d reminders sent.") % {"count": sent})
