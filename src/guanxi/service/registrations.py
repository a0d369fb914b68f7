"""What the service app adds to the registry: navigation, the account's "Cases" panel, case search,
default permissions of the standard roles, and the demo's cases."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import DemoBuilder, NavItem, Panel, SearchProvider, registry

from . import events  # noqa: F401  (registers the timeline wording)
from . import selectors

registry.add_nav(NavItem("service", _("Service"), "service:case_list", order=40, permission="service.view_case", children=[
    NavItem("cases", _("Cases"), "service:case_list", permission="service.view_case"),
    NavItem("quick_case", _("Quick case entry"), "service:quick_entry", permission="service.add_case"),
    NavItem("service_contracts", _("Service contracts"), "service:servicecontract_list", permission="service.view_servicecontract"),
    NavItem("installed_products", _("Installed products"), "service:installedproduct_list", permission="service.view_installedproduct"),
    NavItem("returns", _("Returns (RMA)"), "service:rma_list", permission="service.view_rma"),
    NavItem("knowledge_base", _("Knowledge base"), "service:knowledge_base", permission="service.view_article"),
    NavItem("service_reports", _("Service reports"), "service:reports", permission="service.view_case"),
    NavItem("service_setup", _("Queues and service levels"), "service:setup", permission="service.view_queue"),
]))


def _cases_panel(request, account):
    user = request.user
    if not user.has_perm("service.view_case"):
        return None
    from .choices import OPEN_STATUSES
    from .models import Case

    cases = Case.objects.visible_under(user, "account", account)
    return {
        "account": account,
        "cases": list(cases.order_by("-created_at", "-id")[:5]),
        "open_count": cases.filter(status__in=OPEN_STATUSES).count(),
        "can_add": user.has_perm("service.add_case"),
    }


registry.add_account_panel(Panel("cases", _("Cases"), "service/_account_cases.html", _cases_panel, order=30))


def _contracts_panel(request, account):
    user = request.user
    if not user.has_perm("service.view_servicecontract"):
        return None
    from .models import ServiceContract

    contracts = ServiceContract.objects.visible_under(user, "account", account).select_related("sla_policy")
    return {"account": account, "contracts": list(contracts.order_by("-end_date", "-id")[:5]), "can_add": user.has_perm("service.add_servicecontract")}


def _units_panel(request, account):
    user = request.user
    if not user.has_perm("service.view_installedproduct"):
        return None
    from django.db.models import F
    from django.utils import timezone

    from .models import InstalledProduct

    units = InstalledProduct.objects.visible_under(user, "account", account)
    latest = (F("install_date").desc(nulls_last=True), "-id")  # units without an install date last, on every database
    return {"account": account, "units": list(units.select_related("product").order_by(*latest)[:5]),
            "count": units.count(), "today": timezone.localdate(), "can_add": user.has_perm("service.add_installedproduct")}


def _rmas_panel(request, account):
    user = request.user
    if not user.has_perm("service.view_rma"):
        return None
    from .choices import OPEN_RMA_STATUSES
    from .models import Rma

    rmas = Rma.objects.visible_under(user, "account", account)
    return {"account": account, "rmas": list(rmas.only("pk", "number", "reason", "status").order_by("-created_at", "-id")[:5]),
            "open_count": rmas.filter(status__in=OPEN_RMA_STATUSES).count(), "can_add": user.has_perm("service.add_rma")}


registry.add_account_panel(Panel("service_contracts", _("Service contracts"), "service/_account_contracts.html", _contracts_panel, order=31))
registry.add_account_panel(Panel("installed_products", _("Installed products"), "service/_account_units.html", _units_panel, order=32))
registry.add_account_panel(Panel("rmas", _("Returns (RMA)"), "service/_account_rmas.html", _rmas_panel, order=33))
def _case_results(cases) -> list[dict]:
    from django.utils.translation import gettext

    rows = selectors.search_results_as_dicts(cases, _("Case"))
    for case, row in zip(cases, rows):
        if case.account_id is None:
            row["subtitle"] = f"{gettext('Customer not identified')} {case.requester_email} · {case.get_status_display()}"
    return rows


registry.add_search_provider(SearchProvider(
    "cases", _("Cases"),
    lambda user, query, limit: _case_results(selectors.case_search(user=user, query=query, limit=limit))
    if user.has_perm("service.view_case") else [],
    order=30,
))

registry.add_search_provider(SearchProvider(
    "service_assets", _("Contracts, units and returns"),
    lambda user, query, limit: selectors.asset_search(user=user, query=query, limit=limit), order=31,
))

CASE_RECORDS = ("case", "casenote", "caseattachment", "caselink")
KB_RECORDS = ("article", "articlecategory", "articlefeedback", "articleversion")
ASSET_RECORDS = ("installedproduct", "servicecontract", "entitlement", "entitlementusage", "rma", "rmaline")
SETUP_RECORDS = ("warrantyterm", "queue", "queuemember", "agentprofile", "casecategory", "businesscalendar", "calendarday", "slapolicy", "slatarget")


def _perms(actions, models):
    return [f"service.{action}_{model}" for model in models for action in actions]


registry.add_role_permissions("service_agent", _perms(("view", "add", "change"), CASE_RECORDS + KB_RECORDS + ASSET_RECORDS)
                              + _perms(("view",), SETUP_RECORDS))
registry.add_role_permissions("supervisor", _perms(("view", "add", "change", "delete"), CASE_RECORDS + KB_RECORDS + SETUP_RECORDS + ASSET_RECORDS))
registry.add_role_permissions("cc_agent", ["service.view_case", "service.add_case", "service.view_casenote", "service.add_casenote",
                                           "service.view_article", "service.view_articleversion", "service.add_articlefeedback"]
                              + _perms(("view",), ("queue", "casecategory", "articlecategory")))
registry.add_role_permissions("analyst", _perms(("view",), CASE_RECORDS + KB_RECORDS + SETUP_RECORDS + ASSET_RECORDS))
# Sales reps sell service contracts and register what they installed; they see their accounts' returns.
for _role in ("sales_rep", "sales_manager"):
    registry.add_role_permissions(_role, _perms(("view", "add", "change"), ("installedproduct", "servicecontract", "entitlement"))
                                  + _perms(("view",), ("entitlementusage", "rma", "rmaline", "warrantyterm")))


def _demo(org, rng, now):
    from .demo import build

    build(org, rng, now)


registry.add_demo_builder(DemoBuilder("service", _demo, order=40))


def _demo_assets(org, rng, now):
    from .demo import build_assets

    build_assets(org, rng, now)


registry.add_demo_builder(DemoBuilder("service_assets", _demo_assets, order=41))
