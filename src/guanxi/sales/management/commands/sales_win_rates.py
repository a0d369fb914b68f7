"""``guanxi sales_win_rates``: recompute the owners' kept win rates per stage from the stage history.

Needed after loading opportunities or stage changes around the services (COPY, raw SQL); harmless any
time (one ``GROUP BY`` over the history, written in a transaction). ``--check`` only compares and reports.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from guanxi.sales import selectors, services
from guanxi.sales.models import OwnerStageOutcome


class Command(BaseCommand):
    help = "Recompute the owners' won and closed deals per stage (the stage report's win rates) from the stage history."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare the kept figures with the stage history; change nothing")

    def handle(self, *args, check: bool = False, **options):
        if check:
            kept = selectors.win_rates(owner_ids=set(OwnerStageOutcome.objects.values_list("owner_id", flat=True)),
                                       stage_ids=set(OwnerStageOutcome.objects.values_list("stage_id", flat=True)))
            counted = selectors.win_rates_counted()
            if kept != counted:
                wrong = sorted(k for k in kept.keys() | counted.keys() if kept.get(k) != counted.get(k))
                raise CommandError(f"the kept win rates differ from the stage history for (owner, stage) {wrong[:20]}")
            self.stdout.write(f"the kept win rates match the stage history ({len(kept)} owner and stage pairs)")
            return
        rows = services.win_rates_rebuild()
        self.stdout.write(f"{rows} win rate rows written")
