"""Probabilistic record linkage with splink (DuckDB backend): pairs with match probabilities, clusters.

The caller names which column holds which kind of data (full name, given name + surname, phone,
e-mail, address, city, province, postcode, date of birth, identity number, company) and the id
column. Values are normalized first, with the same normalizers as the rest of the app: names to
folded characters and to pinyin (so 张伟 and "Zhang Wei" compare), phones to E.164, e-mails to their
case-insensitive IDN key, addresses to province / city / district + street, company names without
legal forms. splink then estimates its model without labels (random-sampling u, expectation
maximisation for m) and scores the pairs its blocking rules produce.

For runs beyond one machine the same settings run on splink's Spark backend (``SparkAPI``); see
``docs/subsystems/quality.md``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from django.conf import settings

from guanxi.framework.text import InvalidPhone, digits, fold

from .normalizers import company_key, email_key, parse_address
from .normalizers.email import InvalidEmail
from .normalizers.phone import to_e164
from .normalizers.pinyin import name_pinyin_keys

KINDS = ("full_name", "given_name", "surname", "phone", "email", "address", "city", "province", "postcode", "dob", "id_number", "company")

# Training costs the same whatever the number of records: u from a fixed number of random pairs, m from at most
# EM_MAX_PAIRS pairs of each training rule. Prediction then scores every blocked pair in one pass.
U_MAX_PAIRS = 5e5
U_CHUNKS = 1
EM_MAX_PAIRS = 3e5
EM_RULES = 3
# No block is built from a key that more records than this share (see _block_table).
BLOCK_CAP = 100
# DuckDB's share of the machine; None leaves DuckDB's default (every core; 80% of the memory).
DUCKDB_THREADS: int | None = None
DUCKDB_MEMORY_LIMIT: str | None = None


@dataclass
class Result:
    pairs: list[tuple[str, str, float]]  # (id left, id right, match probability), above the threshold
    clusters: dict[str, str]  # record id -> cluster id (the smallest id of its cluster)


@lru_cache(maxsize=262_144)  # names repeat (a few thousand common ones make up most of a country's)
def _name(value: str) -> tuple[str, str]:
    folded = fold(value).replace(" ", "")
    return folded, name_pinyin_keys(value)[0] or folded


_SEPARATORS = re.compile(r"[ \-.()]")
_CN_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")


def _phone(value: str) -> str:
    """The number's comparison key: E.164 where it is valid; any 11 digits in the form of a Chinese mobile number as
    +86 and those digits whether or not the numbering plan knows them, so that a mistyped number compares the
    same way in every format it was written in."""
    if settings.GUANXI_DEFAULT_REGION == "CN":
        match = _CN_MOBILE.fullmatch(_SEPARATORS.sub("", value if value.isascii() else fold(value)))
        if match is not None:
            return f"+86{match.group(1)}"
    try:
        return to_e164(value, settings.GUANXI_DEFAULT_REGION)
    except InvalidPhone:
        return digits(value)


def _email(value: str) -> str:
    try:
        return email_key(value)
    except InvalidEmail:
        return fold(value)


@lru_cache(maxsize=65_536)  # people share buildings, streets and whole addresses
def _address(value: str):
    return parse_address(value)


def features(row: dict[str, str], columns: dict[str, str]) -> dict[str, str | None]:
    """The comparable values of one record; ``columns`` maps a kind to the column holding it."""
    get = {kind: (row.get(column) or "").strip() for kind, column in columns.items()}
    out: dict[str, str | None] = {}
    name = get.get("full_name") or (get.get("surname", "") + get.get("given_name", ""))
    if "full_name" in columns or "surname" in columns or "given_name" in columns:
        folded, py = _name(name) if name else ("", "")
        out["name"], out["name_py"], out["name_block"] = folded, py, py[:4]
    if "company" in columns:
        out["company"] = company_key(get["company"])
    if "phone" in columns:
        out["phone"] = _phone(get["phone"]) if get["phone"] else ""
        out["phone_digits"] = "".join(sorted(out["phone"]))  # a blocking key that two swapped digits leave alone
    if "email" in columns:
        out["email"] = _email(get["email"]) if get["email"] else ""
    if "address" in columns or "city" in columns or "province" in columns:
        parsed = _address(get["address"]) if get.get("address") else None
        out["city"] = fold(get.get("city") or (parsed.city if parsed else "")).rstrip("市")
        out["province"] = fold(get.get("province") or (parsed.province if parsed else ""))
        out["street"] = fold(parsed.street if parsed else get.get("address", "")).replace(" ", "")
    for kind in ("postcode", "dob", "id_number"):
        if kind in columns:
            out[kind] = fold(get[kind]).replace(" ", "").replace("/", "-")
    return {k: (v or None) for k, v in out.items()}


def _blocking_keys(present: set[str]) -> list[tuple[str, ...]]:
    """The blocking rules, each as the columns whose values two records must share to be compared."""
    keys: list[tuple[str, ...]] = []
    if "name_py" in present:
        # a common name alone makes a block that grows with the square of its count: pair it with a place or a birthday
        companions = [("name_py", c) for c in ("city", "dob") if c in present]
        keys.extend(companions or [("name_py",)])
    keys.extend((column,) for column in ("phone", "email", "id_number", "company") if column in present)
    for column in ("postcode", "dob"):
        if column in present:
            keys.append((column, "name_block") if "name_block" in present else (column,))
    # Second chances for a record whose strong keys were mistyped. (The start of a name together with a city, tried
    # before, is not one: its blocks grow with the square of a city's people, 97% of all comparisons at 72,000 records.)
    if "phone" in present and "name_block" in present:  # two swapped digits keep the digits' multiset
        keys.append(("phone_digits", "name_block"))
    if "street" in present:  # the same house and a birthday or the start of the name
        keys.extend(("street", c) for c in ("dob", "name_block") if c in present)
    return keys


def _settings(present: set[str], rules: list):
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons = []
    if "name_py" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("name_py", [0.95, 0.88, 0.75]))
    for column in ("phone", "email", "id_number"):
        if column in present:
            comparisons.append(cl.LevenshteinAtThresholds(column, [1, 2]))
    if "company" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("company", [0.95, 0.85]))
    if "city" in present:
        comparisons.append(cl.ExactMatch("city"))
    if "street" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("street", [0.95, 0.8]))
    for column in ("postcode", "dob"):
        if column in present:
            comparisons.append(cl.LevenshteinAtThresholds(column, [1]))
    return SettingsCreator(link_type="dedupe_only", comparisons=comparisons, blocking_rules_to_generate_predictions=rules,
                           retain_matching_columns=False)


def _block_table(connection, source: str, target: str, keys: list[tuple[str, ...]]) -> list[str]:
    """Create ``target``: ``source`` plus one column per blocking key, the key's values joined, left empty (so that
    the record is not blocked by that key) where a value is missing or where more than ``BLOCK_CAP`` records share
    the key: such a block (a switchboard number, 张伟 in Shanghai) would cost comparisons with the square of its
    size and tell little. Returns the new columns' names."""
    names, expressions = [], []
    for i, columns in enumerate(keys):
        parts = ", ".join(f'"{c}"' for c in columns)
        present = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
        names.append(f"block_{i}")
        expressions.append(f"CASE WHEN {present} AND count(*) OVER (PARTITION BY {parts}) <= {int(BLOCK_CAP)} "
                           f"THEN concat_ws('|', {parts}) END AS block_{i}")
    connection.execute(f"CREATE TABLE {target} AS SELECT *, {', '.join(expressions)} FROM {source}")
    return names


