"""Benchmark of field service: the dispatch board (day and week), the work order list, a work order's
suggested technicians, and "My jobs", for a dispatcher planning for many technicians.

    GUANXI_DATABASE_URL=sqlite:////tmp/fieldservice-bench.sqlite3 python -m benchmarks.fieldservice --technicians 50 --orders 20000
    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_fs_bench python -m benchmarks.fieldservice

It migrates the database it is given, creates a dispatcher managing a team of ``--technicians``
technicians (through the services), then bulk-generates ``--orders`` work orders over a few hundred
accounts: most of them completed in the past, six jobs per technician per day in the benchmarked week,
and 200 unassigned. Each page runs ``--runs`` times in process through Django's test client; the
median, the p95 and the number of SQL queries are printed and written as JSON under
``benchmarks/results/``. Do not point it at a database you care about.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import time

from benchmarks.__main__ import RESULTS, setup_django

HOURS = {str(d): [["08:30", "12:00"], ["13:00", "17:30"]] for d in range(5)}
SKILLS = ["network", "printer", "hvac", "installation", "electrical"]


def percentile(samples, p):
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def build(technicians: int, orders: int, day: datetime.date, seed: int):
    from django.db import transaction
    from django.utils import timezone

    from guanxi.core import services as core
    from guanxi.core.models import Team, User
    from guanxi.customers import services as customers
    from guanxi.customers.models import Account
    from guanxi.service import fieldservice_services as fs
    from guanxi.service.models import Technician, WorkOrder

    rng = random.Random(seed)
    roles = {r.code: r for r in core.role_bootstrap()}
    dispatcher = User.objects.filter(username="fs_dispatcher").first()
    if dispatcher is None:
        dispatcher = core.user_create(acting_user=None, username="fs_dispatcher", password=None, roles=[roles["supervisor"]])
        team = core.team_create(acting_user=None, name="外勤基准组", manager=dispatcher)
    team = Team.objects.get(name="外勤基准组")
    have = Technician.objects.filter(user__team=team).count()
    for n in range(have, technicians):
        user = core.user_create(acting_user=None, username=f"fs_tech{n}", password=None, team=team, roles=[roles["service_agent"]])
        fs.technician_create(acting_user=None, user=user, skills=rng.sample(SKILLS, 2), working_hours=HOURS)
    techs = list(Technician.objects.filter(user__team=team).select_related("user"))
    accounts = list(Account.objects.filter(owner=dispatcher)[:300])
    while len(accounts) < 300:
        accounts.append(customers.account_create(acting_user=dispatcher, name=f"外勤基准客户{len(accounts)}号"))
    existing = WorkOrder.objects.count()
    if existing >= orders:
        return dispatcher, techs
    zone = timezone.get_current_timezone()
    rows = []
    week = [day + datetime.timedelta(days=d) for d in range(5)]
    planned = [(t, d, h) for t in techs for d in week for h in (8, 10, 13, 15, 16, 17)]
    year = day.year
    for n in range(existing, orders):
        account = rng.choice(accounts)
        wo = WorkOrder(number=f"WO-{year}-B{n:07d}", subject=f"基准工单{n}", account=account, required_skills=rng.sample(SKILLS, 1),
                       duration_minutes=60, created_by=dispatcher)
        index = n - existing
        if index < len(planned):
            tech, date, hour = planned[index]
            start = datetime.datetime.combine(date, datetime.time(hour), tzinfo=zone)
            wo.technician, wo.scheduled_start, wo.scheduled_end, wo.status = tech.user, start, start + datetime.timedelta(hours=1), "scheduled"
        elif index < len(planned) + 200:
            wo.window_start = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
        else:
            tech = rng.choice(techs)
            start = datetime.datetime.combine(day - datetime.timedelta(days=rng.randint(7, 700)), datetime.time(rng.randint(8, 16)), tzinfo=zone)
            wo.technician, wo.scheduled_start, wo.scheduled_end, wo.status = tech.user, start, start + datetime.timedelta(hours=1), "completed"
            wo.completed_at = wo.scheduled_end
        rows.append(wo)
    with transaction.atomic():
        WorkOrder.objects.bulk_create(rows, batch_size=2000)
    return dispatcher, techs


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"url": url, "median_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1),
            "queries": len(queries)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technicians", type=int, default=50)
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from guanxi.service.models import WorkOrder

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    day = datetime.date(2030, 3, 4)  # a Monday
    dispatcher, techs = build(args.technicians, args.orders, day, args.seed)
    client = Client()
    client.force_login(dispatcher)
    job = WorkOrder.objects.filter(status="new").first()
    if job is None:
        raise SystemExit(f"no unscheduled work order to suggest technicians for: --orders must exceed "
                         f"{len(techs) * 30} (the week's planned visits of {len(techs)} technicians)")
    tech_client = Client()
    tech_client.force_login(techs[0].user)
    results = [
        measure(client, f"/service/dispatch/?day={day}", args.runs),
        measure(client, f"/service/dispatch/?day={day}&view=week", args.runs),
        measure(client, "/service/work-orders/", args.runs),
        measure(client, "/service/work-orders/?active=true&unassigned=true", args.runs),
        measure(client, f"/service/work-orders/{job.pk}/suggestions/?day={day}", args.runs),
        measure(tech_client, f"/service/my-jobs/?day={day}", args.runs),
    ]
    from django.db import connection

    print(f"{connection.vendor}: {args.technicians} technicians, {WorkOrder.objects.count()} work orders, {args.runs} runs each")
    print(f"{'page':60} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for row in results:
        print(f"{row['url']:60} {row['median_ms']:>10} {row['p95_ms']:>10} {row['queries']:>8}")
    out = RESULTS
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"fieldservice-{connection.vendor}-{stamp}.json").write_text(json.dumps({
        "vendor": connection.vendor, "technicians": args.technicians, "orders": WorkOrder.objects.count(), "runs": args.runs,
        "machine": platform.platform(), "load": os.getloadavg(), "results": results,
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
