"""Writing many new rows at once.

``insert_many`` is ``bulk_create`` for rows nothing reads back at once (audit rows, timeline events,
notifications written by a batch job): on PostgreSQL it streams them with ``COPY`` — no per-value
preparation by the ORM and no statement with tens of thousands of parameters to build, which at
10,000 rows cost more CPU than the database took to write them — elsewhere it is ``bulk_create``.
Like ``bulk_create`` it sends no signals; unlike it, it does not set the new rows' primary keys.
"""

from __future__ import annotations

import json

from django.db import connection, models

BATCH = 10_000


def insert_many(objs: list[models.Model], *, batch_size: int = BATCH) -> int:
    """Insert unsaved instances of one model; returns how many."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return len(objs)
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    json_fields = {i: f.encoder for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            row = [f.pre_save(obj, True) for f in fields]
            for i, encoder in json_fields.items():
                row[i] = json.dumps(row[i], cls=encoder, ensure_ascii=False)
            copy.write_row(row)
    return len(objs)
