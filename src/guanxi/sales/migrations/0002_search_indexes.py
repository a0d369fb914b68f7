"""Substring search on leads (names, companies, pinyin, phones, e-mails) and opportunity names.

PostgreSQL: pg_trgm GIN indexes. SQLite: an FTS5 trigram table over ``sales_lead.search_text``,
kept in step by triggers (the same scheme as the customers app).
"""

from django.db import migrations

LEAD = "sales_lead"
FTS = f"{LEAD}_fts"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {LEAD}_search_trgm ON {LEAD} USING gin (search_text gin_trgm_ops)")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS sales_opportunity_name_trgm ON sales_opportunity USING gin (upper(name) gin_trgm_ops)")
    elif vendor == "sqlite":
        for statement in (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='{LEAD}', content_rowid='id', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON {LEAD} BEGIN "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {LEAD} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON {LEAD} BEGIN "
            f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
        ):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LEAD}_search_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS sales_opportunity_name_trgm")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
