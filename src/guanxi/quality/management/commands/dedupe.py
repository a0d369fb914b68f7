"""``guanxi dedupe FILE --id ID --column KIND=COLUMN …``: find the duplicates in any CSV file with splink.

    guanxi dedupe people.csv --id 编号 --column full_name=姓名 --column phone=手机 --column email=邮箱 \\
        --column address=地址 --threshold 0.9 --pairs pairs.csv --clusters clusters.csv

KIND is one of full_name, given_name, surname, phone, email, address, city, province, postcode,
dob, id_number, company. Writes the matched pairs (id, id, probability, cluster) and a cluster id
for every record; the file's encoding is detected as for imports (UTF-8, GBK, GB18030).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guanxi.quality.dedupe import KINDS, features, link
from guanxi.quality.importer.reading import Table


class Command(BaseCommand):
    help = "Find duplicate records in a CSV file (splink, DuckDB): matched pairs with probabilities and a cluster per record."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--id", required=True, help="the column that identifies a record")
        parser.add_argument("--column", action="append", default=[], metavar="KIND=COLUMN",
                            help=f"which column holds which kind of data; KIND is one of {', '.join(KINDS)}")
        parser.add_argument("--threshold", type=float, default=0.9, help="match probability from which two records are the same (0-1)")
        parser.add_argument("--pairs", help="where to write the matched pairs (default FILE.pairs.csv)")
        parser.add_argument("--clusters", help="where to write every record's cluster (default FILE.clusters.csv)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        columns: dict[str, str] = {}
        for pair in options["column"]:
            kind, sep, column = pair.partition("=")
            if not sep or kind not in KINDS:
                raise CommandError(f"--column wants KIND=COLUMN with KIND one of {', '.join(KINDS)}, not {pair!r}")
            columns[kind] = column
        if not columns:
            raise CommandError("name at least one --column")
        if not 0 < options["threshold"] <= 1:
            raise CommandError("--threshold is a probability between 0 and 1")
        with path.open("rb") as handle:
            table = Table(handle, path.name)
            header = table.header()
            missing = [c for c in [options["id"], *columns.values()] if c not in header]
            if missing:
                raise CommandError(f"the file has no column {', '.join(missing)}; it has {', '.join(header)}")
            started = time.monotonic()
            records, seen = [], set()
            for number, cells in table.rows():
                row = dict(zip(header, cells))
                rid = row.get(options["id"], "").strip()
                if not rid or rid in seen:
                    raise CommandError(f"row {number}: the id column must be filled and unique")
                seen.add(rid)
                records.append((rid, features(row, columns)))
        sys.stderr.write(f"{len(records)} records read ({table.encoding or 'xlsx'}); matching…\n")
        result = link(records, threshold=options["threshold"])
        pairs_path = Path(options["pairs"] or f"{path}.pairs.csv")
        clusters_path = Path(options["clusters"] or f"{path}.clusters.csv")
        with pairs_path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([f"{options['id']}_l", f"{options['id']}_r", "match_probability", "cluster_id"])
            for left, right, probability in result.pairs:
                writer.writerow([left, right, f"{probability:.4f}", result.clusters.get(left, left)])
        with clusters_path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([options["id"], "cluster_id", "cluster_size"])
            sizes: dict[str, int] = {}
            for cluster in result.clusters.values():
                sizes[cluster] = sizes.get(cluster, 0) + 1
            for rid, _features in records:
                cluster = result.clusters.get(rid, rid)
                writer.writerow([rid, cluster, sizes.get(cluster, 1)])
        duplicates = sum(size - 1 for size in sizes.values() if size > 1)
        self.stdout.write(f"{len(result.pairs)} matched pairs, {duplicates} duplicate records in "
                          f"{sum(1 for s in sizes.values() if s > 1)} clusters ({time.monotonic() - started:.1f} s)")
        self.stdout.write(f"pairs: {pairs_path}\nclusters: {clusters_path}")