class _Clock:
    def __init__(self, timings):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, phase):
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = self.timings.get(phase, 0.0) + now - self.last
        self.last = now


def link(records: Iterable[tuple[str, dict[str, str | None]]], *, threshold: float = 0.9, timings: dict | None = None) -> Result:
    """Score the pairs of ``records`` ((id, features) pairs) and cluster those at ``threshold`` or above.

    ``timings``, when given, gets the seconds of each phase."""
    import duckdb
    import pyarrow as pa
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    clock = _Clock(timings)
    records = list(records)
    if len(records) < 2:
        return Result(pairs=[], clusters={rid: rid for rid, _f in records})
    columns = sorted({k for _rid, f in records for k in f})
    table = pa.table({"unique_id": [rid for rid, _f in records], **{c: pa.array([f.get(c) for _rid, f in records], pa.string())
                                                                     for c in columns}})
    present = {c for c in columns if table.column(c).null_count < len(table)}
    keys = _blocking_keys(present)
    if not keys:
        raise ValueError("name at least one column of a kind to match on: a name, phone, e-mail, company or id number")
    connection = duckdb.connect()
    if DUCKDB_THREADS:
        connection.execute(f"SET threads = {int(DUCKDB_THREADS)}")
    if DUCKDB_MEMORY_LIMIT:
        connection.execute("SET memory_limit = ?", [DUCKDB_MEMORY_LIMIT])
    connection.register("guanxi_features", table)
    # the key's own columns stay in each rule, so that a training session under it leaves their m values alone
    names = _block_table(connection, "guanxi_features", "guanxi_records", keys)
    blocking = [block_on(name, *columns) for name, columns in zip(names, keys)]
    connection.unregister("guanxi_features")
    del table
    db_api = DuckDBAPI(connection)
    linker = Linker(db_api.register("guanxi_records"), _settings(present, blocking), log_level=logging.ERROR)
    clock("prepare")
    deterministic = [block_on(column) for column in ("phone", "email") if column in present]
    try:
        linker.training.estimate_probability_two_random_records_match(deterministic or blocking[:1], recall=0.7)
    except ValueError:  # no two records share a phone or an e-mail: splink's default prior stays
        pass
    clock("prior")
    linker.training.estimate_u_using_random_sampling(max_pairs=min(U_MAX_PAIRS, len(records) ** 2), seed=1,
                                                     num_chunks=U_CHUNKS)
    clock("u_sampling")
    for rule in blocking[:EM_RULES]:  # each session learns the m values of the comparisons its rule does not fix
        try:
            # sampling has a cost of its own; below EM_MAX_PAIRS records a rule's blocks are small anyway
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=EM_MAX_PAIRS if len(records) > EM_MAX_PAIRS else None)
        except Exception:  # too few pairs under this rule to learn from; the other sessions still do
            continue
    clock("em")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clock("predict")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    clock("cluster")
    scored = predictions.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability")
    pairs = [(str(left), str(right), float(probability))
             for left, right, probability in scored.order("match_probability DESC, unique_id_l, unique_id_r").fetchall()]
    clustered = clustered.as_duckdbpyrelation().select("CAST(unique_id AS VARCHAR), CAST(cluster_id AS VARCHAR)")
    clusters = dict(clustered.fetchall())
    connection.close()
    clock("fetch")
    return Result(pairs=pairs, clusters=clusters)
