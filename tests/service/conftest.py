"""Service data on top of the shared ``org``: a calendar, a default SLA policy, a queue with two agents.

Who sees which case (``rep_account`` belongs to rep, team 华东销售, territory 上海 under 华东;
``other_account`` to other, team 华北销售):

- a case of ``rep_account``: rep, manager, director, watcher (through the account), its assignee and
  the queue's members (``agent``, ``agent2``) and everyone organisation-wide;
- a case of ``other_account`` with no queue and no assignee: other, director, analyst, admin only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from django.utils import timezone

from guanxi.sales.services.quotes import product_create
from guanxi.service import services

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    """A moment in Shanghai time."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desk(org, make_user):
    admin = org.admin
    agent = make_user("agent", role="service_agent", display_name="刘洋")
    agent2 = make_user("agent2", role="service_agent")
    outsider = make_user("outsider", role="service_agent")
    supervisor = make_user("supervisor", role="supervisor")
    ccagent = make_user("ccagent", role="cc_agent")
    calendar = services.calendar_create(acting_user=admin, name="工作日历")
    policy = services.sla_policy_create(
        acting_user=admin, name="标准", calendar=calendar, is_default=True,
        targets=[
            {"priority": "normal", "first_response_minutes": 60, "resolution_minutes": 8 * 60},
            {"priority": "high", "first_response_minutes": 30, "resolution_minutes": 4 * 60},
            {"priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 120},
            {"priority": "normal", "value_tier": "vip", "first_response_minutes": 30, "resolution_minutes": 4 * 60},
        ],
    )
    queue = services.queue_create(acting_user=admin, name="一线支持", code="first-line", supervisor=supervisor, members=[agent, agent2])
    network = services.category_create(acting_user=admin, name="网络", skill="network")
    return SimpleNamespace(
        agent=agent, agent2=agent2, outsider=outsider, supervisor=supervisor, ccagent=ccagent, calendar=calendar,
        policy=policy, queue=queue, network=network,
    )


@pytest.fixture
def cases(org, desk):
    """``mine``: a case of rep's account in the queue (routed to an agent); ``theirs``: other's, unrouted."""
    mine = services.case_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact, subject="打印机无法联网",
                                description="办公室的打印机连不上网络", queue=desk.queue)
    theirs = services.case_create(acting_user=org.other, account=org.other_account, subject="发票抬头错误")
    return SimpleNamespace(mine=mine, theirs=theirs)


@pytest.fixture
def assets(org, desk):
    """Two products (printers have a 12-month warranty), a unit of each account, an active contract of rep's account
    on its printer granting the "金牌" policy and two visits."""
    admin, rep = org.admin, org.rep
    printer = product_create(acting_user=admin, code="P-100", name="激光打印机", list_price=Decimal("3999"))
    router = product_create(acting_user=admin, code="R-200", name="企业路由器", list_price=Decimal("1299"))
    services.warranty_term_set(acting_user=admin, product=printer, months=12)
    unit = services.installed_product_create(acting_user=rep, product=printer, serial_number="sn-0001", account=org.rep_account,
                                             install_date=datetime.date(2026, 1, 31), location="上海市淮海中路1号 3楼")
    other_unit = services.installed_product_create(acting_user=org.other, product=router, serial_number="R-9", account=org.other_account)
    gold = services.sla_policy_create(acting_user=admin, name="金牌", calendar=desk.calendar, targets=[
        {"priority": "normal", "first_response_minutes": 10, "resolution_minutes": 60}])
    today = timezone.localdate()
    contract = services.service_contract_create(
        acting_user=rep, account=org.rep_account, name="打印机维保", start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=20), value=Decimal("12000.00"), sla_policy=gold, installed_products=[unit])
    visits = services.entitlement_create(contract=contract, acting_user=rep, name="上门服务", unit="visit", quantity=Decimal("2"))
    services.service_contract_set_status(contract=contract, acting_user=rep, status="active")
    return SimpleNamespace(printer=printer, router=router, unit=unit, other_unit=other_unit, gold=gold, contract=contract, visits=visits)
