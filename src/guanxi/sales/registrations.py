"""What the sales app adds to the registry: navigation, 360° panels, search, timeline wording,
default role permissions and demo data."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from guanxi.core.choices import RoleCode
from guanxi.framework.registry import DemoBuilder, NavItem, Panel, SearchProvider, registry

from . import events  # noqa: F401  (registers the timeline wording)
from . import knowledge, selectors

registry.add_nav(NavItem("sales", _("Sales"), "sales:lead_list", order=30, permission="sales.view_lead", children=[
    NavItem("leads", _("Leads"), "sales:lead_list", permission="sales.view_lead"),
    NavItem("opportunities", _("Opportunities"), "sales:opportunity_list", permission="sales.view_opportunity"),
    NavItem("board", _("Pipeline board"), "sales:opportunity_board", permission="sales.view_opportunity"),
    NavItem("stage_report", _("Stage report"), "sales:stage_report", permission="sales.view_opportunity"),
    NavItem("forecast", _("Forecast"), "sales:forecast", permission="sales.view_opportunity"),
    NavItem("sales_plan", _("Sales plan"), "sales:sales_plan", permission="sales.view_quota"),
    NavItem("competitor_report", _("Win / loss by competitor"), "sales:competitor_report", permission="sales.view_opportunity"),
    NavItem("sales_reports", _("Sales reports"), "sales:sales_reports", permission="sales.view_opportunity"),
    NavItem("knowledge", _("Sales knowledge"), "sales:knowledgepost_list", permission="sales.view_knowledgepost"),
    NavItem("quotes", _("Quotes"), "sales:quote_list", permission="sales.view_quote"),
    NavItem("orders", _("Sales orders"), "sales:salesorder_list", permission="sales.view_salesorder"),
    NavItem("contracts", _("Contracts"), "sales:contract_list", permission="sales.view_contract"),
    NavItem("commission_statements", _("Commission statements"), "sales:commissionstatement_list", permission="sales.view_commissionstatement"),
    NavItem("commission_plans", _("Commission plans"), "sales:commissionplan_list", permission="sales.view_commissionplan"),
    NavItem("expenses", _("Expense claims"), "sales:expenseclaim_list", permission="sales.view_expenseclaim"),
    NavItem("activities", _("Activities"), "sales:activity_list", permission="sales.view_activity"),
    NavItem("calendar", _("Calendar"), "sales:calendar", permission="sales.view_activity"),
    NavItem("sales_settings", _("Sales settings"), "sales:settings", permission="sales.view_pipeline"),
]))


def _opportunities_panel(request, account):
    user = request.user
    if not user.has_perm("sales.view_opportunity"):
        return None
    return {
        "opportunities": selectors.account_opportunities(user=user, account=account),
        "summary": SimpleLazyObject(lambda: selectors.pipeline_summary(user=user, account=account)),
        "account": account,
        "can_add": user.has_perm("sales.add_opportunity"),
    }


def _activities_panel(request, account):
    user = request.user
    if not user.has_perm("sales.view_activity"):
        return None
    return {"activities": selectors.account_activities(user=user, account=account), "account": account,
            "can_add": user.has_perm("sales.add_activity")}


registry.add_account_panel(Panel("opportunities", _("Opportunities"), "sales/panels/opportunities.html", _opportunities_panel, order=30))
def _quotes_panel(request, account):
    user = request.user
    if not user.has_perm("sales.view_quote"):
        return None
    return {"quotes": selectors.account_quotes(user=user, account=account), "orders": selectors.account_orders(user=user, account=account),
            "contracts": selectors.account_contracts(user=user, account=account) if user.has_perm("sales.view_contract") else [],
            "account": account, "can_add": user.has_perm("sales.add_quote")}


registry.add_account_panel(Panel("quotes", _("Quotes, orders and contracts"), "sales/panels/quotes.html", _quotes_panel, order=32))
registry.add_account_panel(Panel("activities", _("Activities"), "sales/panels/activities.html", _activities_panel, order=31))

registry.add_search_provider(SearchProvider(
    "leads", _("Leads"),
    lambda user, query, limit: selectors.lead_search_results(user=user, query=query, limit=limit, kind_label=_("Lead"))
    if user.has_perm("sales.view_lead") else [],
    order=30,
))
registry.add_search_provider(SearchProvider(
    "sales_knowledge", _("Sales knowledge"),
    lambda user, query, limit: knowledge.global_search_results(user=user, query=query, limit=limit, kind_label=_("Sales tip")),
    order=80,
))

_WORK = ("lead", "opportunity", "activity", "quote", "quoteline", "salesorder", "contract")
_SETTINGS = ("pipeline", "stage", "competitor", "leadscoringrule", "leadassignmentrule", "webtoleadform", "product", "pricebook", "pricebookentry")


def _perms(actions, models):
    return [f"sales.{action}_{model}" for model in models for action in actions]


registry.add_role_permissions(RoleCode.SALES_REP, _perms(("view", "add", "change"), _WORK) + _perms(("view",), _SETTINGS) + ["sales.add_competitor"])
registry.add_role_permissions(
    RoleCode.SALES_MANAGER,
    _perms(("view", "add", "change", "delete"), _WORK) + _perms(("view",), _SETTINGS)
    + _perms(("add", "change", "delete"), ("competitor", "leadscoringrule", "leadassignmentrule", "webtoleadform", "product", "pricebook", "pricebookentry", "quota"))
    + ["sales.view_quota"],
)
# catalog (tax rates, configurator, opportunity lines) and the knowledge board (sales-catalog)
_CATALOG = ("taxrate", "productoptiongroup", "productoption", "productoptionprice", "bundlecomponent")
registry.add_role_permissions(RoleCode.SALES_REP, _perms(("view",), _CATALOG) + _perms(("view", "add", "change", "delete"), ("opportunityline",))
                              + _perms(("view", "add"), ("knowledgepost", "knowledgecomment")))
registry.add_role_permissions(RoleCode.SALES_MANAGER, _perms(("view", "add", "change", "delete"), _CATALOG + ("opportunityline", "knowledgepost", "knowledgecomment")))
registry.add_role_permissions(RoleCode.MARKETER, _perms(("view", "add"), ("knowledgepost", "knowledgecomment")))
registry.add_role_permissions(RoleCode.ANALYST, _perms(("view",), _CATALOG + ("opportunityline", "knowledgepost", "knowledgecomment")))
registry.add_role_permissions(RoleCode.MARKETER, _perms(("view", "add"), ("lead",)) + _perms(("view",), ("webtoleadform", "competitor")))
registry.add_role_permissions(RoleCode.ANALYST, _perms(("view",), _WORK + _SETTINGS + ("quota",)))
# Forecast adjustments: managers write them, reps read theirs.
registry.add_role_permissions(RoleCode.SALES_REP, ["sales.view_forecastadjustment"])
registry.add_role_permissions(RoleCode.SALES_MANAGER, _perms(("view", "add"), ("forecastadjustment",)))
registry.add_role_permissions(RoleCode.ANALYST, ["sales.view_forecastadjustment"])
# Commissions: reps read their statements and the plans; managers compute and approve; paying is
# the administrators' (or a finance role's) permission, given in Settings.
_COMMISSION_CONFIG = ("commissionplan", "commissionrule", "commissiontier", "commissionassignment")
registry.add_role_permissions(RoleCode.SALES_REP, _perms(("view",), _COMMISSION_CONFIG + ("commissionstatement",)))
registry.add_role_permissions(RoleCode.SALES_MANAGER, _perms(("view",), _COMMISSION_CONFIG) + _perms(("view", "add"), ("commissionstatement",))
                              + ["sales.approve_commissionstatement"])
registry.add_role_permissions(RoleCode.ANALYST, _perms(("view",), _COMMISSION_CONFIG + ("commissionstatement",)))
# Expenses: everyone in sales claims; managers decide on their teams' claims by the team rule, the
# approve/view-all permissions are for finance (given in Settings).
registry.add_role_permissions(RoleCode.SALES_REP, _perms(("view", "add", "change", "delete"), ("expenseclaim",)))
registry.add_role_permissions(RoleCode.SALES_MANAGER, _perms(("view", "add", "change", "delete"), ("expenseclaim",)))


def _build_demo(org, rng, now):
    from .demo import build

    build(org, rng, now)


registry.add_demo_builder(DemoBuilder("sales", _build_demo, order=30))


def _build_catalog_demo(org, rng, now):
    from .demo_catalog import build

    build(org, rng, now)


registry.add_demo_builder(DemoBuilder("sales_catalog", _build_catalog_demo, order=35))
