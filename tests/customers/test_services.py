"""Customer services: normalization, territory placement, links, interactions, input rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core import services as core_services
from guanxi.core.models import AuditEntry
from guanxi.customers import selectors, services
from guanxi.customers.models import Account, AccountContact, Interaction, PhoneNumber


# --- normalization -------------------------------------------------------------------------------

@pytest.fixture
def party(make_user):
    """One account of one rep: enough for the normalization cases, cheaper than the whole ``org``."""
    rep = make_user("solo")
    return services.account_create(acting_user=rep, name="号码测试公司"), rep


@pytest.mark.parametrize("raw, e164", [
    ("138 1234 5678", "+8613812345678"),
    ("+86 138-1234-5678", "+8613812345678"),
    ("008613812345678", "+8613812345678"),
    ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits from a Chinese input method
    ("010-6234 5678", "+861062345678"),
    ("+1 650 253 0000", "+16502530000"),
])
def test_phone_numbers_are_stored_in_e164(party, raw, e164):
    account, rep = party
    phone = services.phone_add(party=account, acting_user=rep, number=raw)
    assert phone.number == e164


@pytest.mark.parametrize("raw", ["12345", "138 1234", "not a phone", "+86 000 0000 0000"])
def test_invalid_phone_is_refused_naming_the_number_and_nothing_is_saved(party, raw):
    account, rep = party
    phones, audit_rows = PhoneNumber.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.phone_add(party=account, acting_user=rep, number=raw)
    assert set(caught.value.message_dict) == {"number"}
    assert PhoneNumber.objects.count() == phones
    assert AuditEntry.objects.count() == audit_rows


def test_phone_update_normalizes_and_keeps_the_old_number_on_error(org):
    phone = org.rep_account.phonenumber_set.get()
    with pytest.raises(ValidationError) as caught:
        services.phone_update(phone=phone, acting_user=org.rep, number="999")
    assert "number" in caught.value.message_dict
    phone.refresh_from_db()
    assert phone.number == "+8613812345678"
    services.phone_update(phone=phone, acting_user=org.rep, number="139-0000-1111")
    phone.refresh_from_db()
    org.rep_account.refresh_from_db()
    assert phone.number == org.rep_account.primary_phone == "+8613900001111"


def test_text_is_tidied_and_emails_lower_cased(org):
    account = services.account_create(acting_user=org.rep, name="  ＡＢＣ　贸易   有限公司 ")
    assert account.name == "ABC 贸易 有限公司"
    email = services.email_add(party=account, acting_user=org.rep, email=" Sales@ABC.Example.COM ")
    assert email.email == "sales@abc.example.com"
    account.refresh_from_db()
    assert account.primary_email == "sales@abc.example.com"


def test_unknown_fields_are_refused_by_name(org):
    with pytest.raises(ValidationError) as caught:
        services.account_create(acting_user=org.rep, name="X", name_pinyin="hack")
    assert set(caught.value.message_dict) == {"name_pinyin"}
    with pytest.raises(ValidationError) as caught:
        services.account_update(account=org.rep_account, acting_user=org.rep, search_text="hack")
    assert set(caught.value.message_dict) == {"search_text"}


def test_empty_account_name_is_refused_and_nothing_saved(org):
    accounts = Account.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.account_create(acting_user=org.rep, name="   ")
    assert "name" in caught.value.message_dict
    assert Account.objects.count() == accounts


# --- territory placement ------------------------------------------------------------------------

def test_address_places_the_account_in_the_most_specific_territory(org):
    account = services.account_create(acting_user=org.other, name="新公司")
    assert account.territory is None
    services.address_add(party=account, acting_user=org.other, province="浙江省", city="杭州市")
    account.refresh_from_db()
    assert account.territory == org.region, "浙江省 only matches the region"
    address = account.address_set.get()
    services.address_update(address=address, acting_user=org.other, province="上海市", city="上海市")
    account.refresh_from_db()
    assert account.territory == org.shanghai, "the province beats the region"
    assert (account.province, account.city) == ("上海市", "上海市")


def test_account_province_change_moves_it(org):
    account = services.account_create(acting_user=org.other, name="浙江客户", province="浙江省")
    assert account.territory == org.region
    services.account_update(account=account, acting_user=org.other, province="上海市")
    account.refresh_from_db()
    assert account.territory == org.shanghai
    change = AuditEntry.objects.filter(object_id=str(account.pk), content_type__model="account", action="update").get()
    assert change.changes["territory"] == [org.region.pk, org.shanghai.pk]


def test_a_city_territory_wins_over_its_province(org):
    pudong = core_services.territory_create(acting_user=org.admin, name="浦东", code="pudong", level="city",
                                            parent=org.shanghai, cities=["浦东新区"])
    account = services.account_create(acting_user=org.other, name="浦东客户")
    services.address_add(party=account, acting_user=org.other, province="上海市", city="浦东新区")
    account.refresh_from_db()
    assert account.territory == pudong


def test_locked_territory_stays_when_the_address_moves(org):
    account = services.account_create(acting_user=org.other, name="锁定客户", territory=org.shanghai, territory_locked=True)
    services.address_add(party=account, acting_user=org.other, province="浙江省", city="杭州市")
    account.refresh_from_db()
    assert account.territory == org.shanghai
    services.account_update(account=account, acting_user=org.other, province="浙江省", city="宁波市")
    account.refresh_from_db()
    assert account.territory == org.shanghai
    services.account_update(account=account, acting_user=org.other, territory_locked=False, city="杭州市")
    account.refresh_from_db()
    assert account.territory == org.region, "unlocked, it follows its address again"


def test_territory_placement_makes_the_account_visible_to_territory_members(client_for, org):
    account = services.account_create(acting_user=org.other, name="上海新客户")
    client = client_for(org.watcher)
    assert client.get(f"/customers/accounts/{account.pk}/").status_code == 404
    services.address_add(party=account, acting_user=org.other, province="上海市", city="上海市")
    assert client.get(f"/customers/accounts/{account.pk}/").status_code == 200


# --- contacts at several accounts ------------------------------------------------------------------

def test_contact_linked_to_several_accounts_with_roles(org):
    contact = org.rep_contact
    second = services.account_create(acting_user=org.rep, name="张三的第二家公司")
    services.contact_link(contact=contact, account=second, role="decision_maker", is_primary=True, acting_user=org.rep)
    services.contact_link(contact=contact, account=org.rep_account, role="purchaser", acting_user=org.rep)
    links = {link.account.name: (link.role, link.is_primary) for link in contact.account_links.select_related("account")}
    assert links == {"张三科技有限公司": ("purchaser", False), "张三的第二家公司": ("decision_maker", True)}
    contact.refresh_from_db()
    assert contact.primary_account == org.rep_account, "the first account stays the contact's main one"
    assert [link.contact for link in selectors.account_contacts(account=second)] == [contact]
    # unlinking the main account hands the role to the other one
    services.contact_unlink(link=contact.account_links.get(account=org.rep_account), acting_user=org.rep)
    contact.refresh_from_db()
    assert contact.primary_account == second


def test_only_one_main_contact_per_account(org):
    second = services.contact_create(acting_user=org.rep, account=org.rep_account, name="王五")
    assert not second.account_links.get().is_primary, "the account already had a main contact"
    services.contact_link(contact=second, account=org.rep_account, is_primary=True, acting_user=org.rep)
    primaries = AccountContact.objects.filter(account=org.rep_account, is_primary=True)
    assert [link.contact for link in primaries] == [second]


def test_contact_name_is_built_from_family_and_given_name(org):
    assert services.contact_create(acting_user=org.rep, family_name="欧阳", given_name="娜娜").name == "欧阳娜娜"
    assert services.contact_create(acting_user=org.rep, family_name="Smith", given_name="Anna").name == "Anna Smith"


def test_contact_linked_through_the_ui_with_a_role(client_for, org):
    second = services.account_create(acting_user=org.rep, name="张三的第二家公司")
    client = client_for(org.rep)
    response = client.post(f"/customers/contacts/{org.rep_contact.pk}/link/", {"account": second.pk, "role": "technical"})
    assert response.status_code == 302
    assert org.rep_contact.account_links.get(account=second).role == "technical"


# --- interactions -----------------------------------------------------------------------------------

def test_interaction_contact_must_belong_to_the_account(org):
    stranger = services.contact_create(acting_user=org.rep, name="路人甲")
    count = Interaction.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.interaction_create(acting_user=org.rep, account=org.rep_account, contact=stranger, channel="phone",
                                    started_at=timezone.now())
    assert set(caught.value.message_dict) == {"contact"}
    assert Interaction.objects.count() == count


def test_interaction_form_shows_the_contact_error_under_the_field(client_for, org):
    stranger = services.contact_create(acting_user=org.rep, name="路人甲")
    client = client_for(org.rep)
    response = client.post("/customers/interactions/add/", {
        "account": org.rep_account.pk, "contact": stranger.pk, "direction": "outbound", "channel": "phone",
        "started_at": "2025-03-01T10:00", "duration_seconds": 60, "reason": "报价",
    })
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["contact"]
    assert b'data-field-error="contact"' in response.content
    assert not Interaction.objects.filter(reason="报价").exists()


def test_interaction_moves_the_account_to_the_top_of_recent(org):
    before = Account.objects.get(pk=org.rep_account.pk).updated_at
    interaction = services.interaction_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact,
                                              channel="email", started_at=timezone.now() - datetime.timedelta(days=3))
    assert interaction.user == org.rep
    assert Account.objects.get(pk=org.rep_account.pk).updated_at >= before
    assert Account.objects.order_by("-updated_at", "-id").first() == org.rep_account
