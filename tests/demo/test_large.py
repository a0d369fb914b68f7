"""The large generator, run at 2,000 accounts: valid rows, the keys the services would store, the right shape."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from guanxi.core.models import User
from guanxi.customers.models import (
    Account, AccountContact, Address, Contact, EmailAddress, Interaction, PhoneNumber,
)
from guanxi.customers.services import _refresh_party
from guanxi.demo.choices import RestoreKind
from guanxi.demo.models import PendingRestore
from guanxi.demo.org import BENCH_MANAGER, DEMO_PASSWORD
from guanxi.demo.rows import BENCH_ACCOUNT, BENCH_INTERACTIONS, COLUMNS
from guanxi.demo.writers import writer_for
from guanxi.framework.text import normalize_phone

from tests.conftest import _reseed_migration_data

pytestmark = pytest.mark.django_db
ACCOUNTS = 2000
DERIVED = ("name_pinyin", "name_initials", "search_text", "primary_phone", "primary_email")


def run_demo(**options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("demo", size="large", stdout=out, **options)
    return out.getvalue()


def structures() -> set[tuple[str, str]]:
    return {(s.kind, s.name) for s in writer_for(connection, COLUMNS).structures()}


@pytest.fixture(scope="module")
def large(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        before = structures()
        output = run_demo(accounts=ACCOUNTS)
        yield {"output": output, "structures_before": before}
        call_command("flush", interactive=False, verbosity=0)
        _reseed_migration_data()  # the next module on this worker may rely on the VAT rates a migration wrote


def test_counts_have_the_intended_ratios(large):
    accounts = Account._base_manager.count()
    assert accounts == ACCOUNTS
    assert 1.8 <= Contact._base_manager.count() / accounts <= 2.2
    assert AccountContact._base_manager.count() == Contact._base_manager.count()
    assert 9.5 <= Interaction._base_manager.count() / accounts <= 11.5  # 10 each, and 1,000 on one
    assert Address._base_manager.count() == accounts
    assert PhoneNumber._base_manager.count() > 2 * accounts and EmailAddress._base_manager.count() > 1.5 * accounts


def test_every_phone_is_valid_in_e164(large):
    for number in PhoneNumber._base_manager.values_list("number", flat=True):
        assert normalize_phone(number) == number


def test_derived_keys_are_what_the_services_compute(large):
    """Recompute a sample through the services' own refresh and find nothing to change."""
    sample = [*Account._base_manager.order_by("?")[:150], *Contact._base_manager.order_by("?")[:150]]
    fields = {Account: (*DERIVED, "province", "city", "postal_code", "territory_id"), Contact: DERIVED}
    with transaction.atomic():
        for party in sample:
            model = type(party)
            before = {name: getattr(party, name) for name in fields[model]}
            _refresh_party(party)
            after = model._base_manager.filter(pk=party.pk).values(*fields[model]).get()
            assert after == before, party.pk
        transaction.set_rollback(True)


def test_rows_pass_model_validation(large):
    for model in (Account, Contact, AccountContact, Address, PhoneNumber, EmailAddress, Interaction):
        for record in model._base_manager.order_by("?")[:100]:
            record.full_clean()
    assert not Account._base_manager.filter(territory__isnull=True).exists()
    assert set(Account._base_manager.values_list("owner__groups__role__code", flat=True)) == {"sales_rep"}


def test_the_benchmark_manager_and_account(large, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as the demo hashed it
    bench = Account._base_manager.get(name=BENCH_ACCOUNT)
    assert bench.interactions.count() == BENCH_INTERACTIONS
    assert f"id {bench.pk}" in large["output"]
    manager = User.objects.get(username=BENCH_MANAGER)
    assert manager.check_password(DEMO_PASSWORD)
    visible = Account.objects.visible_to(manager)
    assert bench in visible
    assert 0.005 <= visible.count() / ACCOUNTS <= 0.03
    assert User.objects.filter(groups__role__code="sales_rep").count() > 150


def test_indexes_and_keys_are_all_back(large):
    assert not PendingRestore.objects.exists()
    assert structures() == large["structures_before"]


def test_an_interrupted_load_is_finished_by_the_next_run(large):
    index = next(s for s in writer_for(connection, COLUMNS).structures() if s.kind == RestoreKind.INDEX)
    # What a load leaves behind when it dies after committing its rows, before rebuilding this index.
    PendingRestore.objects.create(kind=index.kind, table=index.table, name=index.name, statement=index.restore)
    with connection.cursor() as cursor:
        cursor.execute(index.drop)
    assert structures() != large["structures_before"]
    output = run_demo(accounts=ACCOUNTS)
    assert "Finishing an interrupted load first." in output and "already loaded" in output
    assert structures() == large["structures_before"]
    assert not PendingRestore.objects.exists()


def test_a_second_run_refuses_and_reset_reproduces_the_same_data(large):
    assert "already loaded" in run_demo(accounts=ACCOUNTS)
    assert Account._base_manager.count() == ACCOUNTS
    first = digest()
    run_demo(accounts=ACCOUNTS, reset=True)
    assert digest() == first
    assert structures() == large["structures_before"]


def digest() -> str:
    rows = Account._base_manager.order_by("id").values_list("id", "name", "search_text", "owner_id", "territory_id")
    interactions = Interaction._base_manager.order_by("id").values_list("id", "account_id", "contact_id", "channel")
    return hashlib.sha256(repr((list(rows), list(interactions))).encode()).hexdigest()
