"""Periodic work of the data-quality app, on Django's Tasks API (``django_tasks``).

:func:`take_quality_snapshot` records the day's figures for the dashboard's trend. Schedule it once a
day: cron ``guanxi quality_snapshot`` (e.g. ``5 0 * * *``), or enqueue the task from any scheduler
(rq-scheduler with ``GUANXI_TASK_BACKEND=rq``). As a safety net the dashboard queues it when the day has
no snapshot yet, and every dedupe run takes one.
"""

from __future__ import annotations

from django_tasks import task

from guanxi.framework.context import change_source


@task()
def take_quality_snapshot() -> dict:
    from .dashboard import take_snapshot

    with change_source("job", detail="quality_snapshot"):
        return take_snapshot().figures
