"""``guanxi jobs``: the background jobs and their progress; ``--watch ID`` follows one to the end."""

import time

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.models import Job


class Command(BaseCommand):
    help = "List background jobs with their progress, or follow one (--watch ID)."

    def add_arguments(self, parser):
        parser.add_argument("--watch", type=int, metavar="ID", help="print the progress of one job until it finishes")
        parser.add_argument("--limit", type=int, default=20)

    def line(self, job) -> str:
        total = f"/{job.total}" if job.total else ""
        percent = f" {job.percent}%" if job.percent is not None else ""
        return f"#{job.pk} {job.status:<8} {job.progress}{total}{percent}  {job.title}  {job.message}".rstrip()

    def handle(self, *args, watch=None, limit=20, **options):
        if watch is None:
            for job in Job.objects.all()[:limit]:
                self.stdout.write(self.line(job))
            return
        try:
            job = Job.objects.get(pk=watch)
        except Job.DoesNotExist:
            raise CommandError(f"no job #{watch}") from None
        while True:
            job.refresh_from_db()
            self.stdout.write(self.line(job))
            if job.finished:
                if job.status == "failed":
                    raise CommandError(job.error.strip() or "failed")
                return
            time.sleep(1)
