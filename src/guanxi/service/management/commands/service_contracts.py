"""``guanxi service_contracts``: the daily pass over service contracts (run it from cron once a day).

Active contracts past their end date become expired; the owner of each contract ending within its
reminder period (the account's owner when it has none) is notified once that it is time to renew.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source


class Command(BaseCommand):
    help = "Expire service contracts past their end, and remind owners of contracts to renew."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as on this day (YYYY-MM-DD); default today in the local time zone.")

    def handle(self, *args, date=None, **options):
        from guanxi.service import services

        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(_("--date: give a day as YYYY-MM-DD.")) from None
        with change_source("cli", detail="service_contracts"):
            done = services.contract_reminders(today=today)
        self.stdout.write(_("%(expired)d contracts expired, %(reminded)d renewal reminders sent.") % done)
