"""Build ``divisions.tsv`` from the adcodes table of the ``cpca`` package (MIT licence, see LICENSE-cpca.txt).

    pip download cpca==0.5.5 --no-deps && unzip -p cpca-0.5.5-py3-none-any.whl cpca/resources/adcodes.csv > adcodes.csv
    python build_divisions.py adcodes.csv > divisions.tsv

The output keeps one row per province, prefecture-level city and county-level district:
``code<TAB>name<TAB>parent code<TAB>level`` (codes of six digits). Placeholder rows ("市辖区", "县",
"省直辖县级行政区划") are left out: the districts of a municipality hang off the municipality as
their city, and a county-level city directly under a province becomes a city of its own.
"""

from __future__ import annotations

import csv
import sys

PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位"}


def build(rows: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    names = {code: name for code, name in rows}
    out = []
    for code, name in sorted(rows):
        if name in PLACEHOLDERS:
            continue
        province, city = code[:2] + "0000", code[:4] + "00"
        if code == province:
            out.append((code, name, "", "province"))
        elif code == city:
            out.append((code, name, province, "city"))
        elif names.get(city) and names[city] not in PLACEHOLDERS:
            out.append((code, name, city, "district"))
        elif names[province].endswith("市"):  # a municipality: its districts sit right under it
            out.append((code, name, province, "district"))
        else:  # a county-level city governed by the province directly
            out.append((code, name, province, "city"))
    return out


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        rows = [(r["adcode"][:6], r["name"].strip()) for r in csv.DictReader(handle)]
    writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    for row in build(rows):
        writer.writerow(row)


if __name__ == "__main__":
    main(sys.argv[1])
