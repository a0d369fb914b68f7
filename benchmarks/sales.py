"""Sales benchmark: the pipeline board, filtered opportunity lists, the stage report and a quarter's
forecast roll-up, at a few hundred thousand to a million opportunities.

    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_sales_bench python -m benchmarks.sales --opportunities 200000
    GUANXI_DATABASE_URL=sqlite:////tmp/sales-bench.sqlite3 python -m benchmarks.sales --opportunities 200000

It migrates the database, builds (once) a sales team of ``--reps`` reps under one manager, a few
thousand accounts through the services, and bulk-loads opportunities (COPY on PostgreSQL,
executemany on SQLite) with one stage-history row each. Each scenario is then

1. requested through the Django test client as the team's manager (in-process, after a warm-up);
2. replayed as the SQL statements that request ran, straight through the database driver: the floor
   no web framework beats;

and p50/p95 of both are printed side by side with the CPU time of the request in this process
(``time.process_time``, which does not grow with the machine's load as wall time does), plus the forecast roll-up of the current quarter across
all territories for an organisation-wide user. Results go to ``benchmarks/results/sales-*.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from benchmarks.__main__ import RESULTS, capture_sql, percentile, setup_django, time_sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_TEAM, BENCH_MANAGER = "销售基准测试组", "sales_bench_manager"
COLUMNS = ("name", "account_id", "contact_id", "owner_id", "pipeline_id", "stage_id", "status", "amount", "currency",
           "expected_close_date", "probability", "forecast_category", "next_step", "stage_entered_at", "closed_at",
           "close_reason", "close_note", "description", "created_at", "updated_at")


def ensure_world(args):
    """The manager, the reps, the accounts and the pipeline: built through the services, once."""
    from guanxi.core import services as core
    from guanxi.core.models import Team, User
    from guanxi.customers import services as customers
    from guanxi.customers.models import Account
    from guanxi.sales import services
    from guanxi.sales.models import Pipeline

    roles = {role.code: role for role in core.role_bootstrap()}
    admin = User.objects.filter(is_superuser=True).first() or core.user_create(
        acting_user=None, username="sales_bench_admin", password=None, roles=[roles["administrator"]], is_superuser=True)
    manager = User.objects.filter(username=BENCH_MANAGER).first()
    if manager is None:
        team = Team.objects.filter(name=BENCH_TEAM).first() or core.team_create(acting_user=admin, name=BENCH_TEAM)
        manager = core.user_create(acting_user=admin, username=BENCH_MANAGER, password=None, team=team, roles=[roles["sales_manager"]])
        core.team_update(team=team, acting_user=admin, data={"manager": manager})
    team = manager.managed_teams.get()
    reps = list(User.objects.filter(team=team).exclude(pk=manager.pk).order_by("id"))
    for n in range(len(reps), args.reps):
        reps.append(core.user_create(acting_user=admin, username=f"sales_bench_rep{n:03d}", password=None, team=team, roles=[roles["sales_rep"]]))
    accounts = list(Account.objects.filter(owner__team=team).values_list("id", "owner_id")[: args.accounts])
    rng = random.Random(7)
    for n in range(len(accounts), args.accounts):
        owner = reps[n % len(reps)]
        account = customers.account_create(acting_user=owner, name=f"基准客户{n:05d}", industry=rng.choice(("retail", "technology", "finance")))
        accounts.append((account.pk, owner.pk))
    pipeline = Pipeline.objects.filter(is_default=True).first() or services.pipeline_create(
        acting_user=admin, name="基准销售流程", is_default=True,
        stages=(("初步接洽", 10, False, False), ("需求确认", 25, False, False), ("方案报价", 50, False, False),
                ("商务谈判", 75, False, False), ("赢单", 100, True, False), ("输单", 0, False, True)))
    return admin, manager, reps, accounts, pipeline


def rows(count: int, accounts, stages, pipeline_id: int, seed: int):
    """Generated rows; ``stages`` fetched beforehand (no query may run on the connection during COPY)."""
    rng = random.Random(seed)
    weights = [30, 25, 18, 12, 9, 6][: len(stages)]
    now = datetime.datetime.now(datetime.timezone.utc)
    today = now.date()
    categories = ("pipeline", "pipeline", "best_case", "commit")
    for n in range(count):
        account_id, owner_id = accounts[rng.randrange(len(accounts))]
        stage = rng.choices(stages, weights)[0]
        status = "won" if stage.is_won else "lost" if stage.is_lost else "open"
        entered = now - datetime.timedelta(days=rng.randint(0, 120), seconds=rng.randint(0, 86399))
        created = entered - datetime.timedelta(days=rng.randint(0, 60))
        yield (
            f"基准商机{n:07d}", account_id, None, owner_id, pipeline_id, stage.pk, status,
            Decimal(rng.randrange(1_000_00, 5_000_000_00)) / 100, "CNY",
            today + datetime.timedelta(days=rng.randint(-180, 270)), stage.probability,
            "closed" if status != "open" else rng.choice(categories), "", entered,
            entered if status != "open" else None, "price" if status == "lost" else "", "", "", created, entered,
        )


def bulk_load(count: int, accounts, pipeline, seed: int) -> float:
    from django.db import connection, transaction

    from guanxi.sales.models import Opportunity

    start = time.perf_counter()
    before = Opportunity.objects.order_by("-id").values_list("id", flat=True).first() or 0
    stages = list(pipeline.stages.order_by("order"))
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY sales_opportunity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows(count, accounts, stages, pipeline.pk, seed):
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(COLUMNS))
                sql = f"INSERT INTO sales_opportunity ({', '.join(COLUMNS)}) VALUES ({marks})"
                batch = []
                for row in rows(count, accounts, stages, pipeline.pk, seed):
                    batch.append(tuple(str(v) if isinstance(v, Decimal) else v for v in row))
                    if len(batch) == 5000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
            # One history row each: the stage it entered, by its owner (what win rates count).
            cursor.execute(
                "INSERT INTO sales_stagechange (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by_id, owner_id, "
                "seconds_in_from_stage, amount, created_at, updated_at) "
                "SELECT id, NULL, stage_id, stage_entered_at, owner_id, owner_id, 0, amount, created_at, updated_at "
                "FROM sales_opportunity WHERE id > %s", [before])
    # The board's kept totals and the win rates (the services keep them; COPY went around the services).
    from guanxi.sales.services import board_totals_rebuild, win_rates_rebuild

    board_totals_rebuild()
    win_rates_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def time_client(user, path: str, repeat: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (``time.process_time``: this process only, so not the database's work nor the
    wait for a CPU on a busy machine) of each request, in milliseconds."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    for _ in range(warmup):
        assert client.get(path).status_code == 200, path
    samples, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples, cpu


def quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = today.replace(month=first_month, day=1)
    end = (start.replace(month=first_month + 2, day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return start, end


def arguments(doc: str, *, opportunities: int, accounts: int, requests: int, warmup: int) -> argparse.Namespace:
    """The options the sales benchmarks share (this one and ``benchmarks.forecast``), with their defaults."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opportunities", type=int, default=opportunities, help="how many to have in the database (loads the missing ones)")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=accounts)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--label", default="")
    return parser.parse_args()


