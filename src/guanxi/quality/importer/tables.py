"""Rows written straight into a model's table: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

The bulk import path builds plain tuples instead of model instances (building ~10 instances per
imported row, and Django turning them into ``INSERT`` parameters, was half its time). A
:class:`Table` knows a model's columns and their defaults as the model declares them
(``default=``, ``auto_now`` / ``auto_now_add`` set to the chunk's time, ``""`` for text, ``NULL``
for nullable fields), so a row is its defaults with the few values the import sets. Values of the
types that need it (JSON, dates and times, decimals) go through the field's own
``get_db_prep_save``, so what lands is what ``bulk_create`` would have written.

Ids of rows other rows point at (the new accounts or contacts) are reserved before writing:
``nextval`` of the table's sequence, one query for the whole chunk, on PostgreSQL; on SQLite the
next ids after the table's largest (and ``sqlite_sequence``'s), inside the chunk's write
transaction.
"""

from __future__ import annotations

import io
import json
import operator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from django.db import connection, models

#: write with ``COPY`` on PostgreSQL (False: ``executemany``, the portable path, everywhere)
COPY = True


class Table:
    """The columns of ``model``'s table (its primary key only when ``with_pk``) and their defaults."""

    def __init__(self, model: type[models.Model], *, with_pk: bool):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.fields = fields
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.now_columns = [i for i, f in enumerate(fields) if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        template: list[Any] = []
        for f in fields:
            if f.primary_key:
                template.append(None)
            elif f.has_default():
                template.append(f.get_default())
            elif f.null:
                template.append(None)
            elif f.empty_strings_allowed and isinstance(f, (models.CharField, models.TextField)):
                template.append("")
            else:
                template.append(None)  # required: the import sets it
        self._template = template
        # callable defaults (``dict`` for JSON) are called again for each chunk's template, never shared
        # across chunks; none of the imported models has a default that must differ row by row
        self.callable_defaults = [(i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)]
        self.prepared = [(i, f) for i, f in enumerate(fields) if isinstance(
            f, (models.JSONField, models.DateField, models.DecimalField, models.UUIDField, models.GenericIPAddressField))]

    def template(self, now) -> list[Any]:
        """The defaults of a row written at ``now`` (copy it per row)."""
        out = list(self._template)
        for i, f in self.callable_defaults:
            out[i] = f.get_default()
        for i in self.now_columns:
            out[i] = now
        return out

    def row(self, template: list[Any], values: dict[str, Any]) -> list[Any]:
        """A row: ``template`` with ``values`` (attribute name -> value) set."""
        out = template.copy()
        index = self.index
        for name, value in values.items():
            out[index[name]] = value
        return out

    def maker(self, template: list[Any], names: Sequence[str]) -> Callable[..., list[Any]]:
        """A function of the values of ``names`` (in that order) that returns a row: ``template`` with
        them set, as :meth:`row` does, but put together by ``itemgetter`` in one step (it runs for
        each of a chunk's rows of the kinds whose columns are always the same)."""
        n = len(names)
        position = {self.index[name]: k for k, name in enumerate(names)}
        pick = operator.itemgetter(*(position.get(i, n + i) for i in range(len(template))))
        constants = tuple(template)
        return lambda *values: list(pick(values + constants))

    def to_db(self, rows: list[list[Any]], *, copy_text: bool = False) -> list[list[Any]]:
        """The rows with the values that need it turned into what the database driver takes. For
        ``COPY`` text (``copy_text``), a JSON value without an encoder of its own becomes its text
        here (what the driver's JSON adapter would send, without the adapter per value)."""
        if not self.prepared:
            return rows
        for i, field in self.prepared:
            to_db = field.get_db_prep_save
            if copy_text and isinstance(field, models.JSONField) and field.encoder is None:
                to_db = _json_text
            last, converted = None, None  # the chunk's time is one object in every row: convert it once
            for row in rows:
                value = row[i]
                if value is None:
                    continue
                if value is not last:
                    last, converted = value, to_db(value, connection)
                row[i] = converted
        return rows


def _json_text(value: Any, _connection=None) -> str:
    return json.dumps(value)


@lru_cache(maxsize=None)
def table(model: type[models.Model], with_pk: bool = False) -> Table:
    return Table(model, with_pk=with_pk)


@dataclass(frozen=True)
class Encoded:
    """Rows already turned into ``COPY`` text by :func:`encode`, for :func:`write` to send as they are."""
    data: bytes
    count: int


def encode(tbl: Table, rows: list[list[Any]]) -> Encoded:
    """``rows`` as the text a ``COPY … FROM STDIN`` of ``tbl``'s columns reads (PostgreSQL), made by
    psycopg's own ``COPY`` formatting (``psycopg.Copy`` writing to a buffer instead of the server),
    so that another thread can send them without formatting anything."""
    from psycopg import Copy
    from psycopg.copy import FileWriter

    rows = tbl.to_db(rows, copy_text=True)
    buffer = io.BytesIO()
    with connection.cursor() as cursor, Copy(cursor.cursor, binary=False, writer=FileWriter(buffer)) as copy:
        for row in rows:
            copy.write_row(row)
    return Encoded(buffer.getvalue(), len(rows))


def write(tbl: Table, rows: list[list[Any]] | Encoded) -> None:
    """Write ``rows`` (in ``tbl``'s column order, or :func:`encode`'s text of them) into its table."""
    if not (rows.count if isinstance(rows, Encoded) else rows):
        return
    qn = connection.ops.quote_name
    name, columns = qn(tbl.model._meta.db_table), ", ".join(qn(c) for c in tbl.columns)
    if isinstance(rows, Encoded):
        with connection.cursor() as cursor, connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
            copy.write(rows.data)
        return
    rows = tbl.to_db(rows)
    with connection.cursor() as cursor:
        if COPY and connection.vendor == "postgresql":
            # the driver's cursor, so its errors are turned into Django's here (the runner catches
            # ``DatabaseError`` to redo a refused chunk row by row)
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(tbl.columns))
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({placeholders})", rows)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` fresh primary keys for rows of ``model`` written with :func:`write` in this transaction."""
    if n <= 0:
        return []
    db_table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [db_table, pk, n])
            return [r[0] for r in cursor.fetchall()]
        qn = connection.ops.quote_name
        largest = f"SELECT MAX({qn(pk)}) FROM {qn(db_table)}"
        if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses an id, even of a deleted row
            cursor.execute(f"SELECT MAX(COALESCE(({largest}), 0), "
                           "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))", [db_table])
        else:
            cursor.execute(largest)
        largest = cursor.fetchone()[0] or 0
    return list(range(largest + 1, largest + 1 + n))
