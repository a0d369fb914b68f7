"""Benchmark of the data-quality app: import throughput and the duplicate check, next to their floors.

    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_quality_bench python -m benchmarks.quality --rows 20000 --accounts 200000
    GUANXI_DATABASE_URL=sqlite:////tmp/quality-bench.sqlite3 python -m benchmarks.quality --rows 5000 --accounts 50000

It migrates the database it is given, then

1. **import**: writes a contacts CSV of ``--rows`` rows (name, mobile, e-mail, one-line address,
   2% bad rows) and imports it end to end as ``guanxi import`` does (skip duplicates by phone; the bulk path,
   normalization, audit, match keys, the error report), next to
   - the floor: the same file loaded raw into a bare table (``COPY`` on PostgreSQL,
     ``executemany`` on SQLite), and
   - django-import-export loading the same file into the same model (``Contact``: name, job title);
   - with ``--undo``: the undo of the imported batch, as its job runs it;
   - with ``--write-floor`` (PostgreSQL): the import's own rows for the same file, built beforehand,
     only sent with ``COPY`` (one connection, then two at once) and rolled back, before the import, into the
     same tables (:func:`bench_write_floor`): the best an importer writing those rows could do on this machine;
2. **duplicate check**: bulk-loads ``--accounts`` accounts with their match keys, then times
   ``--checks`` calls of ``likely_duplicates`` for each kind of input (an existing phone, an existing
   e-mail in other case, the start of a name, the name in pinyin, the name with another legal form,
   no match), as an organisation-wide user and as a rep with a team scope, next to the floor: the
   same SQL statements re-run through the driver; one EXPLAIN ANALYZE of each kind goes to the JSON.
   On a database filled without match keys and not to be written (the 1,000,000-account
   ``guanxi_bench``), ``--skip-import --shadow-keys --accounts 0 --admin admin --rep rep`` keys its
   accounts into a temporary table of the session instead, and neither migrates nor adds users.

3. **dedupe accuracy** (``--dedupe N``): N generated people, a third to a half entered again with
   realistic corruption (typos, swapped digits, hanzi vs pinyin, missing fields, other formats,
   moved addresses), linked with splink; precision, recall, F1, the time (wall and CPU, with the load average
   before and after) and the seconds of each phase: ``features`` (normalizing in Python), then ``link``'s
   ``prepare`` (Arrow table, blocking keys in DuckDB), ``prior``, ``u_sampling``, ``em``, ``predict``, ``cluster``
   and ``fetch`` (pairs and clusters back into Python). About 1.8 records per person: ``--dedupe 556000`` makes
   1,000,703 records, ``--dedupe 150000`` 269,730. With ``--skip-import --skip-duplicates`` only this runs.

It prints median and p95 side by side and writes JSON under ``benchmarks/results/``. Do not point it
at a database you care about: it adds rows (``--reset`` deletes the benchmark's own rows first).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.__main__ import RESULTS, setup_django

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫斌宇浩凯健俊帆帅旭宁龙林欢阳建华亮成佳"
PLACES = ["浙江省杭州市西湖区文三路{n}号", "上海市徐汇区虹漕路{n}号", "广东深圳南山区科技园{n}栋", "北京朝阳区建国路{n}号", "四川省成都市武侯区人民南路{n}号"]
COMPANY = ["科技", "贸易", "数据", "网络", "电子", "实业", "物流", "医药", "能源", "传媒"]


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(samples, p):
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def users():
    from guanxi.core import services as core
    from guanxi.core.models import User

    roles = {r.code: r for r in core.role_bootstrap()}

    def get(name, role, team=None):
        return User.objects.filter(username=name).first() or core.user_create(
            acting_user=None, username=name, password=None, roles=[roles[role]], team=team)

    admin = get("bench_quality_admin", "administrator")
    from guanxi.core.models import Team

    team = Team.objects.filter(name="基准数据质量组").first() or core.team_create(acting_user=admin, name="基准数据质量组")
    rep = get("bench_quality_rep", "sales_rep", team)
    return admin, rep


def person(rng, i):
    return rng.choice(FAMILY) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def write_csv(path: Path, rows: int, seed: int) -> int:
    rng = random.Random(seed)
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "手机", "邮箱", "地址", "职位"])
        for i in range(rows):
            phone = f"13{rng.randint(0, 9)}{i:08d}"
            if rng.random() < 0.02:
                phone, bad = "12345", bad + 1
            writer.writerow([person(rng, i), phone, f"user{i}@example{i % 97}.cn", rng.choice(PLACES).format(n=i % 999 + 1),
                             rng.choice(["经理", "总监", "采购", "工程师", ""])])
    return bad


def reset_imports() -> int:
    """Delete what earlier runs of this benchmark imported (their phones would make every row a duplicate)."""
    from django.db import connection, transaction

    from guanxi.core.models import AuditEntry
    from guanxi.customers.models import AccountContact, Address, Contact, EmailAddress, PhoneNumber
    from guanxi.quality.models import ImportBatch, ImportedRecord, MatchKey

    batches = ImportBatch.objects.filter(filename__in=["bench.csv", "sample.csv", "bench-floor.csv"])
    ids = ImportedRecord.objects.filter(batch__in=batches, model="contact").values("object_id")
    with transaction.atomic():
        n = Contact.objects.filter(pk__in=ids).count()
        for model in (PhoneNumber, EmailAddress, Address, AccountContact):
            model.objects.filter(contact_id__in=ids)._raw_delete(connection.alias)
        MatchKey.objects.filter(party="contact", object_id__in=ids)._raw_delete(connection.alias)
        AuditEntry.objects.filter(content_type__model="contact", content_type__app_label="customers",
                                  object_id__in=[str(i) for i in Contact.objects.filter(pk__in=ids).values_list("pk", flat=True)]
                                  )._raw_delete(connection.alias)
        Contact.objects.filter(pk__in=ids)._raw_delete(connection.alias)
        ImportedRecord.objects.filter(batch__in=batches)._raw_delete(connection.alias)
        for batch in batches:
            batch.row_errors.all()._raw_delete(connection.alias)
            batch.delete()
    if connection.vendor == "postgresql":  # the deleted rows are dead tuples until vacuumed (autovacuum may be off)
        with connection.cursor() as cursor:
            for model in (Contact, PhoneNumber, EmailAddress, Address, AccountContact, MatchKey, AuditEntry, ImportedRecord):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return n


def backend_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend process so far, when it runs
    on this machine; None elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu() -> float | None:
    """CPU seconds (user + system) of all of PostgreSQL's processes on this machine so far: every
    backend (the import's pipelined writer has a connection of its own), the WAL writer, the
    checkpointer …, and the backends that have exited (counted in the postmaster's children's time).
    None where the server does not run here (or runs as processes this user cannot read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        procs[int(stat.parent.name)] = (comm, int(fields[1]), [int(x) for x in fields[11:15]])
    ours = {pid: v for pid, v in procs.items() if v[0] == "postgres"}
    if not ours:
        return None
    total = 0
    for pid, (_comm, ppid, (utime, stime, cutime, cstime)) in ours.items():
        total += utime + stime
        if ppid not in ours:  # the postmaster: the time of the backends it has reaped
            total += cutime + cstime
    return total / os.sysconf("SC_CLK_TCK")


def bench_import(args, admin, rep) -> dict:
    from django.core.files import File
    from django.db import connection

    from guanxi.quality import services
    from guanxi.quality.importer import runner
    from guanxi.quality.importer.runner import run_batch

    out: dict = {"rows": args.rows}
    if args.reset:
        out["reset_contacts"] = reset_imports()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        out["bad_rows"] = write_csv(path, args.rows, args.seed)
        # 0. the floor of the rows themselves: what the import writes, built beforehand, only sent; first,
        # so that it starts from the tables the import starts from (it rolls back and vacuums)
        if connection.vendor == "postgresql" and args.write_floor:
            out.update(bench_write_floor(path, rep))
        # 1. our import, end to end
        with path.open("rb") as handle:
            batch = services.batch_upload(acting_user=rep, file=File(handle, name="bench.csv"), target="contacts")
        # skip duplicates by phone: the duplicate check (match keys, and rows earlier in the file) is part of the run
        services.batch_configure(batch=batch, acting_user=rep, mapping=batch.mapping, mode="skip", key="phone")
        batch.refresh_from_db()
        last = [time.perf_counter()]

        def progress(done, total):  # on big files a line every 30 s: rows, wall and CPU so far
            if total and total >= 100_000 and time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                so_far = time.process_time() - cpu + _children_cpu() - children
                db = server_cpu() - db_cpu if db_cpu is not None else 0.0
                print(f"  {done:,} / {total:,} rows, {last[0] - start:.0f} s, importer {so_far:.1f} CPU s, "
                      f"database server {db:.1f} CPU s", flush=True)

        # a running server or worker has its URLs loaded (the import's timeline links use them): not part of the import
        from django.urls import reverse

        reverse("customers:contact_detail", args=[1])
        db_cpu = server_cpu()
        start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        batch = run_batch(batch, on_progress=progress)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu + _children_cpu() - children
        db_cpu = server_cpu() - db_cpu if db_cpu is not None else None
        # the Python process's own CPU seconds: on a shared machine a steadier figure than the wall clock
        out["guanxi_import"] = {"seconds": seconds, "rows_per_s": args.rows / seconds, "cpu_seconds": cpu,
                                "rows_per_cpu_s": args.rows / cpu, "created": batch.created_count,
                                "errors": batch.error_count, "skipped": batch.skipped_count, "chunk_rows": runner.CHUNK_ROWS,
                                "db_cpu_seconds": db_cpu,
                                "rows_per_cpu_s_with_db": args.rows / (cpu + db_cpu) if db_cpu is not None else None}
        if args.undo:  # undo the whole batch, as its job does (the rows are imported again by the next run)
            start, cpu = time.perf_counter(), time.process_time()
            undone = runner.undo_batch(batch, rep)
            seconds = time.perf_counter() - start
            out["guanxi_undo"] = {"seconds": seconds, "records": undone, "records_per_s": undone / seconds,
                                  "cpu_seconds": time.process_time() - cpu}
        # 1b. the row-by-row path through the services (the path before the bulk one), on the first rows
        if args.per_row_rows:
            sample = Path(tmp) / "sample.csv"
            write_csv(sample, args.per_row_rows, args.seed + 1)
            with sample.open("rb") as handle:
                slow = services.batch_upload(acting_user=rep, file=File(handle, name="sample.csv"), target="contacts")
            services.batch_configure(batch=slow, acting_user=rep, mapping=slow.mapping, mode="skip", key="phone")
            slow.refresh_from_db()
            runner.BULK = False
            try:
                start = time.perf_counter()
                run_batch(slow)
                seconds = time.perf_counter() - start
            finally:
                runner.BULK = True
            out["guanxi_per_row"] = {"seconds": seconds, "rows_per_s": args.per_row_rows / seconds, "rows": args.per_row_rows}
        # 2. the floor: the file into a bare table
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_quality_raw")
            cursor.execute("CREATE TABLE bench_quality_raw (name text, phone text, email text, address text, title text)")
        start, db_cpu = time.perf_counter(), backend_cpu()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with path.open("rb") as handle, cursor.cursor.copy("COPY bench_quality_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
            else:
                with path.open(encoding="utf-8") as handle:
                    reader = csv.reader(handle)
                    next(reader)
                    cursor.executemany("INSERT INTO bench_quality_raw VALUES (%s, %s, %s, %s, %s)", list(reader))
        seconds = time.perf_counter() - start
        out["floor_raw_load"] = {"seconds": seconds, "rows_per_s": args.rows / seconds,
                                 "how": "COPY" if connection.vendor == "postgresql" else "executemany",
                                 "db_cpu_seconds": backend_cpu() - db_cpu if db_cpu is not None else None}
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_quality_raw")
        # 3. django-import-export, same file, same model
        import tablib
        from import_export import fields, resources

        from guanxi.customers.models import Contact

        class ContactResource(resources.ModelResource):
            name = fields.Field(attribute="name", column_name="姓名")
            title = fields.Field(attribute="title", column_name="职位")

            class Meta:
                model = Contact
                fields = ("name", "title")
                import_id_fields = ()
                use_bulk = False

            def before_save_instance(self, instance, row, **kwargs):
                instance.owner_id = rep.pk

        iie_rows = min(args.rows, args.iie_rows or args.rows)
        with path.open(encoding="utf-8") as handle:
            text = "".join(line for _i, line in zip(range(iie_rows + 1), handle))
        dataset = tablib.Dataset().load(text, format="csv")
        start = time.perf_counter()
        result = ContactResource().import_data(dataset, dry_run=False, raise_errors=False)
        seconds = time.perf_counter() - start
        out["django_import_export"] = {"seconds": seconds, "rows_per_s": iie_rows / seconds, "rows": iie_rows, "errors": result.has_errors(),
                                       "note": "Contact name and title only: no phones, e-mails, addresses, keys or audit"}
    return out


def bench_write_floor(path: Path, rep) -> dict:
    """The rows that the import writes for the same file (a contact, its phone, e-mail and address,
    four match keys, an audit row and an import record: ten rows in seven tables a contact), planned
    and turned into ``COPY`` text beforehand (untimed, a create-only batch, so every row is new), then
    only sent: ``COPY`` into the real tables with their indexes, in one connection, then split over two
    connections at once (the contacts in one, the other six tables in the other: this machine's two
    cores both busy with PostgreSQL alone). Each is rolled back; no Python work is timed. This is the
    best any importer that writes these rows could do here, with no time at all for reading,
    normalizing and matching the file (PostgreSQL with ``session_replication_role`` allowed, as the
    import's own reference checks; ``{}`` elsewhere)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from itertools import islice

    from django.core.files import File
    from django.db import connection, transaction

    from guanxi.quality import services
    from guanxi.quality.importer import bulk, runner, tables
    from guanxi.quality.importer.reading import Table as Reader

    if not bulk.checks_by_locks():  # two connections write rows that point at each other's
        return {}
    with path.open("rb") as handle:
        batch = services.batch_upload(acting_user=rep, file=File(handle, name="bench-floor.csv"), target="contacts")
    services.batch_configure(batch=batch, acting_user=rep, mapping=batch.mapping, mode="create", key="phone")
    batch.refresh_from_db()
    writer = runner.RowWriter(batch)
    data: dict[type, list[bytes]] = {}
    contacts = 0
    with batch.file.open("rb") as handle:
        rows = iter(Reader(handle, batch.filename, None).rows(0))
        while chunk := list(islice(rows, runner.CHUNK_ROWS)):
            plan = bulk.plan_chunk(batch, writer, batch.columns, chunk, runner.ChunkOutcome(), runner._errors_for)
            bulk.encode(plan)
            for model, text in plan.inserts:
                if text and text.count:
                    data.setdefault(model, []).append(text.data)
                    contacts += text.count if model._meta.model_name == "contact" else 0
    batch.file.delete(save=False)
    batch.delete()

    # each table's rows as one ``COPY``, sent by the import's own writer (``tables.write``)
    encoded = {model: tables.Encoded(b"".join(blocks), sum(block.count(b"\n") for block in blocks)) for model, blocks in data.items()}
    del data

    def send(models, per_table: dict | None = None) -> None:
        """The rows of ``models`` through this thread's connection, as the import's writer sends them,
        then rolled back (the seconds and the server CPU of each table into ``per_table``)."""
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                for model in models:
                    start, cpu = time.perf_counter(), backend_cpu()
                    tables.write(bulk._table(model), encoded[model])
                    if per_table is not None:
                        per_table[model._meta.db_table] = {"rows": encoded[model].count, "seconds": time.perf_counter() - start,
                                                           "db_cpu_us_per_contact": (backend_cpu() - cpu) / contacts * 1e6}
                transaction.set_rollback(True)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # the thread's own connection

    out = {}
    models = list(encoded)
    per_table: dict[str, dict] = {}
    send(models, per_table)  # one connection, table by table
    seconds = sum(t["seconds"] for t in per_table.values())
    out["floor_write_1conn"] = {"seconds": seconds, "rows_per_s": contacts / seconds, "rows": contacts, "tables": per_table,
                                "db_cpu_us_per_contact": sum(t["db_cpu_us_per_contact"] for t in per_table.values())}
    contact_model = next(m for m in models if m._meta.model_name == "contact")
    groups = [[contact_model], [m for m in models if m is not contact_model]]
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:  # a connection of its own in each thread
        start = time.perf_counter()
        for future in [pool.submit(send, group) for group in groups]:
            future.result()
        seconds = time.perf_counter() - start
    out["floor_write_2conn"] = {"seconds": seconds, "rows_per_s": contacts / seconds, "rows": contacts}
    with connection.cursor() as cursor:  # the rolled-back rows are dead tuples (autovacuum may be off)
        for model in models:
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")
    return out


def load_accounts(n: int, admin, rep, seed: int) -> None:
    """``n`` benchmark accounts ("基准…有限公司") with their match keys, written in bulk (no signals).
    Every other account has an e-mail address; a tenth belong to the rep."""
    from django.db import transaction

    from guanxi.customers.models import Account
    from guanxi.framework.text import pinyin_keys
    from guanxi.quality.matching import keys_for
    from guanxi.quality.models import MatchKey

    have = Account.objects.filter(name__startswith="基准").count()
    rng = random.Random(seed)
    batch = 5000
    for start in range(have, n, batch):
        accounts = []
        for i in range(start, min(n, start + batch)):
            name = f"基准{person(rng, i)}{rng.choice(COMPANY)}{i}有限公司"
            full, initials = pinyin_keys(name)
            accounts.append(Account(name=name, name_pinyin=full[:400], name_initials=initials[:100], search_text=name,
                                    owner=rep if i % 10 == 0 else admin, primary_phone=f"+8615{i:09d}",
                                    primary_email=f"sales{i}@bench{i % 997}.example.cn" if i % 2 == 0 else ""))
        with transaction.atomic():
            created = Account.objects.bulk_create(accounts, batch_size=2000)
            keys = [MatchKey(party="account", object_id=a.pk, kind=k, value=v)
                    for a in created for k, v in keys_for("account", a.name, [a.primary_phone], [a.primary_email] if a.primary_email else [])]
            MatchKey.objects.bulk_create(keys, batch_size=5000)


def shadow_match_keys(batch: int = 20000) -> int:
    """Key every account of a database that was filled without its match keys (``guanxi demo --size
    large`` writes in bulk, past the receivers) into a TEMPORARY ``quality_matchkey`` of this session.

    PostgreSQL looks up temporary tables first, so the duplicate check of this connection reads the
    temporary keys, and the database itself is left as it was (the benchmark database is read-only)."""
    from django.db import connection

    from guanxi.customers.models import Account, EmailAddress, PhoneNumber
    from guanxi.quality.matching import keys_for

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE quality_matchkey (id bigserial PRIMARY KEY, party varchar(10) NOT NULL, "
                       "object_id bigint NOT NULL, kind varchar(10) NOT NULL, value varchar(254) NOT NULL)")
    last, rows = 0, 0
    while True:
        chunk = list(Account.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "name")[:batch])
        if not chunk:
            break
        ids = [pk for pk, _name in chunk]
        last = ids[-1]
        phones: dict[int, list[str]] = {}
        for owner, number in PhoneNumber.objects.filter(account__in=ids).values_list("account", "number"):
            phones.setdefault(owner, []).append(number)
        emails: dict[int, list[str]] = {}
        for owner, address in EmailAddress.objects.filter(account__in=ids).values_list("account", "email"):
            emails.setdefault(owner, []).append(address)
        with connection.cursor() as cursor:
            with cursor.cursor.copy("COPY quality_matchkey (party, object_id, kind, value) FROM STDIN") as copy:
                for pk, name in chunk:
                    for kind, value in keys_for("account", name, phones.get(pk, ()), emails.get(pk, ())):
                        copy.write_row(("account", pk, kind, value))
                        rows += 1
    with connection.cursor() as cursor:
        # the same indexes as the model's (``match_key_probe_idx``, ``match_key_record_idx``)
        cursor.execute("CREATE INDEX ON quality_matchkey (kind, value, party, object_id)")
        cursor.execute("CREATE INDEX ON quality_matchkey (party, object_id)")
        cursor.execute("ANALYZE quality_matchkey")  # autovacuum never analyses a temporary table
    return rows


def other_legal_form(name: str) -> str:
    """The same company under another legal form: 股份有限公司 <-> 有限公司, else 有限公司 added."""
    for old, new in (("股份有限公司", "有限公司"), ("有限责任公司", "股份有限公司"), ("有限公司", "股份有限公司")):
        if name.endswith(old):
            return name[: -len(old)] + new
    return name + "有限公司"


#: what a user types when creating an account, from an existing one (name, phone, e-mail) and a counter
PROBES = {
    "existing_phone": lambda a, i, rng: {"name": "新客户", "phones": [a["phone"].replace("+86", "")]},
    "existing_email": lambda a, i, rng: {"name": "新客户", "emails": [a["email"].upper()]},
    "similar_name": lambda a, i, rng: {"name": a["name"][:5]},
    "pinyin": lambda a, i, rng: {"name": a["pinyin"]},
    "legal_form": lambda a, i, rng: {"name": other_legal_form(a["name"])},
    "no_match": lambda a, i, rng: {"name": f"未知{i}商贸", "phones": [f"139{rng.randint(0, 99999999):08d}"]},
}


def bench_duplicates(args, admin, rep) -> dict:
    """p50/p95 of ``likely_duplicates`` per kind of input, in-process, with its SQL re-run through the
    driver (the floor) and one EXPLAIN ANALYZE of each kind's statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.customers.models import Account
    from guanxi.framework.text import pinyin_keys
    from guanxi.quality.selectors import likely_duplicates

    out = {}
    if args.shadow_keys:
        start = time.perf_counter()
        out["shadow_keys"] = {"rows": shadow_match_keys(), "seconds": round(time.perf_counter() - start, 1)}
    elif args.accounts:
        load_accounts(args.accounts, admin, rep, args.seed)
    total = Account.objects.count()
    rng = random.Random(args.seed + 1)
    rows = Account.objects.exclude(primary_email="").exclude(primary_phone="")
    if args.accounts and not args.shadow_keys:
        rows = rows.filter(name__startswith="基准")
    top = Account.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = rng.sample(range(1, top + 1), min(top, args.checks * 5))
    sample = [{"name": n, "phone": p, "email": e, "pinyin": pinyin_keys(n)[0]}
              for n, p, e in rows.filter(pk__in=picked).values_list("name", "primary_phone", "primary_email")[:args.checks]]
    out.update({"accounts": total, "checks_per_kind": args.checks, "sampled": len(sample), "kinds": {}})
    plans = {}
    for label, user in (("organisation_wide", admin), ("rep_scope", rep)):
        for kind, make in PROBES.items():
            timings, cpu, floor, hits = [], [], [], 0
            for i in range(args.checks):
                probe = make(sample[i % len(sample)], i, rng)
                user.__dict__.pop("_guanxi_scope", None)
                with CaptureQueriesContext(connection) as queries:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    hits += bool(likely_duplicates(user=user, **probe))
                    timings.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
                statements = [q["sql"] for q in queries.captured_queries]
                start = time.perf_counter()
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
                        cursor.fetchall()
                floor.append((time.perf_counter() - start) * 1000)
                if i == 0 and connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        plan = []
                        for sql in statements:
                            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql)
                            plan.append("\n".join(r[0] for r in cursor.fetchall()))
                    plans[f"{label}/{kind}"] = plan
            out["kinds"][f"{label}/{kind}"] = {
                "p50_ms": round(statistics.median(timings), 2), "p95_ms": round(percentile(timings, 0.95), 2),
                "cpu_p50_ms": round(statistics.median(cpu), 2), "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
                "floor_p50_ms": round(statistics.median(floor), 2), "floor_p95_ms": round(percentile(floor, 0.95), 2),
                "queries": len(statements), "found_share": round(hits / args.checks, 3)}
        every = [v for k, v in out["kinds"].items() if k.startswith(label)]
        out[label] = {"worst_kind_p95_ms": max(v["p95_ms"] for v in every)}
    out["plans"] = plans
    if args.compare_with:
        out["before"] = compare_before(args, admin, rep, sample, rng)
    return out


def compare_before(args, admin, rep, sample, rng) -> dict:
    """The same inputs through an earlier ``likely_duplicates`` (``--compare-with`` a checkout's
    ``selectors.py``), in the same session, so before and after meet the same keys and the same load."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("guanxi.quality._selectors_before", args.compare_with)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "guanxi.quality"
    import sys

    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    out = {}
    for label, user in (("organisation_wide", admin), ("rep_scope", rep)):
        for kind, make in PROBES.items():
            timings, cpu = [], []
            for i in range(args.checks):
                probe = make(sample[i % len(sample)], i, rng)
                user.__dict__.pop("_guanxi_scope", None)
                start, start_cpu = time.perf_counter(), time.process_time()
                module.likely_duplicates(user=user, **probe)
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            out[f"{label}/{kind}"] = {"p50_ms": round(statistics.median(timings), 2), "p95_ms": round(percentile(timings, 0.95), 2),
                                      "cpu_p50_ms": round(statistics.median(cpu), 2), "cpu_p95_ms": round(percentile(cpu, 0.95), 2)}
    return out


def corrupt(rng, record: dict) -> dict:
    """A second entry of the same person, the ways people re-enter data: typos, swapped digits, pinyin,
    missing fields, other formats, a new address."""
    from pypinyin import lazy_pinyin

    out = dict(record)
    roll = rng.random()
    if roll < 0.25:
        out["name"] = " ".join(lazy_pinyin(out["name"])).title()
    elif roll < 0.4:
        chars = list(out["name"])
        chars[-1] = rng.choice(GIVEN)
        out["name"] = "".join(chars)
    phone = out["phone"]
    roll = rng.random()
    if roll < 0.3:
        out["phone"] = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    elif roll < 0.45:
        i = rng.randint(3, 9)
        out["phone"] = phone[:i] + phone[i + 1] + phone[i] + phone[i + 2:]
    elif roll < 0.6:
        out["phone"] = ""
    if rng.random() < 0.4:
        out["email"] = out["email"].upper() if rng.random() < 0.5 else ""
    if rng.random() < 0.3:
        out["address"] = rng.choice(PLACES).format(n=rng.randint(1, 999))
    elif rng.random() < 0.3:
        out["address"] = out["address"].replace("省", "").replace("市", "", 1)
    if rng.random() < 0.2:
        out["dob"] = ""
    return out


def bench_dedupe(args) -> dict:
    """Precision, recall and F1 of ``guanxi.quality.dedupe.link`` on generated people with known duplicates."""
    from itertools import combinations

    from guanxi.quality.dedupe import features, link

    rng = random.Random(args.seed)
    rows, truth = [], {}
    for i in range(args.dedupe):
        record = {"id": f"p{i}", "name": person(rng, i), "phone": f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                  "email": f"user{i}@example{i % 13}.cn", "address": rng.choice(PLACES).format(n=rng.randint(1, 999)),
                  "dob": f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        rows.append(record)
        truth[record["id"]] = i
        for copy in range(rng.choice([0, 0, 1, 1, 2])):
            dup = corrupt(rng, record)
            dup["id"] = f"p{i}d{copy}"
            rows.append(dup)
            truth[dup["id"]] = i
    columns = {"full_name": "name", "phone": "phone", "email": "email", "address": "address", "dob": "dob"}
    load = os.getloadavg()
    start, start_cpu = time.perf_counter(), time.process_time()
    records = [(r["id"], features(r, columns)) for r in rows]
    timings = {"features": time.perf_counter() - start}
    result = link(records, threshold=args.threshold, timings=timings)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu  # CPU of every thread, DuckDB's too
    groups: dict[int, list[str]] = {}
    for rid, key in truth.items():
        groups.setdefault(key, []).append(rid)
    expected = {tuple(sorted(p)) for ids in groups.values() for p in combinations(ids, 2)}
    found = {tuple(sorted((a, b))) for a, b, _p in result.pairs}
    tp = len(found & expected)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(expected) if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": len(rows), "true_pairs": len(expected), "found_pairs": len(found), "precision": precision,
            "recall": recall, "f1": f1, "seconds": seconds, "cpu_seconds": cpu_seconds, "threshold": args.threshold,
            "phases": {k: round(v, 2) for k, v in timings.items()}, "load_before": load, "load_after": os.getloadavg()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="rows of the contacts CSV to import")
    parser.add_argument("--per-row-rows", type=int, default=1000, help="rows for the row-by-row services path (0: skip it)")
    parser.add_argument("--iie-rows", type=int, default=5000, help="rows (the file's first) for django-import-export (0: all)")
    parser.add_argument("--accounts", type=int, default=50000, help="accounts for the duplicate check (loaded when fewer; 0: use what is there)")
    parser.add_argument("--checks", type=int, default=400, help="duplicate checks to time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--reset", action="store_true", help="delete what earlier runs imported first")
    parser.add_argument("--skip-duplicates", action="store_true")
    parser.add_argument("--undo", action="store_true", help="also time undoing the imported batch")
    parser.add_argument("--write-floor", action="store_true",
                        help="PostgreSQL: also time sending the import's own rows, built beforehand (bench_write_floor)")
    parser.add_argument("--shadow-keys", action="store_true",
                        help="PostgreSQL, read-only database: key its accounts into a temporary match-key table of this session")
    parser.add_argument("--admin", default="", help="existing user for the organisation-wide checks (else a benchmark user is created)")
    parser.add_argument("--rep", default="", help="existing user for the rep-scope checks")
    parser.add_argument("--compare-with", default="", help="an earlier selectors.py to time on the same inputs, for before/after")
    parser.add_argument("--dedupe", type=int, default=0, help="people for the dedupe accuracy run (0: skip it)")
    parser.add_argument("--threshold", type=float, default=0.9, help="match probability of the dedupe accuracy run")
    args = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if args.admin:  # a database used as it is: no migrations, no benchmark users
        from guanxi.core.models import User

        admin, rep = User.objects.get(username=args.admin), User.objects.get(username=args.rep or args.admin)
    else:
        call_command("migrate", verbosity=0)
        admin, rep = users()
    result = {"date": date.today().isoformat(), "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
              "database": connection.vendor}
    if not args.skip_import:
        result["import"] = bench_import(args, admin, rep)
    if not args.skip_duplicates:
        result["duplicates"] = bench_duplicates(args, admin, rep)
    if args.dedupe:
        result["dedupe"] = bench_dedupe(args)
    print(f"\n## Data quality on {connection.vendor}, {result['date']}\n")
    if "import" in result:
        imp = result["import"]
        print(f"Import of {imp['rows']:,} contact rows ({imp['bad_rows']} bad):\n")
        g = imp["guanxi_import"]
        print(f"guanxi import: {g['created']:,} created, {g['skipped']:,} skipped, {g['errors']:,} errors; "
              f"{g['cpu_seconds']:.1f} s of importer CPU, {g['rows_per_cpu_s']:,.0f} rows per CPU second")
        if g.get("db_cpu_seconds") is not None:
            print(f"  database server (all its processes): {g['db_cpu_seconds']:.1f} CPU s; importer + server: "
                  f"{g['rows_per_cpu_s_with_db']:,.0f} rows per CPU second")
        print()
        floor = imp["floor_raw_load"]["rows_per_s"]
        print("| path | rows | seconds | rows/s | share of the floor |\n|---|---:|---:|---:|---:|")
        for key in ("guanxi_import", "guanxi_per_row", "floor_raw_load", "floor_write_1conn", "floor_write_2conn",
                    "django_import_export"):
            if key in imp:
                rows = imp[key].get("rows", imp["rows"])
                print(f"| {key} | {rows:,} | {imp[key]['seconds']:.1f} | {imp[key]['rows_per_s']:,.0f} | {imp[key]['rows_per_s'] / floor:.3f} |")
        if "guanxi_undo" in imp:
            u = imp["guanxi_undo"]
            print(f"\nundo of the batch: {u['records']:,} records in {u['seconds']:.1f} s, {u['records_per_s']:,.0f} records/s "
                  f"({u['cpu_seconds']:.1f} s of importer CPU)")
        if "floor_write_1conn" in imp:
            tables = imp["floor_write_1conn"]["tables"]
            print(f"\nServer CPU of the import's own rows, sent in one connection: "
                  f"{imp['floor_write_1conn']['db_cpu_us_per_contact']:.1f} µs a contact (" +
                  ", ".join(f"{name} {t['db_cpu_us_per_contact']:.1f}" for name, t in tables.items()) + ")")
    if "duplicates" in result:
        dup = result["duplicates"]
        print(f"\nDuplicate check at {dup['accounts']:,} accounts ({args.checks} checks of each kind):\n")
        print("| user / input | p50 ms | p95 ms | Python CPU p50 ms | CPU p95 ms | SQL floor p50 ms | SQL floor p95 ms | queries | found |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, d in dup["kinds"].items():
            print(f"| {key} | {d['p50_ms']:.2f} | {d['p95_ms']:.2f} | {d['cpu_p50_ms']:.2f} | {d['cpu_p95_ms']:.2f} | "
                  f"{d['floor_p50_ms']:.2f} | {d['floor_p95_ms']:.2f} | {d['queries']} | {d['found_share']:.0%} |")
        if "before" in dup:
            print(f"\nThe same inputs through {args.compare_with}, in the same session:\n")
            print("| user / input | p50 ms | p95 ms | Python CPU p50 ms | CPU p95 ms |\n|---|---:|---:|---:|---:|")
            for key, d in dup["before"].items():
                print(f"| {key} | {d['p50_ms']:.2f} | {d['p95_ms']:.2f} | {d['cpu_p50_ms']:.2f} | {d['cpu_p95_ms']:.2f} |")
    if "dedupe" in result:
        d = result["dedupe"]
        print(f"\nBatch dedupe of {d['records']:,} generated records ({d['true_pairs']:,} true pairs), threshold {d['threshold']}:\n")
        print("| seconds | CPU seconds | pairs found | precision | recall | F1 |\n|---:|---:|---:|---:|---:|---:|")
        print(f"| {d['seconds']:.1f} | {d['cpu_seconds']:.1f} | {d['found_pairs']:,} | {d['precision']:.5f} | {d['recall']:.4f} | {d['f1']:.4f} |")
        print("\nSeconds per phase: " + ", ".join(f"{k} {v:.1f}" for k, v in d["phases"].items()))
        print(f"Load average before {d['load_before'][0]:.2f}, after {d['load_after'][0]:.2f}")
    target = RESULTS / f"quality-{connection.vendor}-{int(time.time())}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
