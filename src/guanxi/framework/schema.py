"""Schema changes that Django's own operations would make too expensively (for migrations).

On SQLite, ``AlterField`` rebuilds the whole table (a new table, every row copied, the old one dropped),
and with the old table go its triggers — the ones that keep the FTS5 search tables in step. Dropping the
index of a foreign key (``db_index=True`` → ``False``) needs none of that: :func:`drop_column_index` is
one ``DROP INDEX`` on either database, for a migration's ``SeparateDatabaseAndState`` to run while the
state takes the ``AlterField``.
"""

from __future__ import annotations


def _column_index(schema_editor, table: str, column: str) -> str | None:
    """The name of the index Django made for ``table.column`` (its ``_create_index_name``), when it is there."""
    name = schema_editor._create_index_name(table, [column])
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return name if name in constraints else None


def drop_column_index(table: str, column: str):
    """A ``RunPython`` pair that drops the index Django made for ``table.column`` and makes it again."""

    def forwards(apps, schema_editor):
        name = _column_index(schema_editor, table, column)
        if name is not None:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")

    def backwards(apps, schema_editor):
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(name)} ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})")

    return forwards, backwards


def index_dropped(app_label: str, alter_field):
    """``alter_field`` (a foreign key's ``db_index`` turned off) for the migration state; for the database,
    only the column's index dropped (no table rebuilt on SQLite, its triggers kept)."""
    from django.db import migrations

    table = f"{app_label}_{alter_field.model_name}"
    forwards, backwards = drop_column_index(table, f"{alter_field.name}_id")
    return migrations.SeparateDatabaseAndState(
        state_operations=[alter_field], database_operations=[migrations.RunPython(forwards, backwards)])
