"""Benchmark of the service app: case list and search, the escalation pass, next to a raw-SQL floor.

    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_service_bench python -m benchmarks.service --cases 100000
    GUANXI_DATABASE_URL=sqlite:////tmp/service-bench.sqlite3 python -m benchmarks.service --cases 20000

It migrates the database it is given, bulk-generates cases (``bulk_create`` in large batches: the
executemany path of the driver) for a few hundred accounts, then

1. for each page (case list, filtered list, search by words, search by number) runs the page in
   process through Django's test client as a queue member who sees the cases through visibility,
   records the SQL it runs, and times the same SQL straight through the driver (the floor);
2. makes ``--open`` cases open with deadlines (a tenth missed, a tenth near) and times one
   escalation pass (``sla.escalate``) next to the floor of its core UPDATE;

and prints median and p95 side by side, and writes JSON under ``benchmarks/results/``.
Do not point it at a database you care about: it adds rows (``--reset`` deletes the cases first).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import time

from benchmarks.__main__ import RESULTS, setup_django

SUBJECTS = ["打印机无法联网", "发票抬头需要修改", "如何导出月度报表", "安装人员迟到", "系统登录提示密码错误", "申请延长保修",
            "Invoice shows the wrong amount", "How do I add a second user", "设备运行噪音大", "Replacement part not delivered"]


def percentile(samples, p):
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def build(cases: int, accounts: int, seed: int, reset: bool):
    from django.db import transaction
    from django.utils import timezone

    from guanxi.core import services as core
    from guanxi.core.models import User
    from guanxi.customers.models import Account
    from guanxi.framework.text import fold
    from guanxi.service import services
    from guanxi.service.models import Case, CaseNumberSequence, Queue

    rng = random.Random(seed)
    roles = {r.code: r for r in core.role_bootstrap()}
    admin = User.objects.filter(username="bench_service_admin").first() or core.user_create(
        acting_user=None, username="bench_service_admin", password=None, roles=[roles["administrator"]])
    agent = User.objects.filter(username="bench_service_agent").first() or core.user_create(
        acting_user=None, username="bench_service_agent", password=None, roles=[roles["service_agent"]])
    owner = User.objects.filter(username="bench_service_rep").first() or core.user_create(
        acting_user=None, username="bench_service_rep", password=None, roles=[roles["sales_rep"]])
    queue = Queue.objects.filter(code="bench").first() or services.queue_create(
        acting_user=admin, name="基准测试队列", code="bench", routing="manual", members=[agent])
    other_queue = Queue.objects.filter(code="bench-other").first() or services.queue_create(
        acting_user=admin, name="基准测试队列二", code="bench-other", routing="manual")
    if reset:
        Case.objects.all().delete()
        CaseNumberSequence.objects.all().delete()
    have = Account.objects.filter(owner=owner).count()
    if have < accounts:
        Account.objects.bulk_create([
            Account(name=f"基准客户{n:05d}", owner=owner, search_text=fold(f"基准客户{n:05d}"), name_pinyin=f"jizhunkehu{n:05d}")
            for n in range(have, accounts)
        ], batch_size=5000)
    account_ids = list(Account.objects.filter(owner=owner).values_list("pk", flat=True))
    existing = Case.objects.count()
    todo = cases - existing
    started = time.perf_counter()
    now = timezone.now()
    year = timezone.localtime(now).year
    last = CaseNumberSequence.objects.filter(year=year).values_list("last", flat=True).first() or 0
    batch = []
    with transaction.atomic():
        for n in range(todo):
            number = f"CS-{year}-{last + n + 1:06d}"
            subject = f"{rng.choice(SUBJECTS)} {n}"
            status = rng.choices(["closed", "resolved", "open", "pending", "new"], [70, 10, 12, 5, 3])[0]
            created = now - datetime.timedelta(minutes=rng.randint(1, 60 * 24 * 365))
            batch.append(Case(
                number=number, subject=subject, search_text=fold(f"{number} {subject}"), account_id=rng.choice(account_ids),
                status=status, priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                # a tenth of the cases are in the agent's queue: the rest it cannot see
                queue=queue if rng.random() < 0.1 else other_queue, created_at=created, updated_at=created,
            ))
            if len(batch) == 5000:
                Case.objects.bulk_create(batch)
                batch = []
        if batch:
            Case.objects.bulk_create(batch)
        CaseNumberSequence.objects.update_or_create(year=year, defaults={"last": last + todo})
    return {"agent": agent, "queue": queue, "generated": todo, "generate_s": time.perf_counter() - started}


def build_postgres(cases: int, accounts: int, seed: int) -> dict:
    """A million cases in minutes: accounts and cases are generated inside PostgreSQL (INSERT … SELECT
    over generate_series), not sent row by row. Users, teams and queues still go through the services.

    The shape: 20 sales reps own the accounts; 20 service agents in two teams, each team with a
    supervisor who manages it; 10 queues, two agents a queue (the benchmark agent is a member of one,
    ``bench``, holding 5 % of the cases); 60 % of the cases are assigned to one of the agents.
    """
    from django.db import connection, transaction

    from guanxi.core import services as core
    from guanxi.core.models import Team, User
    from guanxi.customers.models import Account
    from guanxi.service import services
    from guanxi.service.models import Case, CaseNumberSequence, Queue

    started = time.perf_counter()
    roles = {r.code: r for r in core.role_bootstrap()}

    def user(name, role, team=None):
        return User.objects.filter(username=name).first() or core.user_create(
            acting_user=None, username=name, password=None, roles=[roles[role]], team=team)

    admin = user("bench_service_admin", "administrator")
    supervisor = user("bench_service_supervisor", "supervisor")
    other_supervisor = user("bench_service_supervisor_2", "supervisor")
    teams = [Team.objects.filter(name=name).first() or core.team_create(acting_user=admin, name=name, manager=manager)
             for name, manager in (("基准客服一组", supervisor), ("基准客服二组", other_supervisor))]
    agent = user("bench_service_agent", "service_agent", teams[0])
    if agent.team_id != teams[0].pk:
        User.objects.filter(pk=agent.pk).update(team=teams[0])
    agents = [agent] + [user(f"bench_service_agent_{n:02d}", "service_agent", teams[n // 10]) for n in range(1, 20)]
    reps = [user(f"bench_service_rep_{n:02d}", "sales_rep") for n in range(20)]
    queues = []
    for n in range(10):
        code = "bench" if n == 0 else f"bench-{n:02d}"
        members = [agents[(2 * n) % 20], agents[(2 * n + 1) % 20]]
        queues.append(Queue.objects.filter(code=code).first() or services.queue_create(
            acting_user=admin, name=f"基准测试队列{n:02d}", code=code, routing="manual", members=members))
    have = Account.objects.filter(owner__in=reps).count()
    rep_ids = [r.pk for r in reps]
    with connection.cursor() as cursor, transaction.atomic():
        if have < accounts:
            cursor.execute(
                "INSERT INTO customers_account (created_at, updated_at, consent_email, consent_sms, consent_phone, do_not_call, "
                "do_not_email, do_not_sms, do_not_mail, do_not_visit, kind, name, name_pinyin, name_initials, search_text, website, "
                "industry, source, lifecycle_stage, value_tier, credit_rating, currency, territory_locked, province, city, postal_code, "
                "primary_phone, primary_email, description, owner_id) "
                "SELECT now(), now(), false, false, false, false, false, false, false, false, 'company', "
                "'基准客户' || lpad(n::text, 6, '0'), 'jizhunkehu' || lpad(n::text, 6, '0'), 'jzkh', "
                "'基准客户' || lpad(n::text, 6, '0') || ' jizhunkehu' || lpad(n::text, 6, '0') || ' jzkh 1390' || lpad(n::text, 7, '0'), "
                "'', '', '', 'customer', '', '', 'CNY', false, '', '', '', '+861390' || lpad(n::text, 7, '0'), '', '', "
                "(%s::bigint[])[1 + n %% 20] FROM generate_series(%s, %s - 1) n",
                [rep_ids, have, accounts])
        account_ids = list(Account.objects.filter(owner__in=reps).order_by("pk").values_list("pk", flat=True))
        todo = cases - Case.objects.count()
        if todo > 0:
            cursor.execute("SELECT coalesce(max(id), 0) FROM service_case")
            before = cursor.fetchone()[0]
            agent_ids = [a.pk for a in agents]
            queue_ids = [q.pk for q in queues]
            # queue: bench 5 %, the other nine share the rest; assignee: 60 % one of the 20 agents
            cursor.execute(
                "WITH g AS (SELECT n, now() - random() * interval '730 days' AS created, random() AS r_status, random() AS r_queue, "
                "random() AS r_assign, random() AS r_prio, random() AS r_subject, random() AS r_breach, "
                "1 + floor(random() * %(accounts)s)::int AS a FROM generate_series(1, %(todo)s) n), "
                "y AS (SELECT g.*, extract(year FROM created AT TIME ZONE 'Asia/Shanghai')::int AS yr FROM g), "
                "s AS (SELECT y.*, (coalesce((SELECT last FROM service_casenumbersequence q WHERE q.year = yr), 0) "
                "+ row_number() OVER (PARTITION BY yr ORDER BY created))::text AS seq FROM y), "
                "numbered AS (SELECT s.*, 'CS-' || yr || '-' || lpad(seq, greatest(6, length(seq)), '0') AS number, "
                "(%(subjects)s::text[])[1 + floor(r_subject * %(subject_count)s)::int] || ' ' || n AS subject, "
                "CASE WHEN r_status < 0.70 THEN 'closed' WHEN r_status < 0.80 THEN 'resolved' WHEN r_status < 0.92 THEN 'open' "
                "WHEN r_status < 0.97 THEN 'pending' ELSE 'new' END AS status FROM s) "
                "INSERT INTO service_case (created_at, updated_at, number, subject, description, search_text, channel, case_type, priority, "
                "status, sla_clock, reopen_count, satisfaction_comment, requester_email, requester_name, "
                "account_id, queue_id, assignee_id, resolution_due_at, closed_at) "
                "SELECT created, created, number, subject, '', lower(number || ' ' || subject), "
                "(ARRAY['phone','email','web','portal','chat'])[1 + n %% 5], (ARRAY['question','problem','complaint','request'])[1 + n %% 4], "
                "CASE WHEN r_prio < 0.2 THEN 'low' WHEN r_prio < 0.6 THEN 'normal' WHEN r_prio < 0.8 THEN 'high' ELSE 'urgent' END, "
                "status, '{}'::jsonb, 0, '', '', '', acc.id, "
                "CASE WHEN r_queue < 0.05 THEN (%(queues)s::bigint[])[1] ELSE (%(queues)s::bigint[])[2 + floor((r_queue - 0.05) / 0.95 * 9)::int] END, "
                "CASE WHEN r_assign < 0.6 THEN (%(agents)s::bigint[])[1 + floor(r_assign / 0.6 * 20)::int] END, "
                "created + interval '3 days', CASE WHEN status = 'closed' THEN created + interval '2 days' END "
                "FROM numbered JOIN customers_account acc ON acc.id = (%(account_ids)s::bigint[])[a] "
                # ids follow the creation time, as they do when cases are opened one by one
                "ORDER BY created",
                {"accounts": len(account_ids), "todo": todo, "subjects": SUBJECTS, "subject_count": len(SUBJECTS),
                 "queues": queue_ids, "agents": agent_ids, "account_ids": account_ids})
            # 5 % of the cases once missed a service level target
            cursor.execute("INSERT INTO service_caseescalation (case_id, level, breached) "
                           "SELECT id, 2, true FROM service_case WHERE id > %s AND random() < 0.05", [before])
            cursor.execute("SELECT split_part(number, '-', 2)::int, max(split_part(number, '-', 3)::int) FROM service_case GROUP BY 1")
            for year, last in cursor.fetchall():
                CaseNumberSequence.objects.update_or_create(year=year, defaults={"last": last})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_account")
        cursor.execute("ANALYZE service_case")
    return {"agent": agent, "supervisor": supervisor, "queue": queues[0], "generated": max(todo, 0),
            "generate_s": time.perf_counter() - started}


def time_page(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = len(captured.captured_queries)
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        declared = re.match(r"DECLARE .*? CURSOR .*?FOR (SELECT .*)$", sql, flags=re.S)
        if declared:  # a server-side cursor (psycopg): time its SELECT
            sql = declared.group(1)
        if sql.startswith("SELECT"):
            statements.append(sql)
    page, floor, cpu = [], [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        client.get(url)
        page.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)  # this process only: independent of the machine's load
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall() if cursor.description else None
        floor.append((time.perf_counter() - t) * 1000)
    return {"median_ms": statistics.median(page), "p95_ms": percentile(page, 0.95),
            "floor_median_ms": statistics.median(floor), "floor_p95_ms": percentile(floor, 0.95), "queries": queries,
            "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": percentile(cpu, 0.95)}


def escalation(open_cases: int, seed: int):
    from django.db import connection
    from django.utils import timezone

    from guanxi.service import sla
    from guanxi.service.models import Case, CaseEscalation

    rng = random.Random(seed)
    now = timezone.now()
    ids = list(Case.objects.order_by("-id").values_list("pk", flat=True)[:open_cases])
    Case.objects.filter(status__in=("new", "open", "pending")).update(status="closed")
    rng.shuffle(ids)
    tenth = len(ids) // 10
    far, near_at, missed_at = now + datetime.timedelta(days=3), now - datetime.timedelta(minutes=5), now - datetime.timedelta(minutes=1)
    for chunk_start in range(0, len(ids), 20000):
        chunk = ids[chunk_start:chunk_start + 20000]
        CaseEscalation.objects.filter(case_id__in=chunk).delete()
        Case.objects.filter(pk__in=chunk).update(status="open", sla_paused_at=None,
                                                  first_response_warn_at=far, first_response_due_at=far, resolution_warn_at=far,
                                                  resolution_due_at=far, first_responded_at=now)
    for chunk_start in range(0, tenth, 20000):
        Case.objects.filter(pk__in=ids[chunk_start:min(chunk_start + 20000, tenth)]).update(resolution_warn_at=near_at, resolution_due_at=missed_at)
    for chunk_start in range(tenth, 2 * tenth, 20000):
        Case.objects.filter(pk__in=ids[chunk_start:min(chunk_start + 20000, 2 * tenth)]).update(resolution_warn_at=near_at)
    t, c = time.perf_counter(), time.process_time()
    done = sla.escalate(now=now)
    pass_s, pass_cpu_s = time.perf_counter() - t, time.process_time() - c
    # the floor: the escalation state of the same rows written in one statement, through the driver
    # (before 0012_case_escalation_state: one UPDATE of those rows of service_case, 3.1 s at a million cases)
    CaseEscalation.objects.filter(case_id__in=ids[:2 * tenth]).delete()
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO service_caseescalation (case_id, level, breached) SELECT id, 2, true FROM service_case "
                       "WHERE status IN ('new','open','pending') AND sla_paused_at IS NULL AND resolution_warn_at <= %s "
                       "ON CONFLICT (case_id) DO UPDATE SET level = 2, breached = true", [now])
    floor_s = time.perf_counter() - t
    return {"open_cases": len(ids), "pass_s": pass_s, "pass_cpu_s": pass_cpu_s, "floor_s": floor_s, **done}


KB_PHRASES = ["打印机", "无法连接", "网络", "发票抬头", "退款", "保修期", "延长保修", "上门服务", "登录失败", "密码错误", "导出报表",
              "子账号", "路由器", "断线", "设备噪音", "更换配件", "安装验收", "系统升级", "数据备份", "蓝屏", "驱动程序", "无线网络"]
KB_WORDS = ["printer", "offline", "network", "invoice", "refund", "warranty", "password", "report", "export", "router",
            "driver", "backup", "upgrade", "install", "replacement", "account", "locked", "wireless", "screen", "noise"]
KB_QUERIES = ["打印机无法连接网络", "发票抬头怎么修改", "保修期多久", "登录密码错误", "printer offline", "refund time", "路由器断线", "导出报表"]


def build_articles(count: int, seed: int) -> float:
    from guanxi.service import knowledge
    from guanxi.service.models import Article

    have = Article.objects.count()
    rng = random.Random(seed + 1)
    started = time.perf_counter()
    batch = []
    for n in range(have, count):
        if rng.random() < 0.7:
            words = rng.sample(KB_PHRASES, 4)
            title, problem = f"{words[0]}{words[1]}问题 {n}", f"客户反映{words[0]}和{words[1]}，{words[2]}也受影响。"
            solution = f"先检查{words[2]}，再处理{words[3]}；仍有问题请联系工程师。"
        else:
            words = rng.sample(KB_WORDS, 5)
            title, problem = f"{words[0].title()} {words[1]} issue {n}", f"The {words[0]} shows {words[1]} after {words[2]}."
            solution = f"Check the {words[3]} and the {words[4]}, then restart."
        batch.append(Article(title=title, problem=problem, solution=solution, is_public=rng.random() < 0.6,
                             search_tokens=knowledge.document(title=title, problem=problem, solution=solution)))
        if len(batch) == 5000:
            Article.objects.bulk_create(batch)
            batch = []
    if batch:
        Article.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do soon after: fresh statistics for the planner
            cursor.execute("VACUUM ANALYZE service_article")
    return time.perf_counter() - started


def time_knowledge(runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.service.selectors import article_search

    search, floor, cpu = [], [], []
    article_search(query=KB_QUERIES[0], limit=20)  # jieba loads its dictionary once per process
    for _ in range(runs):
        for query in KB_QUERIES:
            with CaptureQueriesContext(connection) as captured:
                t, c = time.perf_counter(), time.process_time()
                article_search(query=query, limit=20)
                search.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            t = time.perf_counter()
            with connection.cursor() as cursor:
                for q in captured.captured_queries:
                    cursor.execute(q["sql"])
                    cursor.fetchall()
            floor.append((time.perf_counter() - t) * 1000)
    return {"median_ms": statistics.median(search), "p95_ms": percentile(search, 0.95),
            "floor_median_ms": statistics.median(floor), "floor_p95_ms": percentile(floor, 0.95), "queries": len(KB_QUERIES),
            "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": percentile(cpu, 0.95)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the service app's case list, search and escalation pass.")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the database (generated up to this many)")
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--open", type=int, default=100_000, help="open cases for the escalation pass")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--articles", type=int, default=20_000, help="knowledge-base articles (generated up to this many)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--reset", action="store_true", help="delete every case first")
    parser.add_argument("--skip-pages", action="store_true", help="measure only the escalation pass and the knowledge search")
    parser.add_argument("--knowledge-only", action="store_true", help="measure only the knowledge search")
    parser.add_argument("--sql-generator", action="store_true",
                        help="PostgreSQL: generate accounts and cases inside the database (a million in minutes)")
    parser.add_argument("--build-only", action="store_true", help="generate the data and stop")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if args.knowledge_only:
        from guanxi.service.models import Article

        articles_s = build_articles(args.articles, args.seed)
        kb = time_knowledge(max(3, args.runs // 5))
        print(f"Knowledge search over {Article.objects.count():,} articles ({connection.vendor}): median {kb['median_ms']:.1f} ms, "
              f"p95 {kb['p95_ms']:.1f} ms; floor median {kb['floor_median_ms']:.1f} ms, p95 {kb['floor_p95_ms']:.1f} ms")
        return
    if args.sql_generator and connection.vendor == "postgresql":
        built = build_postgres(args.cases, args.accounts, args.seed)
    else:
        built = build(args.cases, args.accounts, args.seed, args.reset)
    if args.build_only:
        print(f"generated {built['generated']:,} cases in {built['generate_s']:.1f} s")
        return
    from guanxi.service.models import Case, Queue

    agent, supervisor = built["agent"], built.get("supervisor")
    some = Case.objects.visible_to(agent).select_related("account").order_by("-id").first()
    bench_queue = Queue.objects.get(code="bench")
    pages = [
        (agent, "agent: case list, page 1", "/service/cases/"),
        (agent, "agent: its lazy count (htmx)", "/service/cases/?_count=1"),
        (agent, "agent: open + high priority", "/service/cases/?open=true&priority=high"),
        (agent, "agent: status open", "/service/cases/?status=open"),
        (agent, "agent: its queue", f"/service/cases/?queue={bench_queue.pk}"),
        (agent, "agent: assigned to me, open", f"/service/cases/?assignee={agent.pk}&open=true"),
        (agent, "agent: SLA missed", "/service/cases/?sla=missed"),
        (agent, "agent: search words 打印机", "/service/cases/?q=%E6%89%93%E5%8D%B0%E6%9C%BA"),
        (agent, "agent: search words invoice", "/service/cases/?q=invoice"),
        (agent, "agent: search by number", f"/service/cases/?q={some.number}"),
        (agent, "agent: search by bare number", f"/service/cases/?q={int(some.number.rsplit('-', 1)[1])}"),
        (agent, "agent: search by customer name", f"/service/cases/?q={some.account.name}"),
        (agent, "agent: search by customer phone", f"/service/cases/?q={some.account.primary_phone.lstrip('+').removeprefix('86')}"),
        (agent, "agent: API case list", "/api/cases/"),
    ]
    if supervisor is not None:
        pages += [
            (supervisor, "supervisor: case list, page 1", "/service/cases/"),
            (supervisor, "supervisor: open, SLA missed", "/service/cases/?open=true&sla=missed"),
            (supervisor, "supervisor: search 打印机, open", "/service/cases/?q=%E6%89%93%E5%8D%B0%E6%9C%BA&status=open"),
        ]
    results = {}
    for user, name, url in ([] if args.skip_pages else pages):
        client = Client()
        client.force_login(user)
        results[name] = time_page(client, url, args.runs)
        print(name, {k: round(v, 1) for k, v in results[name].items()}, flush=True)
    print(f"load average before the escalation pass: {os.getloadavg()}", flush=True)
    esc = escalation(min(args.open, Case.objects.count()), args.seed)
    print(f"escalation: {esc}", flush=True)
    articles_s = build_articles(args.articles, args.seed)
    kb = time_knowledge(max(3, args.runs // 5))
    print(f"load average at the end: {os.getloadavg()}", flush=True)
    vendor = connection.vendor
    print(f"\nService benchmark — {vendor}, {Case.objects.count():,} cases, generated {built['generated']:,} in {built['generate_s']:.1f} s\n")
    print("| page | median ms | p95 ms | floor median ms | floor p95 ms | CPU median ms | CPU p95 ms | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['floor_median_ms']:.1f} | {r['floor_p95_ms']:.1f} "
              f"| {r['cpu_median_ms']:.1f} | {r['cpu_p95_ms']:.1f} | {r['queries']} |")
    print(f"\nEscalation pass over {esc['open_cases']:,} open cases: {esc['pass_s']:.2f} s "
          f"(CPU {esc['pass_cpu_s']:.2f} s; {esc['missed']:,} missed, {esc['near']:,} near, {esc['notifications']} notifications); "
          f"floor (one statement writing the state of the same cases): {esc['floor_s']:.2f} s")
    from guanxi.service.models import Article

    print(f"\nKnowledge search over {Article.objects.count():,} articles ({len(KB_QUERIES)} queries, Chinese and English; "
          f"generated in {articles_s:.1f} s): median {kb['median_ms']:.1f} ms, p95 {kb['p95_ms']:.1f} ms; "
          f"floor median {kb['floor_median_ms']:.1f} ms, p95 {kb['floor_p95_ms']:.1f} ms; "
          f"CPU median {kb['cpu_median_ms']:.1f} ms, p95 {kb['cpu_p95_ms']:.1f} ms")
    out = RESULTS
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"service-{vendor}-{datetime.date.today()}.json"
    path.write_text(json.dumps({"date": str(datetime.date.today()), "machine": platform.platform(), "cpus": os.cpu_count(),
                                "database": vendor, "cases": Case.objects.count(), "pages": results, "escalation": esc,
                                "knowledge": {"articles": Article.objects.count(), **kb}},
                               ensure_ascii=False, indent=2, default=str))
    print(f"\nSaved {path}")


if __name__ == "__main__":
    main()
