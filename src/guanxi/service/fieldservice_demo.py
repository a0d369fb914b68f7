"""Demo data of field service, built through its services: three technicians of the service team with
skills, territories, working hours and a day off, and work orders in every state (some from cases),
a few of them on today's dispatch board."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guanxi.core import services as core_services
from guanxi.core.models import Team, Territory, User
from guanxi.customers.models import Account

from . import fieldservice_services as services
from .models import Case, Technician

WEEKDAYS = {str(d): [["08:30", "12:00"], ["13:00", "17:30"]] for d in range(5)}
TECHNICIANS = [
    # login, name, skills, territory code
    ("tech", "周杰", ["network", "printer"], "cn-east"),
    ("tech2", "吴刚", ["hvac", "installation"], "cn-east"),
    ("tech3", "郑磊", ["network", "hvac"], "cn-north"),
]
JOBS = [
    # subject, type, skills, priority
    ("打印机上门维修", "repair", ["printer"], "high"), ("新空调安装", "installation", ["hvac", "installation"], "normal"),
    ("机房网络巡检", "inspection", ["network"], "normal"), ("空调季度保养", "maintenance", ["hvac"], "low"),
    ("交换机更换", "repair", ["network"], "urgent"), ("门禁系统安装", "installation", ["installation"], "normal"),
]


def build(org, rng, now) -> None:
    if Technician.objects.exists():
        return
    from guanxi.demo.org import DEMO_PASSWORD, SERVICE

    admin = org.admin
    team = Team.objects.filter(name=SERVICE).first()
    role = org.roles.get("service_agent")
    technicians = []
    for login, name, skills, territory_code in TECHNICIANS:
        user = User.objects.filter(username=login).first() or core_services.user_create(
            acting_user=admin, username=login, password=DEMO_PASSWORD, display_name=name, email=f"{login}@demo.guanxi.example",
            team=team, roles=[role] if role else [], time_zone="Asia/Shanghai",
        )
        territory = Territory.objects.filter(code=territory_code).first()
        technicians.append(services.technician_create(acting_user=admin, user=user, skills=skills, territory=territory,
                                                      home_base="上海市闵行区" if territory_code == "cn-east" else "北京市海淀区",
                                                      working_hours=WEEKDAYS))
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    services.time_off_add(technician=technicians[2], acting_user=admin,
                          starts_at=datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time(0), tzinfo=zone),
                          ends_at=datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(0), tzinfo=zone), reason="年假")
    dispatcher = org.users.get("agent", admin)
    repair_cases = list(Case.objects.filter(category__name__in=["维修", "网络"], status__in=["new", "open"]).select_related("account")[:4])
    accounts = list(Account.objects.order_by("id")[:20])
    from guanxi.sales.models import Product

    products = list(Product.objects.filter(is_active=True).order_by("code")[:3])
    for n in range(14):
        subject, work_type, skills, priority = JOBS[n % len(JOBS)]
        case = repair_cases[n] if n < len(repair_cases) else None
        start_day = today + datetime.timedelta(days=(n % 5) - 2)
        window = datetime.datetime.combine(start_day, datetime.time(9), tzinfo=zone)
        work_order = services.work_order_create(
            acting_user=dispatcher, case=case, account=None if case else accounts[n % len(accounts)], subject="" if case else subject,
            work_type=work_type, required_skills=skills, priority=priority, duration_minutes=rng.choice([60, 90, 120]),
            window_start=window, window_end=window + datetime.timedelta(hours=8),
        )
        stage = n % 5
        if stage == 0:
            continue  # unassigned: waits on the board
        tech = next((t for t in technicians if set(skills) <= set(t.skills)), technicians[n % 3])
        start = datetime.datetime.combine(start_day, datetime.time(9 + (n % 3) * 2, 30 if n % 2 else 0), tzinfo=zone)
        services.work_order_schedule(work_order=work_order, acting_user=dispatcher, technician=tech.user, start=start)
        if stage >= 2:
            services.work_order_set_status(work_order=work_order, acting_user=dispatcher, status="dispatched")
        if stage >= 3 and start_day <= today:
            services.work_order_set_status(work_order=work_order, acting_user=tech.user, status="in_progress")
            if products:
                product = products[n % len(products)]
                services.work_order_part_add(work_order=work_order, acting_user=tech.user, product=product, quantity=1,
                                             serial_numbers=f"SN{now:%y}{n:05d}")
        if stage == 4 and start_day < today:
            services.work_order_complete(
                work_order=work_order, acting_user=tech.user, work_done="已更换故障部件并测试正常。", result="fixed",
                signed_off_by="客户", arrived_at=start, departed_at=start + datetime.timedelta(hours=1), resolve_case=True,
            )
