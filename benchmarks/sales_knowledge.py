"""Sales knowledge board search: Chinese and English queries over N posts (bulk-loaded with their
segmented tokens), timed in-process through ``guanxi.sales.knowledge.search``.

    GUANXI_DATABASE_URL=sqlite:////tmp/kb-bench.sqlite3 python -m benchmarks.sales_knowledge --posts 5000
    GUANXI_DATABASE_URL=postgres://postgres@127.0.0.1/guanxi_kb_bench python -m benchmarks.sales_knowledge --posts 5000

Prints p50 / p95 in ms per query (after two warm-up runs); the data set is built once per database.
"""

from __future__ import annotations

import argparse
import random
import time

from benchmarks.__main__ import percentile, setup_django

WORDS = ("报价 谈判 折扣 预算 决策链 拜访 客户 价值 竞争 对手 方案 演示 试用 续约 回款 合同 采购 流程 渠道 代理 "
         "服务器 软件 实施 培训 售后 交付 招标 投标 商务 技术 价格 成本 利润 关系 需求 痛点 案例 行业 制造 零售").split()
LATIN = "pricing discount budget champion demo trial renewal contract procurement competitor cloud server roi".split()
QUERIES = ("报价", "报价 谈判", "客户的决策链", "竞争对手 价格", "pricing", "cloud server roi", "招标流程怎么准备")


def build(count: int, rng: random.Random) -> None:
    from guanxi.core.models import User
    from guanxi.sales.knowledge import document
    from guanxi.sales.models import KnowledgePost

    have = KnowledgePost.objects.count()
    if have >= count:
        return
    author = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("kb_bench", password="x")
    batch = []
    for n in range(have, count):
        title = "".join(rng.sample(WORDS, 3)) + ("技巧" if n % 3 else " " + rng.choice(LATIN))
        body = "，".join("".join(rng.sample(WORDS, 4)) for _i in range(rng.randint(4, 12))) + "。 " + " ".join(rng.sample(LATIN, 3))
        tags = ", ".join(rng.sample(WORDS, 2))
        batch.append(KnowledgePost(title=title, body=body, tags=tags, author=author, search_tokens=document(title=title, tags=tags, body=body)))
        if len(batch) == 1000:
            KnowledgePost.objects.bulk_create(batch)
            batch = []
    KnowledgePost.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    build(args.posts, random.Random(7))
    from guanxi.sales.knowledge import search
    from guanxi.sales.models import KnowledgePost

    print(f"{connection.vendor}, {KnowledgePost.objects.count()} posts")
    for query in QUERIES:
        samples = []
        for i in range(args.repeat + 2):
            started = time.perf_counter()
            found = search(KnowledgePost.objects.all(), query, limit=20)
            if i >= 2:
                samples.append((time.perf_counter() - started) * 1000)
        print(f"{query:<20} hits {len(found):>3}  p50 {percentile(samples, 0.5):7.1f} ms  p95 {percentile(samples, 0.95):7.1f} ms")


if __name__ == "__main__":
    main()
