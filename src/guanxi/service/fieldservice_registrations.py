"""What field service adds to the registry: navigation, the account's "Work orders" panel, work order
search, default permissions of the standard roles, and the demo's technicians and work orders."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import DemoBuilder, NavItem, Panel, SearchProvider, registry

from . import fieldservice_events  # noqa: F401  (registers the timeline wording)

registry.add_nav(NavItem("field_service", _("Field service"), "service:dispatch_board", order=41, permission="service.view_workorder", children=[
    NavItem("dispatch_board", _("Dispatch board"), "service:dispatch_board", permission="service.view_workorder"),
    NavItem("work_orders", _("Work orders"), "service:workorder_list", permission="service.view_workorder"),
    NavItem("my_jobs", _("My jobs"), "service:my_jobs", permission="service.view_workorder"),
    NavItem("technicians", _("Technicians"), "service:technician_list", permission="service.view_technician"),
]))


def _work_orders_panel(request, account):
    user = request.user
    if not user.has_perm("service.view_workorder"):
        return None
    from .models import WorkOrder
    from .models.fieldservice import ACTIVE_WORK_ORDER

    work_orders = WorkOrder.objects.visible_under(user, "account", account)
    return {
        "account": account,
        "work_orders": list(work_orders.select_related("technician").order_by("-created_at", "-id")[:5]),
        "active_count": work_orders.filter(status__in=ACTIVE_WORK_ORDER).count(),
        "can_add": user.has_perm("service.add_workorder"),
    }


def _search(user, query, limit):
    if not user.has_perm("service.view_workorder"):
        return []
    from .models import WorkOrder

    text = query.strip().upper()
    if not text.startswith("WO-"):
        return []
    found = WorkOrder.objects.visible_to(user).filter(number__startswith=text).select_related("account").order_by("-number")[:limit]
    return [{"title": f"{w.number} {w.subject}", "subtitle": f"{w.account} · {w.get_status_display()}", "url": w.get_absolute_url(),
             "kind": _("Work order")} for w in found]


registry.add_account_panel(Panel("work_orders", _("Work orders"), "service/fieldservice/_account_work_orders.html", _work_orders_panel, order=31))
registry.add_search_provider(SearchProvider("work_orders", _("Work orders"), _search, order=31))

WORK_RECORDS = ("workorder", "workorderpart", "visitreport")
TECHNICIAN_RECORDS = ("technician", "techniciantimeoff")


def _perms(actions, models):
    return [f"service.{action}_{model}" for model in models for action in actions]


registry.add_role_permissions("service_agent", _perms(("view", "add", "change"), WORK_RECORDS) + _perms(("view",), TECHNICIAN_RECORDS))
registry.add_role_permissions("supervisor", _perms(("view", "add", "change", "delete"), WORK_RECORDS + TECHNICIAN_RECORDS))
registry.add_role_permissions("cc_agent", _perms(("view",), WORK_RECORDS + TECHNICIAN_RECORDS) + ["service.add_workorder"])
registry.add_role_permissions("analyst", _perms(("view",), WORK_RECORDS + TECHNICIAN_RECORDS))


def _demo(org, rng, now):
    from .fieldservice_demo import build

    build(org, rng, now)


registry.add_demo_builder(DemoBuilder("fieldservice", _demo, order=41))
