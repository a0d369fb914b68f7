"""Background work of the service app, on Django's Tasks API (``django_tasks``).

Schedule :func:`escalate_cases` every few minutes (cron: ``guanxi service_escalate``, or enqueue the
task from any scheduler); one pass is set-based, so it stays quick with many open cases.
"""

from __future__ import annotations

from django_tasks import task

from guanxi.framework.context import change_source


@task()
def escalate_cases() -> dict:
    from . import sla

    with change_source("job", detail="service_escalate"):
        return sla.escalate()
