"""Web benchmark of the foundation: lists, search, the 360° view and the API, over real HTTP.

    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_bench python -m benchmarks
    GUANXI_DATABASE_URL=sqlite:////work/bench/guanxi-1m.sqlite3  python -m benchmarks

It needs a database filled by ``guanxi demo --size large`` (which prints the benchmark login and
the account with 1,000 interactions). For each scenario it

1. records the SQL statements one request runs (Django test client, in-process, same user, after one
   request that fills the per-process caches, as the server's are after its warm-up);
2. times those statements straight through the database driver: the floor no web framework beats;
3. times the same request over HTTP against ``guanxi serve`` (uvicorn, one worker) with a
   logged-in session, after a warm-up;
4. measures the CPU time of the request served in process (``--cpu`` requests, median of
   ``time.process_time()``): the Python between the two.

and prints p50/p95 of both, their ratio and the CPU time, as a Markdown table, plus a JSON file
under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: where every benchmark writes its JSON (ignored by git); the smoke tests point it elsewhere
RESULTS = Path(os.environ.get("GUANXI_BENCH_RESULTS") or ROOT / "benchmarks" / "results")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    import django

    django.setup()


def scenarios(args) -> list[tuple[str, str, dict]]:
    """(name, path, headers) — the requests the issue names."""
    from guanxi.core.models import Territory

    territory = Territory.objects.filter(pk=args.territory).first() if args.territory else (
        Territory.objects.filter(level="province", accounts__owner__team__manager__username=args.user).first()
        or Territory.objects.filter(level="province").first()
    )
    htmx = {"HX-Request": "true"}
    return [
        ("account list, first page", "/customers/accounts/", {}),
        ("filtered list (territory + tier + lifecycle)",
         f"/customers/accounts/?territory={territory.pk}&value_tier=key&lifecycle_stage=stability", {}),
        ("search: Chinese name", f"/customers/search/?q={args.name}", htmx),
        ("search: pinyin", f"/customers/search/?q={args.pinyin}", htmx),
        ("search: pinyin initials", f"/customers/search/?q={args.initials}", htmx),
        ("search: phone fragment", f"/customers/search/?q={args.phone}", htmx),
        # The page leaves its row count to a second request that htmx sends once the rows are shown.
        ("account list: its lazy count (htmx)", "/customers/accounts/?page=1&_count=1", htmx),
        ("360° view (1,000 interactions)", f"/customers/accounts/{args.account}/", {}),
        ("360° timeline: next 20 (htmx)", f"/customers/accounts/{args.account}/timeline/?offset=20", htmx),
        ("API: account list page", "/api/accounts/", {}),
    ]


def capture_sql(user, path: str, headers: dict) -> list[tuple[str, tuple]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    # One request first, as the server has served many: the user's scope, permissions and menu are then
    # cached, and the statements recorded are those every later request runs.
    client.get(path, **extra)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "CLOSE ", "BEGIN", "COMMIT")
    statements = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if sql.startswith(skip):
            continue
        if sql.startswith("DECLARE "):  # a server-side cursor (QuerySet.iterator()): time its query
            sql = sql.split(" FOR ", 1)[1]
        statements.append(sql)
    return statements


def cpu_ms(user, path: str, headers: dict, repeat: int) -> float:
    """Median CPU time of the request served in process (Django's test client, after 5 warm-up requests):
    the Python between the SQL floor and the HTTP time, without the server or the load generator."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    samples = []
    for i in range(repeat + 5):
        start = time.process_time()
        client.get(path, **extra)
        if i >= 5:
            samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def time_sql(statements: list[str], repeat: int) -> list[float]:
    """Run the captured statements (already interpolated by Django) and time each round in ms."""
    from django.db import connection

    cursor = connection.cursor()
    samples = []
    for i in range(repeat + 5):
        start = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
        if i >= 5:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def login(client, user: str, password: str) -> None:
    client.get("/login/")
    token = client.cookies["csrftoken"]
    response = client.post("/login/", data={"username": user, "password": password, "csrfmiddlewaretoken": token})
    if response.status_code != 302:
        raise SystemExit(f"log-in as {user} failed ({response.status_code})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="bench_manager")
    parser.add_argument("--password", default="guanxi-bench-2026")
    parser.add_argument("--account", type=int, required=True, help="id of the account with 1,000 interactions")
    parser.add_argument("--territory", type=int, default=0)
    parser.add_argument("--name", default="张伟")
    parser.add_argument("--pinyin", default="zhangwei")
    parser.add_argument("--initials", default="zw")
    parser.add_argument("--phone", default="1391234")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--label", default="")
    parser.add_argument("--cpu", type=int, default=30, help="in-process requests a scenario for its CPU time (0: skip)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    setup_django()
    import httpx
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    user = get_user_model().objects.get(username=args.user)
    plan = scenarios(args)
    port = free_port()
    env = dict(os.environ, GUANXI_LOG_LEVEL="error")
    server = subprocess.Popen(
        [sys.executable, "-m", "guanxi", "serve", "--no-worker", "--port", str(port), "--workers", "1"], env=env,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("guanxi serve did not come up")
            time.sleep(0.5)
        client = httpx.Client(base_url=base, timeout=60)
        login(client, args.user, args.password)
        for name, path, headers in plan:
            statements = capture_sql(user, path, headers)
            floor = time_sql(statements, max(20, args.requests // 4))
            cpu = cpu_ms(user, path, headers, args.cpu) if args.cpu else None
            for _ in range(args.warmup):
                client.get(path, headers=headers)
            samples = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            row = {
                "scenario": name, "path": path, "queries": len(statements),
                "http_p50": percentile(samples, 0.5), "http_p95": percentile(samples, 0.95),
                "sql_p50": percentile(floor, 0.5), "sql_p95": percentile(floor, 0.95),
            }
            row["ratio_p50"] = row["http_p50"] / row["sql_p50"] if row["sql_p50"] else None
            row["cpu_p50"] = cpu
            rows.append(row)
            print(f"{name:<45} http p50 {row['http_p50']:7.1f} ms  p95 {row['http_p95']:7.1f} ms   "
                  f"sql p50 {row['sql_p50']:7.1f} ms  p95 {row['sql_p95']:7.1f} ms  ({len(statements)} queries)"
                  + (f"  cpu p50 {cpu:6.1f} ms" if cpu is not None else ""), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)

    vendor = connection.vendor
    meta = {
        "date": date.today().isoformat(), "database": vendor, "label": args.label,
        "machine": f"{platform.node()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()}",
        "python": platform.python_version(), "requests": args.requests, "user": args.user,
        "db": settings.DATABASES["default"]["NAME"],
    }
    print()
    print("| scenario | HTTP p50 | HTTP p95 | SQL floor p50 | SQL floor p95 | ratio p50 | queries | CPU p50 (in process) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cpu = f"{r['cpu_p50']:.1f} ms" if r["cpu_p50"] is not None else "—"
        print(f"| {r['scenario']} | {r['http_p50']:.1f} ms | {r['http_p95']:.1f} ms | {r['sql_p50']:.2f} ms | "
              f"{r['sql_p95']:.2f} ms | {r['ratio_p50']:.1f}× | {r['queries']} | {cpu} |")
    out = RESULTS
    out.mkdir(parents=True, exist_ok=True)
    (out / f"web-{vendor}-{meta['date']}{'-' + args.label if args.label else ''}.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
