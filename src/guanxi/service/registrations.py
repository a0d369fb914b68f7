"""What the service app adds to the registry: navigation, the account's "Cases" panel, case search,
default permissions of the standard roles, and the demo's cases."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import DemoBuilder, NavItem, Panel, SearchProvider, registry

from . import events  # noqa: F401  (registers the timeline wording)
from . import selectors

registry.add_nav(NavItem("service", _("Service"), "service:case_list", order=40, permission="service.view_case", children=[
    NavItem("cases", _("Cases"), "service:case_list", permission="service.view_case"),
    NavItem("quick_case", _("Quick case entry"), "service:quick_entry", permission="service.add_case"),
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

    cases = Case.objects.visible_to(user).filter(account=account)
    return {
        "account": account,
        "cases": list(cases.order_by("-created_at", "-id")[:5]),
        "open_count": cases.filter(status__in=OPEN_STATUSES).count(),
        "can_add": user.has_perm("service.add_case"),
    }


registry.add_account_panel(Panel("cases", _("Cases"), "service/_account_cases.html", _cases_panel, order=30))
registry.add_search_provider(SearchProvider(
    "cases", _("Cases"),
    lambda user, query, limit: selectors.search_results_as_dicts(selectors.case_search(user=user, query=query, limit=limit), _("Case"))
    if user.has_perm("service.view_case") else [],
    order=30,
))

CASE_RECORDS = ("case", "casenote", "caseattachment", "caselink")
KB_RECORDS = ("article", "articlecategory", "articlefeedback", "articleversion")
SETUP_RECORDS = ("queue", "queuemember", "agentprofile", "casecategory", "businesscalendar", "calendarday", "slapolicy", "slatarget")


def _perms(actions, models):
    return [f"service.{action}_{model}" for model in models for action in actions]


registry.add_role_permissions("service_agent", _perms(("view", "add", "change"), CASE_RECORDS + KB_RECORDS) + _perms(("view",), SETUP_RECORDS))
registry.add_role_permissions("supervisor", _perms(("view", "add", "change", "delete"), CASE_RECORDS + KB_RECORDS + SETUP_RECORDS))
registry.add_role_permissions("cc_agent", ["service.view_case", "service.add_case", "service.view_casenote", "service.add_casenote",
                                           "service.view_article", "service.view_articleversion", "service.add_articlefeedback"]
                              + _perms(("view",), ("queue", "casecategory", "articlecategory")))
registry.add_role_permissions("analyst", _perms(("view",), CASE_RECORDS + KB_RECORDS + SETUP_RECORDS))


def _demo(org, rng, now):
    from .demo import build

    build(org, rng, now)


registry.add_demo_builder(DemoBuilder("service", _demo, order=40))
