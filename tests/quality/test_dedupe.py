"""``guanxi dedupe`` on an external CSV: known duplicates (hanzi vs pinyin, phone formats, e-mail case) are found."""

from __future__ import annotations

import csv
import random
from itertools import combinations

import pytest
from django.core.management import CommandError, call_command
from pypinyin import lazy_pinyin

from guanxi.quality.dedupe import features

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"


def _people(n: int, seed: int = 3):
    rng = random.Random(seed)
    rows, truth = [], {}
    for i in range(n):
        name = rng.choice(FAMILY) + rng.choice(GIVEN) + rng.choice(GIVEN)
        phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
        rows.append({"编号": f"a{i}", "姓名": name, "手机": phone, "邮箱": f"user{i}@example.cn", "地址": f"浙江省杭州市西湖区文三路{i}号"})
        truth[f"a{i}"] = i
        if i % 4 == 0:  # a duplicate: written in pinyin or with another phone format and upper-case e-mail
            rows.append({"编号": f"b{i}", "姓名": " ".join(lazy_pinyin(name)) if i % 8 == 0 else name,
                         "手机": f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", "邮箱": f"USER{i}@EXAMPLE.CN",
                         "地址": f"杭州西湖区文三路{i}号"})
            truth[f"b{i}"] = i
    return rows, truth


def test_features_normalize():
    f = features({"n": "Zhang Wei", "p": "138-1234-5678", "e": "A@例子.中国", "a": "上海市徐汇区虹漕路1号"},
                 {"full_name": "n", "phone": "p", "email": "e", "address": "a"})
    assert f["name_py"] == features({"n": "张伟"}, {"full_name": "n"})["name_py"] == "zhangwei"
    assert (f["phone"], f["email"], f["city"], f["street"]) == ("+8613812345678", "a@xn--fsqu00a.xn--fiqs8s", "上海", "虹漕路1号")


def test_dedupe_external_csv(tmp_path, capsys):
    rows, truth = _people(120)
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="gbk") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    call_command("dedupe", str(path), "--id", "编号", "--column", "full_name=姓名", "--column", "phone=手机",
                 "--column", "email=邮箱", "--column", "address=地址", "--threshold", "0.9")
    with (tmp_path / "people.csv.pairs.csv").open(encoding="utf-8-sig") as handle:
        found = {tuple(sorted((r["编号_l"], r["编号_r"]))) for r in csv.DictReader(handle)}
    expected = set()
    groups: dict[int, list[str]] = {}
    for rid, key in truth.items():
        groups.setdefault(key, []).append(rid)
    for ids in groups.values():
        expected |= {tuple(sorted(p)) for p in combinations(ids, 2)}
    true_positives = len(found & expected)
    precision, recall = true_positives / max(1, len(found)), true_positives / len(expected)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    with (tmp_path / "people.csv.clusters.csv").open(encoding="utf-8-sig") as handle:
        clusters = {r["编号"]: r["cluster_id"] for r in csv.DictReader(handle)}
    assert len(clusters) == len(rows)
    assert clusters["a0"] == clusters["b0"] and clusters["a1"] != clusters["a0"]
    assert "matched pairs" in capsys.readouterr().out


def test_dedupe_bad_arguments(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,name\n1,张三\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("dedupe", str(path), "--id", "id", "--column", "nickname=name")
    with pytest.raises(CommandError):
        call_command("dedupe", str(path), "--id", "编号", "--column", "full_name=name")


def test_phone_key_is_the_same_in_every_format():
    """A mobile number the numbering plan does not know (a typo) still gets one key, whatever its format; swapped
    digits keep the blocking key of the digits."""
    keys = {features({"p": p}, {"phone": "p"})["phone"] for p in ("19446452788", "+86 194 4645 2788", "194-4645-2788", "８６１９４４６４５２７８８")}
    assert keys == {"+8619446452788"}
    left, right = features({"p": "13812345678"}, {"phone": "p"}), features({"p": "13812345768"}, {"phone": "p"})
    assert left["phone"] != right["phone"] and left["phone_digits"] == right["phone_digits"]
    assert features({"p": "0571-8888 1234"}, {"phone": "p"})["phone"] == "+8657188881234"


def test_blocking_keys_are_capped(monkeypatch):
    """A key shared by more than BLOCK_CAP records blocks nothing; a missing value blocks nothing; others block."""
    import duckdb
    import pyarrow as pa

    from guanxi.quality import dedupe

    monkeypatch.setattr(dedupe, "BLOCK_CAP", 3)
    connection = duckdb.connect()
    connection.register("f", pa.table({"unique_id": ["1", "2", "3", "4", "5", "6"], "name_py": ["zhangwei"] * 4 + ["liqiang", "liqiang"],
                                       "city": ["上海"] * 4 + ["杭州", None], "phone": ["+861", "+861", None, None, "+862", "+862"]}))
    names = dedupe._block_table(connection, "f", "r", [("name_py", "city"), ("phone",)])
    rows = connection.execute(f"SELECT unique_id, {', '.join(names)} FROM r ORDER BY unique_id").fetchall()
    assert [r[1] for r in rows] == [None] * 4 + ["liqiang|杭州", None]  # four zhangwei in Shanghai: over the cap
    assert [r[2] for r in rows] == ["+861", "+861", None, None, "+862", "+862"]


def test_blocking_rules_grow_linearly():
    """No rule pairs a name prefix with a city (blocks with the square of a city's people); the rules of people."""
    from guanxi.quality.dedupe import _blocking_keys

    keys = _blocking_keys({"name", "name_py", "name_block", "phone", "phone_digits", "email", "city", "province", "street", "dob"})
    assert ("name_block", "city") not in keys
    assert keys[:4] == [("name_py", "city"), ("name_py", "dob"), ("phone",), ("email",)]
    assert ("phone_digits", "name_block") in keys and ("street", "dob") in keys


def test_link_reports_its_phases():
    """``link(timings=)`` gets the seconds of each phase (what the benchmark prints); a typo in the phone is forgiven."""
    from guanxi.quality.dedupe import link

    rows, truth = _people(80, seed=5)
    for row in rows:  # the second entry's phone with two digits swapped; two of them without e-mail
        if row["编号"].startswith("b"):
            digits = row["手机"].replace("+86 ", "").replace("-", "")
            row["手机"] = digits[:5] + digits[6] + digits[5] + digits[7:]
            if row["编号"] in ("b0", "b4"):
                row["邮箱"] = ""
    columns = {"full_name": "姓名", "phone": "手机", "email": "邮箱", "address": "地址"}
    timings: dict = {}
    result = link([(r["编号"], features(r, columns)) for r in rows], threshold=0.9, timings=timings)
    assert set(timings) == {"prepare", "prior", "u_sampling", "em", "predict", "cluster", "fetch"}
    found = {tuple(sorted(p[:2])) for p in result.pairs}
    assert ("a0", "b0") in found and ("a4", "b4") in found
    assert all(result.clusters[a] == result.clusters[b] for a, b in found)
