"""The small demo: built through the services, complete, and loaded only once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from guanxi.core.choices import RoleCode
from guanxi.core.models import AuditEntry, Team, Territory, User
from guanxi.core.services import territory_for
from guanxi.customers.choices import Channel
from guanxi.customers.models import Account, Contact, EmailAddress, Interaction, Note, PhoneNumber, Tag
from guanxi.demo.org import DEMO_PASSWORD, LOGINS
from guanxi.demo.small import EASY_ACCOUNT, EASY_CONTACT
from guanxi.framework.text import normalize_phone

from tests.conftest import _reseed_migration_data

pytestmark = pytest.mark.django_db
MODELS = (User, Team, Territory, Tag, Account, Contact, PhoneNumber, EmailAddress, Interaction, Note, AuditEntry)


def run_demo(**options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Forty accounts (the default is 300, which takes a minute), loaded once for the module."""
    with django_db_blocker.unblock():
        _reseed_migration_data()  # an earlier flush on this worker (a browser test, the large demo) emptied them
        output = run_demo(accounts=40)
        yield output
        call_command("flush", interactive=False, verbosity=0)
        _reseed_migration_data()  # the next module on this worker may rely on the VAT rates a migration wrote


def test_it_reports_what_it_loaded_and_the_logins(demo):
    assert "Loaded 40 accounts" in demo
    for login in LOGINS:
        assert login.username in demo
    assert DEMO_PASSWORD in demo


def test_a_second_run_adds_nothing(demo):
    before = {model: model._base_manager.count() for model in MODELS}
    output = run_demo()
    assert "demo data already loaded" in output
    assert "rep" in output  # the logins are printed again
    assert {model: model._base_manager.count() for model in MODELS} == before


def test_reset_is_refused_for_the_small_demo(demo):
    with pytest.raises(CommandError):
        run_demo(reset=True)


def test_every_role_has_a_login_with_the_documented_password(demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as the demo hashed it
    for code in RoleCode.values:
        user = User.objects.filter(groups__role__code=code).order_by("id").first()
        assert user is not None, code
    for login in LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.groups.filter(role__code=login.role).exists()
    assert User.objects.get(username="admin").is_superuser
    east = Team.objects.get(name="华东销售")
    assert east.manager.username == "manager" and east.parent.name == "销售部"
    assert User.objects.get(username="rep").team == east


def test_accounts_are_placed_in_the_territory_of_their_address(demo):
    for account in Account._base_manager.all():
        assert account.province and account.city and account.postal_code
        expected = territory_for(
            province=account.province, city=account.city, postal_code=account.postal_code, industry=account.industry,
        )
        assert expected is not None
        assert account.territory_id == expected.pk
    levels = set(Territory.objects.values_list("level", flat=True))
    assert levels == {"region", "province", "city"}


def test_search_keys_and_primary_fields_are_filled(demo):
    for party in (*Account._base_manager.all(), *Contact._base_manager.all()):
        assert party.name_pinyin and party.name_initials and party.search_text, party
    for account in Account._base_manager.all():
        assert account.primary_phone
    easy = Account._base_manager.get(name=EASY_ACCOUNT)
    assert easy.name_initials == "zskjyxgs"
    assert "zhangsankeji" in easy.search_text
    zhang = Contact._base_manager.get(name=EASY_CONTACT)
    assert (zhang.name_pinyin, zhang.name_initials, zhang.primary_account) == ("zhangsan", "zs", easy)


def test_phones_are_valid_and_interactions_cover_every_channel(demo):
    for number in PhoneNumber._base_manager.values_list("number", flat=True):
        assert normalize_phone(number) == number
    for account in Account._base_manager.exclude(name=EASY_ACCOUNT):
        assert 5 <= account.interactions.count() <= 30
        assert 1 <= account.contact_links.count() <= 3
    assert set(Interaction._base_manager.values_list("channel", flat=True)) == set(Channel.values)


def test_records_were_made_through_the_audited_services(demo):
    accounts = Account._base_manager.count()
    assert AuditEntry.objects.filter(content_type__model="account", action="create").count() == accounts
    assert AuditEntry.objects.filter(content_type__model="interaction").count() == Interaction._base_manager.count()
    assert not AuditEntry.objects.filter(content_type__model="account").exclude(source="cli").exists()


def test_visibility_is_demonstrable(demo):
    rep, manager, analyst = (User.objects.get(username=name) for name in ("rep", "manager", "analyst"))
    shanghai = Territory.objects.get(code="cn-sh")
    mine = Account.objects.visible_to(rep)
    owned_or_in_shanghai = Account._base_manager.filter(owner=rep) | Account._base_manager.filter(territory=shanghai)
    assert set(mine) == set(owned_or_in_shanghai)
    team = Account._base_manager.filter(owner__team__name="华东销售")
    assert set(team) <= set(Account.objects.visible_to(manager))
    everything = Account._base_manager.count()
    assert Account.objects.visible_to(manager).count() < Account.objects.visible_to(analyst).count() == everything
