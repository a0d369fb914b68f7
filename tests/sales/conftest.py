"""Sales data on top of the shared ``org``: a pipeline, and a lead and an opportunity on each side
of the visibility line (``mine``: the rep's, placed in 上海; ``theirs``: the other rep's, no territory).

Who sees which is the same as for customer data (see ``tests/customers/conftest.py``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from guanxi.sales import services

SEES_MINE = ("rep", "manager", "director", "watcher", "analyst", "admin")
SEES_THEIRS = ("other", "director", "analyst", "admin")
BLIND_TO_THEIRS = ("rep", "manager", "watcher")
STAGES = (("初步接洽", 10, False, False), ("需求确认", 25, False, False), ("方案报价", 50, False, False),
          ("商务谈判", 75, False, False), ("赢单", 100, True, False), ("输单", 0, False, True))


@pytest.fixture
def pipeline(org):
    return services.pipeline_create(acting_user=org.admin, name="标准销售流程", stages=STAGES, is_default=True)


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in pipeline.stages.all()}


@pytest.fixture
def users(org):
    return {name: getattr(org, name) for name in ("rep", "manager", "director", "watcher", "analyst", "admin", "other")}


@pytest.fixture
def sales(org, pipeline):
    """A lead and an opportunity on each side of the visibility line."""
    close = timezone.localdate() + datetime.timedelta(days=30)
    mine = SimpleNamespace(
        lead=services.lead_create(acting_user=org.rep, owner=org.rep, name="陈小红", company="红星电子有限公司", phone="139 1111 2222",
                                  email="Chen@HongXing.example", province="上海市", source="web"),
        opportunity=services.opportunity_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact,
                                                name="张三科技 CRM 项目", amount=Decimal("120000.00"), expected_close_date=close),
    )
    theirs = SimpleNamespace(
        lead=services.lead_create(acting_user=org.other, owner=org.other, name="赵大勇", company="北方钢铁集团", phone="010-6666 7777"),
        opportunity=services.opportunity_create(acting_user=org.other, account=org.other_account, name="北方重工扩容",
                                                amount=Decimal("880000.00"), expected_close_date=close),
    )
    return SimpleNamespace(mine=mine, theirs=theirs)
