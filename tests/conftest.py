"""Shared fixtures: a small organisation built through the real services.

``org`` gives a team hierarchy (sales > east), a manager, two reps in different teams, a
territory member, an analyst (organisation-wide) and an administrator, with one account owned
by each rep. Tests add what they need with the same services.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import translation

from guanxi.core import services as core_services
from guanxi.customers import services as customer_services

PASSWORD = "correct-horse-battery-42"


def _reseed_migration_data() -> None:
    """Put back the rows data migrations write (China's VAT rates), when a flush emptied them.

    A browser test runs in a transaction-less database that pytest-django flushes afterwards; with the
    suite spread over several workers, an ordinary test can follow it on the same worker.
    """
    from django.apps import apps

    from guanxi.sales.models import TaxRate

    if not TaxRate.objects.exists():
        import_module("guanxi.sales.migrations.0008_catalog_knowledge").seed_tax_rates(apps, None)


@pytest.fixture
def roles(db):
    _reseed_migration_data()
    return {role.code: role for role in core_services.role_bootstrap()}


@pytest.fixture
def make_user(db, roles):
    def make(username: str, *, role: str | None = "sales_rep", team=None, superuser: bool = False, **extra):
        return core_services.user_create(
            acting_user=None, username=username, password=PASSWORD, team=team,
            roles=[roles[role]] if role else [], is_superuser=superuser, **extra,
        )

    return make


@pytest.fixture
def org(db, roles, make_user):
    admin = make_user("admin", role="administrator")
    sales = core_services.team_create(acting_user=admin, name="销售部")
    east = core_services.team_create(acting_user=admin, name="华东销售", parent=sales)
    north = core_services.team_create(acting_user=admin, name="华北销售", parent=sales)
    director = make_user("director", role="sales_manager", team=sales)
    manager = make_user("manager", role="sales_manager", team=east)
    core_services.team_update(team=sales, acting_user=admin, data={"manager": director})
    core_services.team_update(team=east, acting_user=admin, data={"manager": manager})
    rep = make_user("rep", team=east, display_name="王小明")
    other = make_user("other", team=north)
    region = core_services.territory_create(acting_user=admin, name="华东", code="east", level="region", provinces=["上海市", "浙江省"])
    shanghai = core_services.territory_create(acting_user=admin, name="上海", code="shanghai", level="province", parent=region, provinces=["上海市"])
    watcher = make_user("watcher", team=north)
    core_services.territory_update(territory=region, acting_user=admin, data={}, members=[watcher])
    analyst = make_user("analyst", role="analyst")
    rep_account = customer_services.account_create(acting_user=rep, name="张三科技有限公司", industry="technology")
    customer_services.address_add(party=rep_account, acting_user=rep, province="上海市", city="上海市", street="淮海中路1号")
    customer_services.phone_add(party=rep_account, acting_user=rep, number="138 1234 5678")
    rep_contact = customer_services.contact_create(acting_user=rep, account=rep_account, name="张三", title="总经理")
    other_account = customer_services.account_create(acting_user=other, name="北方重工股份有限公司")
    customer_services.phone_add(party=other_account, acting_user=other, number="010-62345678")
    other_contact = customer_services.contact_create(acting_user=other, account=other_account, name="李四")
    rep_account.refresh_from_db()
    return SimpleNamespace(
        admin=admin, director=director, manager=manager, rep=rep, other=other, watcher=watcher, analyst=analyst,
        sales=sales, east=east, north=north, region=region, shanghai=shanghai,
        rep_account=rep_account, rep_contact=rep_contact, other_account=other_account, other_contact=other_contact,
    )


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s a user; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Start and end every test in the default language.

    A request leaves its language (the user's, or the browser's) active in the thread; without this,
    what a test writes outside a request (an audit row's record name, a timeline title) would be in
    the language of whichever request an earlier test made.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: database rows roll back between tests, cached values do not,
    and a rolled-back row's primary key may come back in the next test."""
    from django.core.cache import cache

    cache.clear()
    yield
