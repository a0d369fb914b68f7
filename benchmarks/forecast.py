"""Forecast benchmark: a quarter's roll-up across all territories (and by owner and team), as the
selector and as the forecast page with quotas and managers' adjustments, at up to a million
opportunities; plus one rep's commission statement for the quarter.

    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_forecast_bench python -m benchmarks.forecast --opportunities 1000000

It reuses the sales benchmark's world and loader (``benchmarks.sales``: reps under one manager,
accounts through the services, opportunities by COPY on PostgreSQL), so both can share a database.
The issue's target: the quarter's roll-up over all territories in ≤ 1 s at 1,000,000 opportunities.
Results go to ``benchmarks/results/forecast-*.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from decimal import Decimal

from benchmarks.__main__ import RESULTS, capture_sql, percentile
from benchmarks.sales import arguments, prepared_world, quarter, time_client



def main() -> int:
    args = arguments(__doc__, opportunities=1_000_000, accounts=1000, requests=10, warmup=2)
    admin, manager, reps, accounts, pipeline, load_seconds, total = prepared_world(args)
    from django.db import connection
    from django.utils import timezone

    from guanxi.sales import selectors, services
    from guanxi.sales.models import CommissionPlan, ForecastAdjustment, Quota
    start, end = quarter(timezone.localdate())
    # Quotas and an adjustment for every rep, a commission plan for the team: what the page reads.
    for rep in reps:
        services.quota_set(acting_user=admin, user=rep, period_start=start, period_end=end, amount=Decimal("5000000.00"))
        if not ForecastAdjustment.objects.filter(user=rep, period_start=start).exists():
            services.forecast_adjust(acting_user=manager, user=rep, period_start=start, period_end=end, commit=Decimal("1000000.00"),
                                     best_case=Decimal("2000000.00"), note="benchmark")
    plan = CommissionPlan.objects.filter(name="benchmark plan").first()
    if plan is None:
        plan = services.commission_plan_create(acting_user=admin, name="benchmark plan")
        services.commission_rule_save(acting_user=admin, plan=plan, name="all", tiers=[(Decimal(0), Decimal(5)), (Decimal(100), Decimal(8))])
        services.commission_assignment_create(acting_user=admin, plan=plan, team=manager.team, start_date=start)
    Quota.objects.count()

    results = []
    print(f"{'scenario':<58} {'p50':>9} {'p95':>9}  queries")
    for by in ("territory", "owner", "team"):
        samples = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            rollup = selectors.forecast_rollup(user=admin, start=start, end=end, by=by)
            samples.append((time.perf_counter() - t0) * 1000)
        results.append({"scenario": f"roll-up selector, quarter, all territories, by {by}", "groups": len(rollup["rows"]),
                        "p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95), "queries": 1})
    for by in ("territory", "owner", "team"):
        path = f"/sales/forecast/?start={start}&by={by}"
        queries = len(capture_sql(admin, path, {}))
        samples, cpu = time_client(admin, path, args.requests, args.warmup)
        results.append({"scenario": f"forecast page (admin, org-wide), by {by}", "p50": percentile(samples, 0.5),
                        "p95": percentile(samples, 0.95), "cpu_p50": percentile(cpu, 0.5), "queries": queries})
    path = f"/sales/forecast/?start={start}&by=owner"
    samples, cpu = time_client(manager, path, args.requests, args.warmup)
    results.append({"scenario": "forecast page (team manager), by owner", "p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95),
                    "cpu_p50": percentile(cpu, 0.5), "queries": len(capture_sql(manager, path, {}))})
    samples = []
    for _ in range(max(3, args.requests // 3)):
        t0 = time.perf_counter()
        statement = services.commission_statement_compute(acting_user=admin, user=reps[0], period_start=start, period_end=end)
        samples.append((time.perf_counter() - t0) * 1000)
    results.append({"scenario": f"commission statement, one rep, quarter ({statement.lines.count()} lines)",
                    "p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95), "queries": None})
    for row in results:
        cpu = f"  CPU p50 {row['cpu_p50']:.1f}ms" if "cpu_p50" in row else ""
        print(f"{row['scenario']:<58} {row['p50']:7.1f}ms {row['p95']:7.1f}ms  {row['queries']}{cpu}")

    meta = {
        "date": datetime.date.today().isoformat(), "database": connection.vendor, "label": args.label,
        "machine": f"{platform.node()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()}",
        "python": platform.python_version(), "opportunities": total, "reps": len(reps), "accounts": len(accounts),
        "requests": args.requests, "load_seconds": load_seconds, "quarter": f"{start}..{end}",
    }
    out = RESULTS / f"forecast-{meta['date']}-{connection.vendor}-{total}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2, default=str))
    print(f"\n{total:,} opportunities · {connection.vendor} · {meta['machine']}\nsaved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
