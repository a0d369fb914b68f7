"""Demo data of the service app, built through its services: a calendar with China's official days,
an SLA policy, queues with agents and skills, categories, and about sixty cases in every state."""

from __future__ import annotations

import datetime

from guanxi.customers.models import Account

from . import services
from .models import BusinessCalendar, Case, Queue

SUBJECTS = [
    ("打印机无法联网", "problem", "网络"), ("发票抬头需要修改", "request", "账务"), ("如何导出月度报表？", "question", "使用咨询"),
    ("安装人员迟到两小时", "complaint", "投诉"), ("系统登录提示密码错误", "problem", "网络"), ("申请延长保修", "request", "保修"),
    ("Invoice shows the wrong amount", "problem", "账务"), ("How do I add a second user?", "question", "使用咨询"),
    ("设备运行噪音大", "problem", "维修"), ("对服务态度不满意", "complaint", "投诉"), ("需要上门培训", "request", "使用咨询"),
    ("Replacement part not delivered", "complaint", "维修"),
]
TARGETS = [
    # priority, tier, first response, resolution (business minutes)
    ("urgent", "", 30, 240), ("high", "", 60, 480), ("normal", "", 240, 1440), ("low", "", 480, 2880),
    ("urgent", "vip", 15, 120), ("high", "vip", 30, 240), ("normal", "vip", 120, 960),
]


def build(org, rng, now) -> None:
    if Queue.objects.exists():
        return
    admin = org.admin
    agent, ccagent, supervisor = org.users["agent"], org.users["ccagent"], org.users["supervisor"]
    calendar = services.calendar_create(acting_user=admin, name="中国大陆工作日历")
    for year in (now.year - 1, now.year):
        try:
            services.calendar_seed_china(calendar=calendar, acting_user=admin, year=year)
        except Exception:  # a year the library does not know yet: administrators enter it by hand
            pass
    policy = services.sla_policy_create(
        acting_user=admin, name="标准服务级别", calendar=calendar, is_default=True, pause_when_pending=True,
        targets=[{"priority": p, "value_tier": t, "first_response_minutes": f, "resolution_minutes": r} for p, t, f, r in TARGETS],
    )
    first_line = services.queue_create(acting_user=admin, name="一线支持", code="first-line", routing="round_robin",
                                       supervisor=supervisor, sla_policy=policy, members=[agent, ccagent])
    complaints = services.queue_create(acting_user=admin, name="投诉处理", code="complaints", routing="least_loaded",
                                       supervisor=supervisor, members=[agent, supervisor])
    services.agent_profile_update(user=agent, acting_user=admin, skills=["network", "billing", "english"], capacity=40)
    services.agent_profile_update(user=ccagent, acting_user=admin, skills=["billing"], capacity=25)
    categories = {
        name: services.category_create(acting_user=admin, name=name, skill=skill, default_queue=complaints if name == "投诉" else first_line)
        for name, skill in (("网络", "network"), ("账务", "billing"), ("使用咨询", ""), ("投诉", ""), ("保修", ""), ("维修", ""))
    }
    accounts = list(Account.objects.order_by("id")[:40])
    statuses = ["new", "open", "open", "pending", "resolved", "closed", "closed"]
    for n in range(60):
        account = accounts[n % len(accounts)]
        subject, case_type, category = SUBJECTS[n % len(SUBJECTS)]
        contact = account.contact_links.values_list("contact", flat=True).first()
        case = services.case_create(
            acting_user=ccagent, account=account, contact=account.contact_links.get(contact_id=contact).contact if contact else None,
            subject=subject, description=f"{subject}。客户来电说明情况，请尽快处理。", channel=rng.choice(["phone", "email", "web", "chat", "portal"]),
            case_type=case_type, category=categories[category], priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
        )
        age = datetime.timedelta(hours=rng.randint(1, 24 * 20))
        shift = {f: getattr(case, f) - age for f in ("first_response_due_at", "first_response_warn_at", "resolution_due_at", "resolution_warn_at") if getattr(case, f)}
        Case.objects.filter(pk=case.pk).update(created_at=now - age, **shift)
        case.refresh_from_db()
        status = statuses[n % len(statuses)]
        if status != "new":
            services.case_note_add(case=case, acting_user=case.assignee or agent, body="您好，我们已收到您的问题，正在处理中。", is_public=True)
            services.case_note_add(case=case, acting_user=case.assignee or agent, body="已联系客户确认型号。", is_public=False)
        if status in ("pending", "resolved", "closed"):
            services.case_set_status(case=case, acting_user=agent, status="pending" if status == "pending" else "resolved")
        if status == "closed":
            services.case_set_status(case=case, acting_user=agent, status="closed", satisfaction=rng.randint(3, 5), comment="处理及时。")
