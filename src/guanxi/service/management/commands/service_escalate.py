"""``guanxi service_escalate``: one escalation pass over the open cases (run it from cron every few minutes).

``--enqueue`` hands the pass to the background workers instead (``guanxi worker``).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from guanxi.framework.context import change_source


class Command(BaseCommand):
    help = "Warn about, and escalate, cases near or past their service level targets."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Run the pass in the background workers.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from guanxi.service.tasks import escalate_cases

            result = escalate_cases.enqueue()
            self.stdout.write(_("Escalation pass queued (%(id)s).") % {"id": result.id})
            return
        from guanxi.service import sla

        started = time.perf_counter()
        with change_source("cli", detail="service_escalate"):
            done = sla.escalate()
        self.stdout.write(_(
            "%(missed)d cases missed a target, %(near)d are near one; %(raised)d priorities raised, %(reassigned)d reassigned, "
            "%(notifications)d notifications sent in %(seconds).2f s."
        ) % {"missed": done["missed"], "near": done["near"], "raised": done["priority_raised"], "reassigned": done["reassigned"],
             "notifications": done["notifications"], "seconds": time.perf_counter() - started})
