"""The navigation menu: the registered entries the user may open, nothing that does not exist."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .registry import registry


def _visible(item, user) -> bool:
    return item.permission is None or user.has_perm(item.permission)


def menu(user, path: str = "") -> list[dict]:
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
                children.append({"key": child.key, "label": child.label, "url": reverse(child.url_name)})
        prefixes = [url] + [c["url"] for c in children]
        active = any(path.startswith(p) for p in prefixes if p != "/")
        entries.append({"key": item.key, "label": item.label, "url": url, "children": children, "active": active})
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
