"""The demo organisation, built through the services: roles, teams, territories, users and tags.

Every step looks for what an earlier run made first, so building the organisation twice changes
nothing. There is one login per role (all with :data:`DEMO_PASSWORD`), a few more sales reps, and,
for the large data set, a sales force of about two hundred people in regional teams.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import services as core
from guanxi.core.choices import RoleCode, TerritoryLevel
from guanxi.core.models import Role, Team, Territory, User
from guanxi.core.visibility import descendants
from guanxi.customers import services as customers
from guanxi.customers.models import Tag

from . import data
from .makers import Makers

DEMO_PASSWORD = "guanxi-demo-2026"
SALES, SERVICE, CALL_CENTER, MARKETING = "销售部", "客服部", "呼叫中心", "市场部"
BENCH_TEAM, BENCH_MANAGER = "基准测试组", "bench_manager"
ALL_REGIONS = tuple(f"cn-{r.code}" for r in data.REGIONS)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    display_name: str
    team: str | None = None
    territories: tuple[str, ...] = ()  # territory codes the user is a member of
    manages: tuple[str, ...] = ()
    superuser: bool = False


LOGINS = (
    Login("admin", RoleCode.ADMINISTRATOR, "系统管理员", superuser=True),
    Login("manager", RoleCode.SALES_MANAGER, "王建国", "华东销售", manages=("华东销售",)),
    Login("rep", RoleCode.SALES_REP, "李娜", "华东销售", territories=("cn-sh",)),
    Login("marketer", RoleCode.MARKETER, "陈思琪", MARKETING, territories=ALL_REGIONS),
    Login("agent", RoleCode.SERVICE_AGENT, "刘洋", SERVICE, territories=ALL_REGIONS),
    Login("ccagent", RoleCode.CC_AGENT, "赵敏", CALL_CENTER, territories=ALL_REGIONS),
    Login("supervisor", RoleCode.SUPERVISOR, "孙浩", CALL_CENTER, territories=ALL_REGIONS, manages=(SERVICE,)),
    Login("analyst", RoleCode.ANALYST, "周婷", MARKETING),
    # More reps, one or more per region, each a member of the territory it covers.
    Login("rep2", RoleCode.SALES_REP, "张伟", "华东销售", territories=("cn-js",)),
    Login("rep3", RoleCode.SALES_REP, "黄丽", "华东销售", territories=("cn-zj",)),
    Login("rep4", RoleCode.SALES_REP, "刘强", "华北销售", territories=("cn-north",)),
    Login("rep5", RoleCode.SALES_REP, "陈静", "华南销售", territories=("cn-south",)),
    Login("rep6", RoleCode.SALES_REP, "杨帆", "华中销售", territories=("cn-central",)),
    Login("rep7", RoleCode.SALES_REP, "吴敏", "西南销售", territories=("cn-southwest",)),
    Login("rep8", RoleCode.SALES_REP, "郑凯", "西北销售", territories=("cn-northwest",)),
    Login("rep9", RoleCode.SALES_REP, "孙悦", "东北销售", territories=("cn-northeast",)),
)
TEAMS = (  # (name, parent)
    (SALES, None), *((region.team, SALES) for region in data.REGIONS),
    (SERVICE, None), (CALL_CENTER, SERVICE), (MARKETING, None),
)
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五".split()


@dataclass
class Org:
    admin: User
    users: dict[str, User]
    teams: dict[str, Team]
    territories: dict[str, Territory]
    roles: dict[str, Role]
    region_reps: dict[str, list[User]] = field(default_factory=dict)

    def reps_of(self, region: data.Region) -> list[User]:
        """The sales reps in the region's team and its sub-teams (the owners of its customers)."""
        if region.code not in self.region_reps:
            parent_of = dict(Team.objects.values_list("id", "parent_id"))
            team_ids = descendants(parent_of, {self.teams[region.team].pk})
            self.region_reps[region.code] = list(
                User.objects.filter(team_id__in=team_ids, groups=self.roles[RoleCode.SALES_REP].group).order_by("id")
            )
        return self.region_reps[region.code]


def territory_code(region: data.Region, province: data.Province | None = None, city: data.City | None = None) -> str:
    if city is not None and not province.is_municipality:
        return f"cn-{province.code}-{city.code}"
    return f"cn-{province.code}" if province is not None else f"cn-{region.code}"


class _Builder:
    def __init__(self):
        self._password_hash: str | None = None
        self.roles = {role.code: role for role in core.role_bootstrap()}
        self.admin: User | None = None

    def password_hash(self) -> str:
        # Hashing is slow on purpose; every demo login shares the one documented password.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def user(self, login: Login, teams: dict[str, Team], password: bool = True) -> User:
        user = User.objects.filter(username=login.username).first()
        if user is not None:
            return user
        user = core.user_create(
            acting_user=self.admin, username=login.username, password=None, display_name=login.display_name,
            email=f"{login.username}@demo.guanxi.example", team=teams.get(login.team) if login.team else None,
            roles=[self.roles[login.role]], is_superuser=login.superuser, language="", time_zone="Asia/Shanghai",
        )
        if password:
            core.user_update(user=user, acting_user=self.admin or user, data={"password": self.password_hash()})
        return user

    def team(self, name: str, parent: Team | None) -> Team:
        return Team.objects.filter(name=name).first() or core.team_create(acting_user=self.admin, name=name, parent=parent)

    def manage(self, team: Team, manager: User) -> None:
        if team.manager_id is None:
            core.team_update(team=team, acting_user=self.admin, data={"manager": manager})

    def territory(self, code: str, **fields) -> Territory:
        return Territory.objects.filter(code=code).first() or core.territory_create(acting_user=self.admin, code=code, **fields)


