"""Service data on top of the shared ``org``: a calendar, a default SLA policy, a queue with two agents.

Who sees which case (``rep_account`` belongs to rep, team 华东销售, territory 上海 under 华东;
``other_account`` to other, team 华北销售):

- a case of ``rep_account``: rep, manager, director, watcher (through the account), its assignee and
  the queue's members (``agent``, ``agent2``) and everyone organisation-wide;
- a case of ``other_account`` with no queue and no assignee: other, director, analyst, admin only.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

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
