"""Demo data of the service app, built through its services: a calendar with China's official days,
an SLA policy, queues with agents and skills, categories, and about sixty cases in every state."""

from __future__ import annotations

import datetime

from guanxi.customers.models import Account

from . import services
from .models import Case, Queue

SUBJECTS = [
    ("打印机无法联网", "problem", "网络"), ("发票抬头需要修改", "request", "账务"), ("如何导出月度报表？", "question", "使用咨询"),
    ("安装人员迟到两小时", "complaint", "投诉"), ("系统登录提示密码错误", "problem", "网络"), ("申请延长保修", "request", "保修"),
    ("Invoice shows the wrong amount", "problem", "账务"), ("How do I add a second user?", "question", "使用咨询"),
    ("设备运行噪音大", "problem", "维修"), ("对服务态度不满意", "complaint", "投诉"), ("需要上门培训", "request", "使用咨询"),
    ("Replacement part not delivered", "complaint", "维修"),
]
ARTICLES = [
    # title, problem, solution, category, public
    ("打印机无法连接网络", "网络打印机显示离线，电脑无法打印。", "1. 重启打印机；2. 在打印机面板重新选择无线网络并输入密码；3. 在电脑上删除并重新添加打印机。", "网络", True),
    ("路由器频繁断线", "办公室路由器每隔几分钟断开一次。", "升级路由器固件，并将信道改为 1、6 或 11 中干扰最少的一个。", "网络", True),
    ("VPN 连接失败", "出差时无法连接公司 VPN。", "确认账号未过期，检查本地网络是否屏蔽 UDP 500/4500 端口，必要时改用 TCP 模式。", "网络", False),
    ("如何修改发票抬头", "开票后客户要求修改发票抬头或税号。", "在财务系统中作废原发票（当月）或开具红字发票（跨月），再按新抬头重新开具。", "账务", True),
    ("发票丢失怎么办", "客户遗失增值税专用发票。", "提供记账联复印件并加盖发票专用章，客户凭此入账。", "账务", True),
    ("退款到账时间", "客户询问退款多久到账。", "原路退回：银行卡 3-7 个工作日，支付宝和微信 1-3 个工作日。", "账务", True),
    ("如何导出月度报表", "用户不知道在哪里导出月度报表。", "进入“报表”页面，选择月份后点击右上角“导出 Excel”。", "使用咨询", True),
    ("如何添加子账号", "客户需要为同事开通账号。", "管理员在“设置 → 用户”中点击“新建用户”，分配角色后发送邀请。", "使用咨询", True),
    ("登录提示密码错误", "用户确认密码正确却无法登录。", "检查大小写和输入法全角半角；连续失败 5 次会锁定 15 分钟，可由管理员解锁。", "使用咨询", True),
    ("设备运行噪音大", "设备运行时有明显异响。", "检查风扇是否积灰、地脚是否水平；仍有异响请安排上门检修。", "维修", True),
    ("保修期如何计算", "客户询问保修从哪天开始。", "自安装验收之日起计算，整机一年，核心部件三年，以保修卡为准。", "保修", True),
    ("延长保修的办理", "客户想购买延保。", "在保修期结束前 30 天内可购买一年或两年延保，联系客户经理报价。", "保修", False),
    ("投诉处理流程", "收到客户投诉时的内部处理步骤。", "24 小时内首次回复，48 小时内给出方案；涉及赔偿需主管审批。", "投诉", False),
    ("上门服务时间", "客户询问工程师上门时间。", "工作日 9:00-18:00 预约，一线城市 24 小时内、其他城市 48 小时内上门。", "维修", True),
    ("Printer shows offline", "The network printer is offline and nothing prints.", "Restart the printer, rejoin the Wi-Fi network, then remove and re-add the printer on the computer.", "网络", True),
    ("How to export the monthly report", "The user cannot find the export of the monthly report.", "Open Reports, pick the month and click Export to Excel at the top right.", "使用咨询", True),
    ("Refund processing time", "The customer asks when the refund arrives.", "Refunds go back the way they were paid: 3-7 working days to bank cards, 1-3 to Alipay or WeChat Pay.", "账务", True),
    ("Resetting a locked account", "A user is locked out after several wrong passwords.", "Accounts unlock after 15 minutes; an administrator can unlock them at once in Settings.", "使用咨询", True),
    ("Warranty period", "When does the warranty start?", "From the date of installation acceptance: one year for the unit, three years for core parts.", "保修", True),
    ("Escalating a complaint", "Internal steps for handling a complaint.", "Reply within 24 hours, propose a remedy within 48; compensation needs a supervisor's approval.", "投诉", False),
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
    kb_categories = {}
    for title, problem, solution, category, public in ARTICLES:
        if category not in kb_categories:
            kb_categories[category] = services.article_category_create(acting_user=admin, name=category)
        services.article_create(acting_user=agent, title=title, problem=problem, solution=solution, category=kb_categories[category], is_public=public)
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


def build_assets(org, rng, now) -> None:
    """A few installed products with warranties, service contracts with entitlements, and returns in several states."""
    from decimal import Decimal

    from guanxi.sales.models import Product

    from .models import InstalledProduct, SlaPolicy

    if InstalledProduct.objects.exists():
        return
    products = list(Product.objects.filter(is_active=True).order_by("code")[:4])
    policy = SlaPolicy.objects.filter(is_default=True).select_related("calendar").first()
    if not products or policy is None:
        return
    admin, agent = org.admin, org.users["agent"]
    for product, months in zip(products, (12, 24, 36, 12)):
        services.warranty_term_set(acting_user=admin, product=product, months=months)
    gold = services.sla_policy_create(
        acting_user=admin, name="金牌维保", calendar=policy.calendar, pause_when_pending=True,
        targets=[{"priority": p, "first_response_minutes": f, "resolution_minutes": r}
                 for p, f, r in (("urgent", 15, 120), ("high", 30, 240), ("normal", 60, 480), ("low", 120, 960))],
    )
    today = now.date()
    accounts = list(Account.objects.order_by("id")[:8])
    units = {}
    for n, account in enumerate(accounts):
        owner = account.owner
        for k in range(1 + n % 2):
            product = products[(n + k) % len(products)]
            installed = today - datetime.timedelta(days=rng.randint(30, 900))
            units.setdefault(account.pk, []).append(services.installed_product_create(
                acting_user=owner, product=product, account=account, serial_number=f"{product.code}-{2024 + n % 3}{n:02d}{k:02d}{rng.randint(100, 999)}",
                install_date=installed, location=f"{account.name} · {rng.choice(['一楼机房', '二楼办公区', '仓库', '前台'])}",
            ))
    for n, account in enumerate(accounts[:4]):
        expired = n == 3
        start = today - datetime.timedelta(days=400 if expired else 120 + 30 * n)
        contract = services.service_contract_create(
            acting_user=account.owner, account=account, name="年度维保服务" if n % 2 == 0 else "金牌上门服务",
            start_date=start, end_date=start + datetime.timedelta(days=364), value=Decimal(12000 + 6000 * n), sla_policy=gold,
            installed_products=units[account.pk][:1] if n == 1 else [], renewal_reminder_days=60,
        )
        visits = services.entitlement_create(contract=contract, acting_user=account.owner, name="上门服务", unit="visit", quantity=Decimal(6))
        services.entitlement_create(contract=contract, acting_user=account.owner, name="远程支持", unit="hour", quantity=Decimal(40))
        if start + datetime.timedelta(days=364) >= today:
            services.service_contract_set_status(contract=contract, acting_user=account.owner, status="active")
            case = services.case_create(acting_user=agent, account=account, subject="设备定期保养", case_type="request",
                                        installed_product=units[account.pk][0])
            services.entitlement_consume(entitlement=visits, acting_user=agent, quantity=1 + n % 2, case=case, note="上门保养")
        else:  # last year's contract, not renewed: it ran out (a contract cannot be put in force after its end)
            from .models import ServiceContract

            ServiceContract.objects.filter(pk=contract.pk).update(status="expired")
    flows = [
        ("设备无法开机", ["received", "diagnosed", "repaired", "shipped"]),
        ("屏幕出现坏点", ["received"]),
        ("运输途中损坏", ["received", "diagnosed", "replaced"]),
        ("客户误购", []),
    ]
    for (reason, steps), account in zip(flows, accounts[4:8]):
        unit = units[account.pk][0]
        case = services.case_create(acting_user=agent, account=account, subject=reason, case_type="problem", installed_product=unit)
        rma = services.rma_from_case(case=case, acting_user=agent, reason=reason)
        for step in steps:
            if step == "replaced":  # the unit sent in its place, with the old unit's warranty restarted
                services.rma_line_replace(line=rma.lines.first(), acting_user=agent, serial_number=f"{unit.serial_number}-R",
                                          warranty="restart")
            services.rma_set_status(rma=rma, acting_user=agent, status=step,
                                    diagnosis="电源模块故障，更换后测试正常。" if step == "diagnosed" else None,
                                    return_carrier="顺丰速运" if step == "shipped" else None,
                                    return_tracking_number=f"SF{rng.randint(10**11, 10**12 - 1)}" if step == "shipped" else None)
