"""The navigation menu: the registered entries the user may open, nothing that does not exist."""

from __future__ import annotations

from django.urls import NoReverseMatch, get_script_prefix, reverse
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


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    from django.apps import apps

    Notification = apps.get_model("core", "Notification")
    return {
        "nav_menu": menu(user, request.path),
        "unread_notifications": lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
