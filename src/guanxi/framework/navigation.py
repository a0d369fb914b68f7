"""The navigation menu: the registered entries the user may open, nothing that does not exist."""

from __future__ import annotations

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .registry import registry


def _visible(item, user) -> bool:
    return item.permission is None or user.has_perm(item.permission)


_MENUS: dict[tuple, list[dict]] = {}


def menu(user, path: str = "") -> list[dict]:
    """The entries ``user`` may open, the one holding ``path`` marked active.

    The entries depend only on the user's permissions and the language, so they are kept per user,
    language and access generation (any change of roles, groups or permissions retires them).
    """
    from guanxi.core.access_cache import generation

    key = (generation(), user.pk, get_language(), get_script_prefix())
    entries = _MENUS.get(key)
    if entries is None:
        if len(_MENUS) > 5000:
            _MENUS.clear()
        entries = _MENUS[key] = _entries(user)
    out = []
    for entry in entries:
        prefixes = [entry["url"]] + [c["url"] for c in entry["children"]]
        active = any(path.startswith(p) for p in prefixes if p != "/")
        out.append({**entry, "active": active})
    return out


def _entries(user) -> list[dict]:
    entries = []
    for item in registry.sorted(registry.nav):
        if not _visible(item, user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        children = []
        for child in item.children:
            if _visible(child, user):
                children.append({"key": child.key, "label": str(child.label), "url": reverse(child.url_name)})
        entries.append({"key": item.key, "label": str(item.label), "url": url, "children": children})
    return entries


_HTML: dict[tuple, str] = {}


def menu_html(user, path: str = "") -> SafeString:
    """The menu's ``<li>`` items (same markup the base template had), kept per menu and active entry."""
    entries = menu(user, path)
    active = next((e["key"] for e in entries if e["active"]), None)
    from guanxi.core.access_cache import generation

    key = (generation(), user.pk, get_language(), get_script_prefix(), active)
    html = _HTML.get(key)
    if html is None:
        if len(_HTML) > 5000:
            _HTML.clear()
        out = []
        for e in entries:
            css = " active" if e["active"] else ""
            if e["children"]:
                children = "".join(f'<li><a class="dropdown-item" href="{escape(c["url"])}">{escape(c["label"])}</a></li>' for c in e["children"])
                out.append(f'<li class="nav-item dropdown"><a class="nav-link dropdown-toggle{css}" href="{escape(e["url"])}" role="button" '
                           f'data-bs-toggle="dropdown" aria-expanded="false">{escape(e["label"])}</a><ul class="dropdown-menu">{children}</ul></li>')
            else:
                out.append(f'<li class="nav-item"><a class="nav-link{css}" href="{escape(e["url"])}">{escape(e["label"])}</a></li>')
        html = _HTML[key] = "".join(out)
    return mark_safe(html)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": [], "nav_menu_html": ""}
    from django.apps import apps

    Notification = apps.get_model("core", "Notification")
    return {
        # Both lazy: a template that shows no menu (a fragment for htmx) computes neither.
        "nav_menu": lambda: menu(user, request.path),
        "nav_menu_html": lambda: menu_html(user, request.path),
        "unread_notifications": lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
