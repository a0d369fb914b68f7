"""Bulk writers: rows into tables as fast as each database takes them.

PostgreSQL gets ``COPY … FROM STDIN`` (psycopg 3); SQLite gets ``executemany`` with foreign-key
checks off for the load. Each writer also lists what slows a bulk load down and can be rebuilt
after it (secondary indexes, foreign keys, full-text triggers: see :mod:`.restore`), empties the
customer tables, and refreshes sequences and planner statistics at the end. Columns a row does not
carry get the model field's default.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import models
from django.utils.translation import gettext as _

from .choices import RestoreKind

Say = Callable[[str], None]


class Structure(NamedTuple):
    """Something the load takes away: how to drop it (may be empty) and how to put it back."""

    kind: str
    table: str
    name: str
    drop: str
    restore: str


class BulkWriter:
    timestamp_suffix = ""
    restore_threads = 1

    def __init__(self, connection, columns: dict[type[models.Model], tuple[str, ...]]):
        self.connection = connection
        self.qn = connection.ops.quote_name
        self.layouts = {model: self._layout(model, generated) for model, generated in columns.items()}

    def _layout(self, model: type[models.Model], generated: tuple[str, ...]) -> tuple[str, list[str], tuple]:
        """(table, column names, values of the columns rows leave out)."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(generated) - set(fields)
        if unknown:
            raise ImproperlyConfigured(f"{model.__name__} has no fields {sorted(unknown)}")
        tail_fields = [f for name, f in fields.items() if name not in generated]
        for field in tail_fields:
            if not field.has_default() and not field.null and not field.empty_strings_allowed:
                raise ImproperlyConfigured(f"{model.__name__}.{field.name} needs a value from the demo generator")
        tail = tuple(field.get_db_prep_save(field.get_default(), self.connection) for field in tail_fields)
        columns = [fields[name].column for name in generated] + [f.column for f in tail_fields]
        return model._meta.db_table, columns, tail

    def tables(self) -> list[str]:
        return [table for table, _columns, _tail in self.layouts.values()]

    def loading(self):
        """A context for the whole load transaction (SQLite turns foreign-key checks off around it)."""
        return nullcontext()

    def prepare(self) -> None:
        """Session settings for bulk work, inside the current transaction."""

    def prepare_restore(self, cursor) -> None:
        """Settings for rebuilding an index, inside its transaction."""

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        raise NotImplementedError

    def structures(self) -> list[Structure]:
        raise NotImplementedError

    def reset(self, tables: list[str]) -> None:
        """Empty ``tables`` and every table that refers to them; ids start again from 1."""
        ops = self.connection.ops
        ops.execute_sql_flush(ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True))

    def finish(self, model_list: list[type[models.Model]], say: Say) -> None:
        """Move id sequences past the loaded rows and refresh the planner statistics."""
        started = time.monotonic()
        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(sql)
            self.analyze(cursor)
        say(_("Statistics refreshed (ANALYZE) in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

    def analyze(self, cursor) -> None:
        raise NotImplementedError


class PostgresWriter(BulkWriter):
    timestamp_suffix = "+00"
    restore_threads = max(1, min(4, os.cpu_count() or 1))

    def prepare(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")

    def write(self, model, rows):
        table, columns, tail = self.layouts[model]
        sql = f"COPY {self.qn(table)} ({', '.join(map(self.qn, columns))}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row + tail if tail else row)

    def structures(self):
        found = []
        with self.connection.cursor() as cursor:
            # Foreign keys: checking them row by row costs more than one pass per key after the load.
            cursor.execute(
                """
                SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                WHERE c.contype = 'f' AND t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
                ORDER BY 1, 2
                """,
                [self.tables()],
            )
            for table, name, definition in cursor.fetchall():
                alter = f"ALTER TABLE {self.qn(table)}"
                found.append(Structure(RestoreKind.FOREIGN_KEY, table, name, f"{alter} DROP CONSTRAINT {self.qn(name)}",
                                       f"{alter} ADD CONSTRAINT {self.qn(name)} {definition}"))
            # Secondary indexes: not primary keys, not those behind unique constraints.
            cursor.execute(
                """
                SELECT t.relname, x.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
                WHERE t.relname = ANY(%s) AND pg_table_is_visible(t.oid) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
                ORDER BY 1, 2
                """,
                [self.tables()],
            )
            for table, name, definition in cursor.fetchall():
                found.append(Structure(RestoreKind.INDEX, table, name, f"DROP INDEX {self.qn(name)}", definition))
        return found

    def prepare_restore(self, cursor) -> None:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")

    def analyze(self, cursor):
        cursor.execute(f"ANALYZE {', '.join(map(self.qn, self.tables()))}")


class SqliteWriter(BulkWriter):
    @contextmanager
    def loading(self):
        # Outside a transaction only (SQLite ignores the pragma inside one); finish() checks the keys.
        with self.connection.constraint_checks_disabled():
            yield

    def write(self, model, rows):
        table, columns, tail = self.layouts[model]
        sql = f"INSERT INTO {self.qn(table)} ({', '.join(map(self.qn, columns))}) VALUES ({', '.join('?' * len(columns))})"
        self.connection.ensure_connection()
        cursor = self.connection.connection.cursor()
        try:
            cursor.executemany(sql, (row + tail for row in rows) if tail else rows)
        finally:
            cursor.close()

    def structures(self):
        tables = self.tables()
        marks = ", ".join(["%s"] * len(tables))
        found = []
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT type, tbl_name, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY type, tbl_name, name",
                tables,
            )
            for kind, table, name, sql in cursor.fetchall():
                drop = f"DROP {kind.upper()} {self.qn(name)}"
                found.append(Structure(RestoreKind.INDEX if kind == "index" else RestoreKind.TRIGGER, table, name, drop, sql))
            # External-content full-text tables over our tables: rebuilt from their content after the load.
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            for name, sql in cursor.fetchall():
                content = re.search(r"content\s*=\s*['\"]?(\w+)", sql)
                if content and content.group(1) in tables:
                    rebuild = f"INSERT INTO {self.qn(name)}({self.qn(name)}) VALUES ('rebuild')"
                    found.append(Structure(RestoreKind.FULL_TEXT, content.group(1), name, "", rebuild))
        return found

    def finish(self, model_list, say):
        started = time.monotonic()
        self.connection.check_constraints(table_names=self.tables())
        say(_("Foreign keys checked in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
        super().finish(model_list, say)

    def analyze(self, cursor):
        # Sampled statistics: exact ones over ten million rows take minutes and plan no better.
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")


def writer_for(connection, columns) -> BulkWriter:
    if connection.vendor == "postgresql":
        return PostgresWriter(connection, columns)
    if connection.vendor == "sqlite":
        return SqliteWriter(connection, columns)
    message = _("The large demo supports PostgreSQL and SQLite, not %(vendor)s.")
    raise ImproperlyConfigured(message % {"vendor": connection.vendor})
