"""Benchmark of the territory realignment preview and apply (``guanxi.customers.realign``).

    GUANXI_DATABASE_URL=sqlite:////tmp/realign-bench.sqlite3 python -m benchmarks.territories --accounts 200000
    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_realign_bench python -m benchmarks.territories --accounts 1000000

It migrates the database it is given, builds a territory tree (regions over every province, a few
cities with postal-code prefixes and industry criteria), bulk-generates accounts (``bulk_create``)
placed in a random territory or none, then times as an organisation-wide administrator:

1. the preview plan (``realign_plan``: the grouped query and one match per distinct place),
2. the first page of the moving accounts (the ``IN`` lists of place keys, 50 rows),
3. the preview page through Django's test client,
4. ``--apply``: the whole apply (batches of 2,000: UPDATE, link copies, audit rows) — once; it
   changes the data, so a second run of the benchmark previews far fewer moves.

It prints the timings and writes JSON under ``benchmarks/results/``. Do not point it at a database
you care about: it adds users, territories and accounts.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time

from benchmarks.__main__ import RESULTS, setup_django

PROVINCES = {
    "上海市": ["上海市"], "北京市": ["北京市"], "天津市": ["天津市"], "重庆市": ["重庆市"],
    "浙江省": ["杭州市", "宁波市", "温州市", "绍兴市"], "江苏省": ["南京市", "苏州市", "无锡市", "常州市"],
    "广东省": ["广州市", "深圳市", "东莞市", "佛山市"], "山东省": ["济南市", "青岛市", "烟台市"],
    "四川省": ["成都市", "绵阳市"], "湖北省": ["武汉市", "宜昌市"], "河南省": ["郑州市", "洛阳市"],
    "福建省": ["福州市", "厦门市", "泉州市"], "辽宁省": ["沈阳市", "大连市"], "陕西省": ["西安市"],
}
REGIONS = {"east": ["上海市", "浙江省", "江苏省", "山东省", "福建省"], "north": ["北京市", "天津市", "辽宁省"],
           "south": ["广东省"], "central": ["湖北省", "河南省"], "west": ["四川省", "重庆市", "陕西省"]}
INDUSTRIES = ["technology", "manufacturing", "retail", "finance", "education", ""]


def build(accounts: int, seed: int):
    from guanxi.core import services as core
    from guanxi.core.models import Territory, User
    from guanxi.customers.models import Account

    core.role_bootstrap()
    admin = User.objects.filter(username="realign-admin").first() or core.user_create(
        acting_user=None, username="realign-admin", password="benchmark-only-password-42", is_superuser=True, roles=[])
    if not Territory.objects.filter(code="bench-east").exists():
        for code, provinces in REGIONS.items():
            region = core.territory_create(acting_user=admin, name=f"区域 {code}", code=f"bench-{code}", level="region", provinces=provinces)
            for province in provinces:
                node = core.territory_create(acting_user=admin, name=province, code=f"bench-{code}-{len(province)}-{abs(hash(province)) % 10**6}",
                                             level="province", parent=region, provinces=[province])
                for city in PROVINCES[province][:2]:
                    core.territory_create(acting_user=admin, name=f"{city}科技", code=f"bench-{node.pk}-{abs(hash(city)) % 10**6}",
                                          level="city", parent=node, provinces=[province], cities=[city], industries=["technology"],
                                          postal_codes=["1", "2", "3", "5"])
    territories = list(Territory.objects.values_list("pk", flat=True)) + [None]
    rng = random.Random(seed)
    have = Account.objects.count()
    places = [(p, c) for p, cities in PROVINCES.items() for c in cities]
    batch = []
    for n in range(have, accounts):
        province, city = rng.choice(places)
        batch.append(Account(
            name=f"基准客户{n:07d}", owner_id=admin.pk, province=province, city=city, industry=rng.choice(INDUSTRIES),
            postal_code=f"{rng.randint(100000, 899999)}", territory_id=rng.choice(territories), territory_locked=rng.random() < 0.05,
        ))
        if len(batch) == 10_000:
            Account.objects.bulk_create(batch)
            batch = []
    if batch:
        Account.objects.bulk_create(batch)
    return admin


def timed(function, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(samples), "max_ms": max(samples), "runs": runs}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the territory realignment preview and apply.")
    parser.add_argument("--accounts", type=int, default=200_000, help="accounts in the database (generated up to this many)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--apply", action="store_true", help="also time the apply (changes the data)")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from guanxi.customers.models import Account
    from guanxi.customers.realign import realign_plan
    from guanxi.customers.services import accounts_realign

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    admin = build(args.accounts, args.seed)
    build_s = time.perf_counter() - started
    plan = realign_plan(user=admin)
    results = {
        "plan": timed(lambda: realign_plan(user=admin), args.runs),
        "first_page": timed(lambda: list(plan.moving().order_by("pk")[:50]), args.runs),
    }
    client = Client()
    client.force_login(admin)
    results["page"] = timed(lambda: client.get("/customers/accounts/realign/"), args.runs)
    summary = {"accounts": Account.objects.count(), "places": plan.places, "moving": plan.total, "pairs": len(plan.pairs)}
    if args.apply:
        started = time.perf_counter()
        moved = accounts_realign(acting_user=admin)
        results["apply"] = {"seconds": time.perf_counter() - started, "moved": moved}
    print(f"{connection.vendor}: {summary['accounts']:,} accounts ({summary['places']} distinct places), "
          f"{summary['moving']:,} would move in {summary['pairs']} pairs; built in {build_s:.0f} s")
    for name, r in results.items():
        print(f"  {name}: " + ", ".join(f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()))
    out = RESULTS
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"territories-{connection.vendor}-{stamp}.json").write_text(json.dumps(
        {"machine": platform.platform(), "database": connection.vendor, **summary, "results": results}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
