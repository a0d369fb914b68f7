"""The registry: what each app contributes, filled in its ``AppConfig.ready()``.

Views, navigation entries, 360° panels, search providers and merge hooks are registered here so
that apps never import each other sideways (``customers`` does not know ``sales``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class NavItem:
    key: str
    label: Any
    url_name: str
    order: int = 100
    permission: str | None = None
    children: list["NavItem"] = field(default_factory=list)


@dataclass
class Panel:
    """A panel of the account 360° view: ``context(request, account)`` returns the template context."""

    key: str
    title: Any
    template: str
    context: Callable[[Any, Any], dict]
    order: int = 100


@dataclass
class SearchProvider:
    """``search(user, query, limit)`` returns result dicts: title, subtitle, url, kind."""

    key: str
    label: Any
    search: Callable[[Any, str, int], list[dict]]
    order: int = 100


@dataclass
class TimelineSource:
    """``entries(account, limit)`` returns timeline entries (dicts with ``at``) of one kind."""

    key: str
    entries: Callable[[Any, int], list[dict]]


@dataclass
class DemoBuilder:
    """``build(org, rng, now)`` adds an app's demo records through its services; ``org`` is the demo's
    ``guanxi.demo.org.Org`` (users by login, teams, territories), the accounts already exist."""

    key: str
    build: Callable[[Any, Any, Any], None]
    order: int = 100


class Registry:
    def __init__(self) -> None:
        self.nav: dict[str, NavItem] = {}
        self.account_panels: dict[str, Panel] = {}
        #: panels of the contact page: ``context(request, contact)``, as for accounts
        self.contact_panels: dict[str, Panel] = {}
        self.search_providers: dict[str, SearchProvider] = {}
        self.timeline_sources: dict[str, TimelineSource] = {}
        self.merge_hooks: dict[str, Callable] = {}
        #: event kind -> translatable wording with %(name)s placeholders filled from the event's data
        self.event_titles: dict[str, Any] = {}
        #: role code -> "app_label.codename" permissions the role gets when it is first created
        self.role_permissions: dict[str, list[str]] = {}
        #: key -> DemoBuilder; the small demo runs them after the customers are in
        self.demo_builders: dict[str, DemoBuilder] = {}
        #: callables returning text ``guanxi demo`` prints after the staff logins (e.g. the portal's login)
        self.demo_login_reports: list[Callable[[], str]] = []

    def add_nav(self, item: NavItem) -> None:
        self.nav[item.key] = item

    def add_account_panel(self, panel: Panel) -> None:
        self.account_panels[panel.key] = panel

    def add_contact_panel(self, panel: Panel) -> None:
        self.contact_panels[panel.key] = panel

    def add_search_provider(self, provider: SearchProvider) -> None:
        self.search_providers[provider.key] = provider

    def add_timeline_source(self, source: TimelineSource) -> None:
        self.timeline_sources[source.key] = source

    def add_role_permissions(self, role_code: str, permissions: list[str]) -> None:
        """Default permissions an app gives a standard role (administrators edit them in Settings)."""
        self.role_permissions.setdefault(str(role_code), []).extend(permissions)

    def add_demo_builder(self, builder: DemoBuilder) -> None:
        self.demo_builders[builder.key] = builder

    def add_demo_login_report(self, report: Callable[[], str]) -> None:
        self.demo_login_reports.append(report)

    def sorted(self, mapping: dict) -> list:
        return sorted(mapping.values(), key=lambda item: (item.order, str(item.key)))


registry = Registry()
