"""Every benchmark runs end to end at a tiny size, so none of them breaks unseen between the runs that
measure with them (they are not part of the suite otherwise: a timing never goes into a test).

Each runs as its own process, as its one command does, against one SQLite database made for this module;
their JSON goes to a temporary folder (``GUANXI_BENCH_RESULTS``), not into the repository. The web
benchmark (``python -m benchmarks``) needs the large demo and a server, so it is left to the real runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

RUNS = {
    "quality": ["--rows", "200", "--per-row-rows", "10", "--iie-rows", "20", "--accounts", "100", "--checks", "5", "--dedupe", "200",
                "--undo"],
    "service": ["--cases", "300", "--accounts", "20", "--articles", "50", "--runs", "2", "--open", "100"],
    "sales": ["--opportunities", "300", "--accounts", "20", "--requests", "2", "--warmup", "1"],
    "forecast": ["--opportunities", "300", "--accounts", "20", "--requests", "2", "--warmup", "1"],
    "fieldservice": ["--technicians", "5", "--orders", "200", "--runs", "2"],
    "territories": ["--accounts", "300", "--runs", "1"],
    "sales_knowledge": ["--posts", "50", "--repeat", "2"],
}

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the benchmarks' own SQLite runs; once per CI is enough")


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), GUANXI_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
               GUANXI_BENCH_RESULTS=str(folder / "results"), GUANXI_LOG_LEVEL="error")
    subprocess.run([sys.executable, "-m", "guanxi", "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=600)
    return env, folder / "results"


@pytest.mark.parametrize("name", list(RUNS))
def test_benchmark_runs_and_writes_its_results(bench_env, name):
    env, results = bench_env
    before = set(results.glob("*.json")) if results.exists() else set()
    done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *RUNS[name]], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    if name != "sales_knowledge":  # it prints its table only
        written = set(results.glob("*.json")) - before
        assert written, f"{name} wrote no results"
