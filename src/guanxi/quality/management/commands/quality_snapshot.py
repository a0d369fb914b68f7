"""``guanxi quality_snapshot``: record today's data-quality figures for the dashboard's trend (run it daily)."""

from django.core.management.base import BaseCommand

from guanxi.quality.dashboard import take_snapshot


class Command(BaseCommand):
    help = "Record today's organisation-wide data-quality figures (the dashboard's trend)."

    def handle(self, *args, **options):
        snapshot = take_snapshot()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in snapshot.figures.items()))
