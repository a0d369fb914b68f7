"""``guanxi sales_board_totals``: recompute the pipeline board's kept totals from the opportunities.

Needed after loading opportunities around the services (COPY, raw SQL); harmless any time (one
``INSERT … SELECT … GROUP BY``, in a transaction). ``--check`` only compares and reports.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum

from guanxi.sales import services
from guanxi.sales.models import Opportunity, OpportunityStageTotal


class Command(BaseCommand):
    help = "Recompute the pipeline board's totals per stage, owner and account from the opportunities."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare the kept totals with the opportunities; change nothing")

    def handle(self, *args, check: bool = False, **options):
        if check:
            kept = {(r["stage"]): (r["n"], r["c"]) for r in OpportunityStageTotal.objects.values("stage").annotate(n=Sum("count"), c=Sum("total_cents"))}
            live = {r["stage"]: (r["n"], int(round((r["a"] or 0) * 100)))
                    for r in Opportunity.objects.order_by().values("stage").annotate(n=Count("id"), a=Sum("amount"))}
            kept = {k: v for k, v in kept.items() if v != (0, 0)}
            if kept != live:
                raise CommandError(f"the board totals differ from the opportunities: kept {kept}, counted {live}")
            self.stdout.write("the board totals match the opportunities")
            return
        rows = services.board_totals_rebuild()
        self.stdout.write(f"{rows} board total rows written")
