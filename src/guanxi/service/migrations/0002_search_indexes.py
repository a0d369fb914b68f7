"""Substring search over cases' ``search_text`` (number, subject, account name).

PostgreSQL: a pg_trgm GIN index. SQLite: an FTS5 trigram table kept in step by triggers.
"""

from django.db import migrations

TABLE = "service_case"
FTS = f"{TABLE}_fts"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_search_trgm ON {TABLE} USING gin (search_text gin_trgm_ops)")
    elif schema_editor.connection.vendor == "sqlite":
        for statement in (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='{TABLE}', content_rowid='id', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON {TABLE} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
        ):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_search_trgm")
    elif schema_editor.connection.vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
