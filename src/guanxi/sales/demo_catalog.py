"""Demo data of the catalog and the knowledge board: a configurable server, a bundle, opportunity
lines with a configured product, and a few knowledge posts with comments."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from . import services
from .choices import BundlePricing
from .models import Competitor, Opportunity, PriceBook, Product, TaxRate

D = Decimal


def build(org, rng, now) -> None:
    admin = org.admin
    book = PriceBook.objects.filter(is_default=True).first()
    goods = TaxRate.objects.filter(rate=D("13"), is_active=True).first()
    services_rate = TaxRate.objects.filter(rate=D("6"), is_active=True).first()
    server = services.product_create(acting_user=admin, code="SRV-R740", name="机架式服务器 R740", unit="台", list_price=D("32000.00"),
                                     default_tax_rate=goods, description="2U 双路机架式服务器，可选内存、硬盘与保修年限。")
    memory = services.option_group_create(product=server, acting_user=admin, name="内存", is_required=True, max_choices=1)
    m64 = services.option_create(group=memory, acting_user=admin, name="64 GB", price=D("0.00"), is_default=True)
    services.option_create(group=memory, acting_user=admin, name="128 GB", price=D("3800.00"))
    m256 = services.option_create(group=memory, acting_user=admin, name="256 GB", price=D("9200.00"))
    disks = services.option_group_create(product=server, acting_user=admin, name="硬盘", min_choices=1, max_choices=2)
    services.option_create(group=disks, acting_user=admin, name="2 × 960 GB SSD", price=D("2600.00"), is_default=True)
    services.option_create(group=disks, acting_user=admin, name="4 × 4 TB HDD", price=D("3400.00"))
    warranty = services.option_group_create(product=server, acting_user=admin, name="保修年限", is_required=True, max_choices=1)
    services.option_create(group=warranty, acting_user=admin, name="3 年", price=D("0.00"), is_default=True)
    w5 = services.option_create(group=warranty, acting_user=admin, name="5 年上门", price=D("4500.00"))
    gpu = services.option_group_create(product=server, acting_user=admin, name="加速卡")
    services.option_create(group=gpu, acting_user=admin, name="推理加速卡", price=D("18000.00"), requires=[m256], excludes=[m64])
    services.option_price_set(option=w5, acting_user=admin, currency="USD", price=D("650.00"))
    if book is not None:
        services.price_entry_add(price_book=book, acting_user=admin, product=server, unit_price=D("32000.00"))
        services.price_entry_add(price_book=book, acting_user=admin, product=server, min_quantity=D("10"), unit_price=D("30400.00"))

    bundle = services.product_create(acting_user=admin, code="BNDL-START", name="客服中心入门套装", unit="套", list_price=D("0.00"),
                                     default_tax_rate=services_rate, bundle_pricing=BundlePricing.SUM, bundle_discount=D("10"),
                                     description="10 个坐席、5 个 CRM 用户与 5 人天实施，整套九折。")
    for code, quantity in (("CC-SEAT", "10"), ("CRM-PRO", "5"), ("IMPL-DAY", "5")):
        component = Product.objects.filter(code=code).first()
        if component is not None:
            services.bundle_component_set(bundle=bundle, acting_user=admin, component=component, quantity=D(quantity))

    for opportunity in Opportunity.objects.filter(status="open", currency="CNY").select_related("owner", "stage")[:4]:
        try:
            services.opportunity_add_configured(opportunity=opportunity, acting_user=opportunity.owner, product=server, quantity=D(rng.choice((2, 4, 8))),
                                                option_ids=[o.pk for g in server.option_groups.all() for o in g.options.all() if o.is_default])
            services.opportunity_line_add(opportunity=opportunity, acting_user=opportunity.owner, product=bundle, quantity=D("1"),
                                          unit_price=_bundle_price(bundle, book))
        except ValidationError:
            continue

    reps = [u for name, u in sorted(org.users.items()) if name.startswith("rep")] or [admin]
    manager = org.users.get("manager", admin)
    competitor = Competitor.objects.order_by("id").first()
    posts = [
        ("报价谈判：先谈价值再谈折扣", "客户一开口就要折扣时，先确认预算与决策链，再用 ROI 测算说明价值。折扣超过 15% 需要经理审批，提前准备好理由。",
         "报价, 谈判, 折扣", None, None),
        ("How to position the R740 against cloud servers", "Lead with total cost over five years and the on-site warranty; "
         "customers with data-residency rules (等保) prefer on-premises servers.", "server, positioning", server, None),
        ("与竞争对手比拼时的三个问题", "1. 客户现在用的系统痛点是什么？2. 谁在推动更换？3. 预算何时批复？把答案记在商机的竞争对手里。",
         "竞争, 提问", None, competitor),
        ("入门套装适合中小客服团队", "10 坐席以下的团队优先推荐客服中心入门套装，整套九折，实施 5 人天即可上线。", "套装, 客服中心", bundle, None),
    ]
    for n, (title, body, tags, product, rival) in enumerate(posts):
        author = reps[n % len(reps)]
        post = services.knowledge_post_create(acting_user=author, title=title, body=body, tags=tags, product=product, competitor=rival)
        services.knowledge_comment_add(post=post, acting_user=manager, body="很实用，已分享给团队。")
        for reader in reps[: n + 1]:
            if reader != author:
                services.knowledge_helpful(post=post, acting_user=reader)


def _bundle_price(bundle, book) -> Decimal:
    from .configurator import configure

    return configure(product=bundle, price_book=book, quantity=D("1")).base_price