def prepared_world(args):
    """Django set up and migrated, the world made and the missing opportunities loaded, statistics fresh.

    Returns ``(admin, manager, reps, accounts, pipeline, load_seconds, total opportunities)``.
    """
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("GUANXI_LOG_LEVEL", "error")
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from guanxi.sales.models import Opportunity

    admin, manager, reps, accounts, pipeline = ensure_world(args)
    have = Opportunity.objects.count()
    load_seconds = None
    if have < args.opportunities:
        print(f"loading {args.opportunities - have:,} opportunities …", flush=True)
        load_seconds = bulk_load(args.opportunities - have, accounts, pipeline, seed=have)
        print(f"  {load_seconds:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        # Fresh visibility maps and statistics, as autovacuum would leave them: index-only scans need them.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_opportunity")
            cursor.execute("VACUUM ANALYZE sales_stagechange")
    return admin, manager, reps, accounts, pipeline, load_seconds, Opportunity.objects.count()


def main() -> int:
    args = arguments(__doc__, opportunities=200_000, accounts=2000, requests=50, warmup=5)
    admin, manager, reps, accounts, pipeline, load_seconds, total = prepared_world(args)
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from guanxi.sales import selectors
    stages = list(pipeline.stages.order_by("order"))
    rep = reps[0]
    today = timezone.localdate()
    plan = [
        ("board (manager's team)", manager, f"/sales/opportunities/board/?pipeline={pipeline.pk}"),
        ("board filtered by owner", manager, f"/sales/opportunities/board/?pipeline={pipeline.pk}&owner={rep.pk}"),
        ("board (organisation-wide)", admin, f"/sales/opportunities/board/?pipeline={pipeline.pk}"),
        ("opportunity list, first page", manager, "/sales/opportunities/"),
        ("filtered list (stage + amount + close date)", manager,
         f"/sales/opportunities/?stage={stages[2].pk}&amount_min=1000000&close_after={today}&close_before={today + datetime.timedelta(days=90)}"),
        ("filtered list (owner, sorted by amount)", manager, f"/sales/opportunities/?owner={rep.pk}&status=open&sort=amount"),
        ("stage report (40 per open stage)", manager, f"/sales/reports/stages/?pipeline={pipeline.pk}"),
    ]
    results = []
    header = f"{'scenario':<46} {'client p50':>10} {'p95':>8}   {'SQL p50':>8} {'p95':>8}   {'CPU p50':>8} {'p95':>8}  queries"
    print(header)
    print("-" * len(header))
    for name, user, path in plan:
        statements = capture_sql(user, path, {})
        floor = time_sql(statements, max(10, args.requests // 2))
        samples, cpu = time_client(user, path, args.requests, args.warmup)
        row = {"scenario": name, "path": path, "queries": len(statements),
               "client_p50": percentile(samples, 0.5), "client_p95": percentile(samples, 0.95),
               "sql_p50": percentile(floor, 0.5), "sql_p95": percentile(floor, 0.95),
               "cpu_p50": percentile(cpu, 0.5), "cpu_p95": percentile(cpu, 0.95)}
        results.append(row)
        print(f"{name:<46} {row['client_p50']:8.1f}ms {row['client_p95']:6.1f}ms   {row['sql_p50']:6.1f}ms {row['sql_p95']:6.1f}ms   "
              f"{row['cpu_p50']:6.1f}ms {row['cpu_p95']:6.1f}ms  {len(statements)}", flush=True)

    start, end = quarter(today)
    for by in ("territory", "owner", "team"):
        samples = []
        for _ in range(max(5, args.requests // 5)):
            t0 = time.perf_counter()
            rollup = selectors.forecast_rollup(user=admin, start=start, end=end, by=by)
            samples.append((time.perf_counter() - t0) * 1000)
        row = {"scenario": f"forecast roll-up, quarter {start}..{end}, by {by}", "groups": len(rollup["rows"]),
               "client_p50": percentile(samples, 0.5), "client_p95": percentile(samples, 0.95)}
        results.append(row)
        print(f"{row['scenario']:<46} {row['client_p50']:8.1f}ms {row['client_p95']:6.1f}ms   ({row['groups']} groups, pipeline "
              f"{rollup['totals']['pipeline']:,} CNY)", flush=True)

    meta = {
        "date": datetime.date.today().isoformat(), "database": connection.vendor, "label": args.label,
        "machine": f"{platform.node()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()}",
        "python": platform.python_version(), "opportunities": total, "reps": len(reps), "accounts": len(accounts),
        "requests": args.requests, "load_seconds": load_seconds, "db": str(settings.DATABASES["default"]["NAME"]),
        "load_average": os.getloadavg(),
    }
    out = RESULTS / f"sales-{meta['date']}-{connection.vendor}-{total}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2, default=str))
    print(f"\n{total:,} opportunities · {connection.vendor} · {meta['machine']}\nsaved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
