"""What the customers app adds to the registry: navigation and search providers."""

from django.utils.translation import gettext_lazy as _

from guanxi.framework.registry import NavItem, SearchProvider, registry

from . import selectors

registry.add_nav(NavItem("customers", _("Customers"), "customers:account_list", order=20, permission="customers.view_account", children=[
    NavItem("accounts", _("Accounts"), "customers:account_list", permission="customers.view_account"),
    NavItem("contacts", _("Contacts"), "customers:contact_list", permission="customers.view_contact"),
    NavItem("interactions", _("Interactions"), "customers:interaction_list", permission="customers.view_interaction"),
    NavItem("tags", _("Tags"), "customers:tag_list", permission="customers.view_tag"),
]))
registry.add_search_provider(SearchProvider(
    "accounts", _("Accounts"),
    lambda user, query, limit: selectors.search_results_as_dicts(selectors.account_search(user=user, query=query, limit=limit, only=selectors.ACCOUNT_RESULT_FIELDS), _("Account"))
    if user.has_perm("customers.view_account") else [],
    order=10,
))
registry.add_search_provider(SearchProvider(
    "contacts", _("Contacts"),
    lambda user, query, limit: selectors.search_results_as_dicts(selectors.contact_search(user=user, query=query, limit=limit, only=selectors.CONTACT_RESULT_FIELDS), _("Contact"))
    if user.has_perm("customers.view_contact") else [],
    order=20,
))
