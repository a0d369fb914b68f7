"""Guanxi benchmarks: run with ``python -m benchmarks`` (or ``make bench``); see docs/benchmarks.md."""
