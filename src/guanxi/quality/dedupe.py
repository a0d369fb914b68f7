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
from dataclasses import dataclass
from typing import Iterable

from django.conf import settings

from guanxi.framework.text import InvalidPhone, digits, fold, normalize_phone, pinyin_keys

from .normalizers import company_key, email_key, parse_address
from .normalizers.email import InvalidEmail

KINDS = ("full_name", "given_name", "surname", "phone", "email", "address", "city", "province", "postcode", "dob", "id_number", "company")


@dataclass
class Result:
    pairs: list[tuple[str, str, float]]  # (id left, id right, match probability), above the threshold
    clusters: dict[str, str]  # record id -> cluster id (the smallest id of its cluster)


def _name(value: str) -> tuple[str, str]:
    folded = fold(value).replace(" ", "")
    return folded, pinyin_keys(value)[0] or folded


def _phone(value: str) -> str:
    try:
        return normalize_phone(value, settings.GUANXI_DEFAULT_REGION)
    except InvalidPhone:
        return digits(value)


def _email(value: str) -> str:
    try:
        return email_key(value)
    except InvalidEmail:
        return fold(value)


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
    if "email" in columns:
        out["email"] = _email(get["email"]) if get["email"] else ""
    if "address" in columns or "city" in columns or "province" in columns:
        parsed = parse_address(get.get("address", "")) if get.get("address") else None
        out["city"] = fold(get.get("city") or (parsed.city if parsed else "")).rstrip("市")
        out["province"] = fold(get.get("province") or (parsed.province if parsed else ""))
        out["street"] = fold(parsed.street if parsed else get.get("address", "")).replace(" ", "")
    for kind in ("postcode", "dob", "id_number"):
        if kind in columns:
            out[kind] = fold(get[kind]).replace(" ", "").replace("/", "-")
    return {k: (v or None) for k, v in out.items()}


def _settings(present: set[str]):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons, blocking = [], []
    if "name_py" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("name_py", [0.95, 0.88, 0.75]))
        # a common name alone makes a block that grows with the square of its count: pair it with a place or a birthday
        companions = [c for c in ("city", "dob") if c in present]
        if companions:
            blocking.extend(block_on("name_py", c) for c in companions)
        else:
            blocking.append(block_on("name_py"))
    for column in ("phone", "email", "id_number"):
        if column in present:
            comparisons.append(cl.LevenshteinAtThresholds(column, [1, 2]))
            blocking.append(block_on(column))
    if "company" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("company", [0.95, 0.85]))
        blocking.append(block_on("company"))
    if "city" in present:
        comparisons.append(cl.ExactMatch("city"))
    if "street" in present:
        comparisons.append(cl.JaroWinklerAtThresholds("street", [0.95, 0.8]))
    for column in ("postcode", "dob"):
        if column in present:
            comparisons.append(cl.LevenshteinAtThresholds(column, [1]))
            blocking.append(block_on(column, "name_block") if "name_block" in present else block_on(column))
    if "name_block" in present and "city" in present:
        blocking.append(block_on("name_block", "city"))
    return SettingsCreator(link_type="dedupe_only", comparisons=comparisons, blocking_rules_to_generate_predictions=blocking,
                           retain_matching_columns=False), blocking


def link(records: Iterable[tuple[str, dict[str, str | None]]], *, threshold: float = 0.9) -> Result:
    """Score the pairs of ``records`` ((id, features) pairs) and cluster those at ``threshold`` or above."""
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    records = list(records)
    if len(records) < 2:
        return Result(pairs=[], clusters={rid: rid for rid, _f in records})
    present = {k for _rid, f in records for k, v in f.items() if v is not None}
    columns = sorted({k for _rid, f in records for k in f})
    table = {"unique_id": [rid for rid, _f in records], **{c: [f.get(c) for _rid, f in records] for c in columns}}
    settings_creator, blocking = _settings(present)
    if not blocking:
        raise ValueError("name at least one column of a kind to match on: a name, phone, e-mail, company or id number")
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(table), settings_creator, log_level=logging.ERROR)
    deterministic = [r for r in (block_on("phone") if "phone" in present else None, block_on("email") if "email" in present else None) if r]
    linker.training.estimate_probability_two_random_records_match(deterministic or blocking[:1], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=min(2e6, len(records) ** 2), seed=1)
    for rule in blocking[:3]:  # each session learns the m values of the comparisons its rule does not fix
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception:  # too few pairs under this rule to learn from; the other sessions still do
            continue
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    relation = predictions.as_duckdbpyrelation()
    names = relation.columns
    pairs = [(str(r[names.index("unique_id_l")]), str(r[names.index("unique_id_r")]), float(r[names.index("match_probability")]))
             for r in relation.fetchall()]
    relation = clustered.as_duckdbpyrelation()
    names = relation.columns
    clusters = {str(r[names.index("unique_id")]): str(r[names.index("cluster_id")]) for r in relation.fetchall()}
    return Result(pairs=sorted(pairs, key=lambda p: -p[2]), clusters=clusters)
