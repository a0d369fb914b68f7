"""Writes of the core app: users, teams, roles, territories, notifications, tasks, saved filters."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.framework import services as base
from guanxi.framework.registry import registry
from guanxi.framework.visibility import forget_scope

from . import events
from .choices import RoleCode, TaskStatus, TerritoryLevel
from .models import Notification, Role, SavedFilter, Task, Team, Territory, User

# Default permissions of each role (app_label.codename); administrators change them in Settings.
CUSTOMER_MODELS = ("account", "contact", "interaction", "address", "phonenumber", "emailaddress", "document", "note")


def _perms(*actions: str, models: tuple[str, ...] = CUSTOMER_MODELS) -> list[str]:
    return [f"customers.{action}_{model}" for model in models for action in actions]


DEFAULT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    RoleCode.SALES_REP: _perms("view", "add", "change") + ["customers.view_tag", "core.view_territory"],
    RoleCode.SALES_MANAGER: _perms("view", "add", "change", "delete") + ["customers.view_tag", "customers.add_tag", "core.view_territory", "core.view_team"],
    RoleCode.MARKETER: _perms("view", "change") + ["customers.view_tag", "customers.add_tag"],
    RoleCode.SERVICE_AGENT: _perms("view", "add", "change"),
    RoleCode.CC_AGENT: _perms("view") + ["customers.add_interaction", "customers.change_interaction", "customers.add_note"],
    RoleCode.SUPERVISOR: _perms("view", "add", "change") + ["core.view_team"],
    RoleCode.ANALYST: _perms("view") + ["customers.view_tag", "core.view_territory", "core.view_team", "core.view_auditentry"],
    RoleCode.ADMINISTRATOR: [],  # all permissions, see role_bootstrap
}
ORGANISATION_WIDE = {RoleCode.ANALYST, RoleCode.ADMINISTRATOR}


def _permission_objects(names: list[str]) -> list[Permission]:
    wanted = {tuple(n.split(".", 1)) for n in names}
    return [p for p in Permission.objects.select_related("content_type") if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def role_bootstrap() -> list[Role]:
    """Create the standard roles once; existing roles and their edited permissions are left alone."""
    roles = []
    for code, label in RoleCode.choices:
        role = Role.objects.filter(code=code).first()
        if role is None:
            group, _created = Group.objects.get_or_create(name=f"role:{code}")
            role = Role.objects.create(code=code, name=str(label), group=group, organisation_wide=code in ORGANISATION_WIDE)
            if code == RoleCode.ADMINISTRATOR:
                perms = Permission.objects.all()
            else:
                perms = _permission_objects(DEFAULT_ROLE_PERMISSIONS[code] + registry.role_permissions.get(str(code), []))
            group.permissions.set(perms)
        roles.append(role)
    return roles


@transaction.atomic
def role_update(*, role: Role, acting_user, name: str, description: str, organisation_wide: bool, permissions) -> dict:
    changes = base.update(role, acting_user=acting_user, data={"name": name, "description": description, "organisation_wide": organisation_wide})
    before = sorted(role.group.permissions.values_list("pk", flat=True))
    after = sorted(p.pk for p in permissions)
    if before != after:
        role.group.permissions.set(after)
        names = dict(Permission.objects.filter(pk__in=set(before) ^ set(after)).values_list("pk", "codename"))
        change = {"permissions": [[names[p] for p in before if p in names], [names[p] for p in after if p in names]]}
        from guanxi.framework import audit

        audit.record(audit.UPDATE, role, acting_user=acting_user, changes=change)
        changes.update(change)
    return changes


@transaction.atomic
def user_create(
    *, acting_user, username: str, password: str | None, display_name: str = "", email: str = "", team: Team | None = None,
    roles: list[Role] | tuple = (), language: str = "", is_superuser: bool = False, time_zone: str = "", phone: str = "",
) -> User:
    user = User(
        username=username.strip(), display_name=display_name.strip(), email=email.strip().lower(), team=team,
        language=language, is_superuser=is_superuser, is_staff=is_superuser, time_zone=time_zone, phone=phone.strip(),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    base.create(user, acting_user=acting_user, m2m={"groups": [r.group for r in roles]})
    return user


@transaction.atomic
def user_update(*, user: User, acting_user, data: dict, roles=None) -> dict:
    m2m = {"groups": [r.group for r in roles]} if roles is not None else None
    changes = base.update(user, acting_user=acting_user, data=data, m2m=m2m)
    forget_scope(user)
    return changes


@transaction.atomic
def team_create(*, acting_user, name: str, parent: Team | None = None, manager: User | None = None) -> Team:
    return base.create(Team(name=name.strip(), parent=parent, manager=manager), acting_user=acting_user)


@transaction.atomic
def team_update(*, team: Team, acting_user, data: dict) -> dict:
    parent = data.get("parent")
    node = parent
    while node is not None:
        if node.pk == team.pk:
            raise ValidationError({"parent": _("A team cannot be placed under itself or one of its own sub-teams.")})
        node = node.parent
    return base.update(team, acting_user=acting_user, data=data)


def _clean_list(values) -> list[str]:
    if isinstance(values, str):
        values = values.replace("，", ",").split(",")
    return [v.strip() for v in values or () if v and v.strip()]


@transaction.atomic
def territory_create(
    *, acting_user, name: str, code: str, level: str, parent: Territory | None = None, provinces=(), cities=(),
    postal_codes=(), industries=(), members=(),
) -> Territory:
    _check_territory_parent(level, parent, None)
    territory = Territory(
        name=name.strip(), code=code.strip(), level=level, parent=parent, provinces=_clean_list(provinces),
        cities=_clean_list(cities), postal_codes=_clean_list(postal_codes), industries=_clean_list(industries),
    )
    return base.create(territory, acting_user=acting_user, m2m={"members": members})


@transaction.atomic
def territory_update(*, territory: Territory, acting_user, data: dict, members=None) -> dict:
    data = dict(data)
    for key in ("provinces", "cities", "postal_codes", "industries"):
        if key in data:
            data[key] = _clean_list(data[key])
    _check_territory_parent(data.get("level", territory.level), data.get("parent", territory.parent), territory)
    return base.update(territory, acting_user=acting_user, data=data, m2m={"members": members} if members is not None else None)


_LEVEL_ORDER = [TerritoryLevel.REGION, TerritoryLevel.PROVINCE, TerritoryLevel.CITY]


def _check_territory_parent(level: str, parent: Territory | None, territory: Territory | None) -> None:
    if parent is None:
        return
    if _LEVEL_ORDER.index(parent.level) >= _LEVEL_ORDER.index(level):
        raise ValidationError({"parent": _("A %(level)s must sit under a larger territory.") % {"level": dict(TerritoryLevel.choices)[level]}})
    node = parent
    while node is not None and territory is not None:
        if node.pk == territory.pk:
            raise ValidationError({"parent": _("A territory cannot be placed under itself.")})
        node = node.parent


class TerritoryMatcher:
    """The rule that places an account in a territory, over one snapshot of the active territories.

    A territory matches when each of its non-empty criteria lists holds the value (postal codes by
    prefix); a territory without any criteria never matches. Deeper territories (city over province
    over region) win, then the one with more criteria. ``territory_for`` asks it once; the
    realignment preview asks it once per distinct (province, city, postal prefix, industry).
    """

    def __init__(self, territories: list[Territory]):
        self.territories = [t for t in territories if t.provinces or t.cities or t.postal_codes or t.industries]
        #: the longest postal-code prefix any territory uses: codes agreeing on this many leading
        #: characters always land in the same territory (0 when no territory looks at postal codes)
        self.postal_prefix_length = max((len(p) for t in self.territories for p in t.postal_codes), default=0)

    @classmethod
    def load(cls) -> "TerritoryMatcher":
        return cls(list(Territory.objects.filter(is_active=True).only("id", "level", "provinces", "cities", "postal_codes", "industries", "name")))

    def match(self, *, province: str = "", city: str = "", postal_code: str = "", industry: str = "") -> Territory | None:
        province, city, postal_code, industry = province or "", city or "", postal_code or "", industry or ""
        best: tuple[int, int] | None = None
        chosen = None
        for territory in self.territories:
            if territory.provinces and province not in territory.provinces:
                continue
            if territory.cities and city not in territory.cities:
                continue
            if territory.postal_codes and not any(postal_code.startswith(p) for p in territory.postal_codes):
                continue
            if territory.industries and industry not in territory.industries:
                continue
            criteria = sum(bool(x) for x in (territory.provinces, territory.cities, territory.postal_codes, territory.industries))
            rank = (_LEVEL_ORDER.index(territory.level), criteria)
            if best is None or rank > best:
                best, chosen = rank, territory
        return chosen


def territory_for(*, province: str = "", city: str = "", postal_code: str = "", industry: str = "") -> Territory | None:
    """The most specific active territory whose criteria all match; None when none does (see ``TerritoryMatcher``)."""
    return TerritoryMatcher.load().match(province=province, city=city, postal_code=postal_code, industry=industry)


def notification_send(*, recipient: User, title: str, body: str = "", url: str = "", sender: User | None = None) -> Notification:
    notification = Notification.objects.create(recipient=recipient, title=title[:200], body=body, url=url, sender=sender)
    transaction.on_commit(lambda: events.notification_created(notification))
    return notification


def notification_mark_read(*, user: User, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


@transaction.atomic
def task_create(*, acting_user, title: str, assigned_to: User, due_at=None, description: str = "", priority: str = "normal", related=None) -> Task:
    task = Task(title=title.strip(), assigned_to=assigned_to, due_at=due_at, description=description, priority=priority, created_by=acting_user)
    if related is not None:
        task.related = related
    base.create(task, acting_user=acting_user)
    if assigned_to != acting_user:
        notification_send(recipient=assigned_to, title=_("New task: %(title)s") % {"title": task.title}, url="/workspace/", sender=acting_user)
    return task


@transaction.atomic
def task_complete(*, task: Task, acting_user) -> dict:
    if task.status == TaskStatus.DONE:
        return {}
    return base.update(task, acting_user=acting_user, data={"status": TaskStatus.DONE, "completed_at": timezone.now()})


@transaction.atomic
def saved_filter_save(*, user: User, list_name: str, name: str, query: str, shared: bool = False) -> SavedFilter:
    query = query.lstrip("?")
    parts = [p for p in query.split("&") if p and not p.startswith(("page=", "saved="))]
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, list_name=list_name, name=name.strip()[:100], defaults={"query": "&".join(parts), "shared": shared}
    )
    return saved


@transaction.atomic
def user_set_password(*, user: User, acting_user, password: str) -> None:
    from guanxi.framework import audit

    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(audit.UPDATE, user, acting_user=acting_user, changes={"password": ["***", "***"]})


def notify_job_finished(job) -> None:
    """Tell the user who started a background job that it is done (or why it failed)."""
    if job.user_id is None:
        return
    if job.status == "done":
        title = _("Done: %(title)s") % {"title": job.title}
    else:
        title = _("Failed: %(title)s") % {"title": job.title}
    notification_send(recipient=job.user, title=title, body=job.message or job.error[:500], url=job.get_absolute_url())