@transaction.atomic
def ensure_org() -> Org:
    """The teams, territories and demo logins; made once, found afterwards."""
    build = _Builder()
    build.admin = build.user(LOGINS[0], {})
    teams: dict[str, Team] = {}
    for name, parent in TEAMS:
        teams[name] = build.team(name, teams.get(parent))
    users = {login.username: build.user(login, teams) for login in LOGINS}
    members: dict[str, list[User]] = {}
    for login in LOGINS:
        for code in login.territories:
            members.setdefault(code, []).append(users[login.username])
    territories = _ensure_territories(build, members)
    for login in LOGINS:
        for team_name in login.manages:
            build.manage(teams[team_name], users[login.username])
    return Org(admin=build.admin, users=users, teams=teams, territories=territories, roles=build.roles)


def _ensure_territories(build: _Builder, members: dict[str, list[User]]) -> dict[str, Territory]:
    made: dict[str, Territory] = {}
    for region in data.REGIONS:
        code = territory_code(region)
        made[code] = build.territory(
            code, name=region.name, level=TerritoryLevel.REGION, provinces=[p.name for p in region.provinces],
            members=members.get(code, ()),
        )
        for province in region.provinces:
            pcode = territory_code(region, province)
            postal = [p for c in province.cities for p in c.postal_prefixes] if province.is_municipality else []
            made[pcode] = build.territory(
                pcode, name=province.name, level=TerritoryLevel.PROVINCE, parent=made[code],
                provinces=[province.name], postal_codes=postal, members=members.get(pcode, ()),
            )
            if province.is_municipality:
                continue
            for city in province.cities:
                ccode = territory_code(region, province, city)
                made[ccode] = build.territory(
                    ccode, name=city.name, level=TerritoryLevel.CITY, parent=made[pcode], cities=[city.name],
                    postal_codes=list(city.postal_prefixes), members=members.get(ccode, ()),
                )
    return made


@transaction.atomic
def ensure_sales_force(org: Org, reps: int = 180, team_size: int = 6, seed: int = 7) -> None:
    """Regional sales teams of ``team_size`` reps, each with a manager, and the benchmark team.

    The benchmark team (:data:`BENCH_TEAM`, managed by :data:`BENCH_MANAGER`) has three reps in 华东,
    so its members own about 1.5 % of the customers the bulk generator spreads over the region's reps.
    Only the demo logins and the benchmark manager can log in; the other reps own records.
    """
    build = _Builder()
    build.admin = org.admin
    makers = Makers(random.Random(seed))
    for region in data.REGIONS:
        count = round(reps * region.weight)
        for index in range((count + team_size - 1) // team_size):
            team_name = f"{region.team}{NUMERALS[index]}组"
            team = org.teams[team_name] = build.team(team_name, org.teams[region.team])
            manager = _member(f"{region.code}_mgr_{index + 1:02d}", RoleCode.SALES_MANAGER, makers, team_name)
            build.manage(team, build.user(manager, org.teams, password=False))
            for number in range(index * team_size + 1, min(count, (index + 1) * team_size) + 1):
                rep = _member(f"{region.code}_rep_{number:03d}", RoleCode.SALES_REP, makers, team_name)
                build.user(rep, org.teams, password=False)
    east = data.REGIONS[0]
    bench = org.teams[BENCH_TEAM] = build.team(BENCH_TEAM, org.teams[east.team])
    org.users[BENCH_MANAGER] = build.user(Login(BENCH_MANAGER, RoleCode.SALES_MANAGER, "钱振华", BENCH_TEAM), org.teams)
    build.manage(bench, org.users[BENCH_MANAGER])
    for number in (1, 2, 3):
        build.user(_member(f"bench_rep{number}", RoleCode.SALES_REP, makers, BENCH_TEAM), org.teams, password=False)
    org.region_reps.clear()


def ensure_tags(acting_user: User) -> dict[str, Tag]:
    """The demo's tags by name, made through the service the first time."""
    return {
        name: Tag.objects.filter(name=name).first() or customers.tag_create(acting_user=acting_user, name=name, color=color)
        for name, color in data.TAGS
    }


def _member(username: str, role: str, makers: Makers, team: str) -> Login:
    return Login(username, role, makers.person(english_share=0).name, team)


def bench_team_members() -> list[User]:
    return list(User.objects.filter(team__name=BENCH_TEAM).exclude(username=BENCH_MANAGER).order_by("id"))


def logins_table() -> str:
    """The demo logins as a plain-text table: user name, password, role, team."""
    names = [login.username for login in LOGINS] + [BENCH_MANAGER]
    found = User.objects.filter(username__in=names).select_related("team").prefetch_related("groups__role")
    users = {user.username: user for user in found}
    rows = [(_("User name"), _("Password"), _("Role"), _("Team"))]
    for name in names:
        user = users.get(name)
        if user is None:
            continue
        roles = ", ".join(str(group.role) for group in user.groups.all() if hasattr(group, "role"))
        rows.append((name, DEMO_PASSWORD, roles, str(user.team or "")))
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)
