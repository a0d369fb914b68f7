"""A cache of what each user may reach: the visibility scope and the permission set.

Every page needs both, and computing them costs five to seven queries (roles, the team tree, team
members, territories, user and group permissions). They change rarely — when a user, team, territory,
role or group changes — so they are cached under an **access generation**: one number in the cache that
any such change replaces, which retires every cached scope and permission set at once.

The generation is replaced twice for a change: at once (so the request making the change sees it) and
again when its transaction commits (so that a request which read the old rows in between and cached them
under the new generation is retired too).

With one web process the default local-memory cache is exact. With several processes the generation
must live in a shared cache (``GUANXI_REDIS_URL``); without one, a process learns of a change made in
another when its entries expire (``GUANXI_ACCESS_CACHE_SECONDS``, 60 s with the local cache).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

from guanxi.framework.visibility import Scope

GENERATION_KEY = "guanxi:access:generation"
# Saving only these fields of a user changes nothing about what it reaches (log-in stamps last_login).
_HARMLESS_USER_FIELDS = frozenset({"last_login", "password", "language", "time_zone", "display_name", "phone", "email", "first_name", "last_name"})


def _timeout() -> int:
    return settings.GUANXI_ACCESS_CACHE_SECONDS


def generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY)
    return value


def invalidate() -> None:
    """Retire every cached scope and permission set, now and again when the transaction commits."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


def cached_scope(user, compute) -> Scope:
    """``compute(user)`` once per generation, user and language (the reasons are translated text)."""
    key = f"guanxi:access:{generation()}:scope:{user.pk}:{translation.get_language() or ''}"
    scope = cache.get(key)
    if scope is None:
        scope = compute(user)
        cache.set(key, scope, _timeout())
    return scope


class CachedPermissionsBackend(ModelBackend):
    """Django's model backend, with each user's permission set kept in the cache between requests."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = f"guanxi:access:{generation()}:perms:{user_obj.pk}"
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, _timeout())
            user_obj._perm_cache = perms
        return user_obj._perm_cache


def _changed(sender, **kwargs) -> None:
    invalidate()


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= _HARMLESS_USER_FIELDS:
        return
    invalidate()


def connect() -> None:
    """Hook the invalidation to every change that alters a scope or a permission set."""
    from django.contrib.auth import get_user_model

    from .models import Role, Team, Territory

    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="guanxi_access_user_saved")
    post_delete.connect(_changed, sender=user_model, dispatch_uid="guanxi_access_user_deleted")
    for model in (Team, Territory, Role, Group, Permission):
        post_save.connect(_changed, sender=model, dispatch_uid=f"guanxi_access_{model.__name__}_saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"guanxi_access_{model.__name__}_deleted")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through, Territory.members.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"guanxi_access_{through.__name__}_changed")
