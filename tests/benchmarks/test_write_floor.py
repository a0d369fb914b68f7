"""The quality benchmark's write floor (``--write-floor``), which only PostgreSQL has, at a tiny size in a
database of its own (the other benchmarks' smoke runs are SQLite's: ``test_smoke.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the write floor sends COPY text to PostgreSQL")
def test_quality_write_floor_on_postgresql(tmp_path):
    """``benchmarks.quality --write-floor`` in a PostgreSQL database of its own: both floors send every
    row the import wrote for the same file, and roll them back (the database keeps the import's rows only)."""
    settings = connection.settings_dict
    name = f"guanxi_bench_smoke_{os.getpid()}"
    server = dict(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"] or None,
                  password=settings["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = f"{settings['USER']}:{settings['PASSWORD']}@" if settings["PASSWORD"] else f"{settings['USER']}@"
        url = f"postgres://{auth}{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), GUANXI_DATABASE_URL=url,
                   GUANXI_BENCH_RESULTS=str(tmp_path), GUANXI_LOG_LEVEL="error")
        done = subprocess.run([sys.executable, "-m", "benchmarks.quality", "--rows", "300", "--per-row-rows", "0", "--iie-rows", "20",
                               "--skip-duplicates", "--accounts", "0", "--checks", "0", "--write-floor"],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        result = json.loads(next(tmp_path.glob("quality-postgresql-*.json")).read_text())["import"]
        created = result["guanxi_import"]["created"]
        assert created == 300 - result["bad_rows"]
        assert result["floor_write_1conn"]["rows"] == result["floor_write_2conn"]["rows"] == created
        tables = result["floor_write_1conn"]["tables"]
        assert tables["quality_matchkey"]["rows"] == 4 * created  # name, pinyin, phone, e-mail of each contact
        with psycopg.connect(**{**server, "dbname": name}) as db:
            # the floors rolled back: the import's contacts and django-import-export's are all there is
            contacts = db.execute("SELECT count(*) FROM customers_contact").fetchone()[0]
            assert contacts == created + result["django_import_export"]["rows"]
            keys = db.execute("SELECT count(*) FROM quality_matchkey WHERE object_id IN "
                              "(SELECT object_id FROM quality_importedrecord)").fetchone()[0]
            assert keys == 4 * created
            assert db.execute("SELECT count(*) FROM quality_importbatch").fetchone()[0] == 1  # the floor's batch is gone
    finally:
        with psycopg.connect(**server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
