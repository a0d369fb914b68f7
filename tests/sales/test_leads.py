"""Leads through their services: normalization, placement, scoring, assignment, status flow,
escalation and conversion."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from guanxi.core.models import AuditEntry, Notification
from guanxi.customers.models import Account, Contact
from guanxi.sales import scoring, selectors, services
from guanxi.sales.models import Lead, LeadAssignmentRule, LeadScoringRule


def test_create_normalizes_and_places_the_lead(org):
    lead = services.lead_create(acting_user=org.rep, owner=org.rep, name=" 陈　小红 ", company="红星电子", phone="139-1111-2222",
                                email="Chen@HongXing.Example", province="上海市")
    assert lead.name == "陈 小红"  # full-width space folded
    assert lead.phone == "+8613911112222"
    assert lead.email == "chen@hongxing.example"
    assert lead.territory == org.shanghai
    assert lead.name_initials == "cxh" and "hongxingdianzi" in lead.search_text
    assert "hxdz" in lead.search_text and "13911112222" in lead.search_text
    assert lead.status == "new" and lead.currency == "CNY"
    assert AuditEntry.objects.filter(content_type__model="lead", object_id=str(lead.pk), action="create").count() == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"name": ""}, "name"),
    ({"name": "某人", "phone": "12345"}, "phone"),
    ({"name": "某人", "email": "not-an-address"}, "email"),
    ({"name": "某人", "budget": Decimal("-1")}, "budget"),
    ({"name": "某人", "source": "carrier-pigeon"}, "source"),
    ({"name": "某人", "status": "converted"}, "status"),
])
def test_bad_input_names_the_field_and_keeps_nothing(org, data, field):
    with pytest.raises(ValidationError) as caught:
        services.lead_create(acting_user=org.rep, **data)
    assert field in caught.value.message_dict
    assert not Lead.objects.exists()


def test_scoring_rules_and_the_hook(org):
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="web", field="source", operator="eq", value="web", points=10)
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="boss", field="title", operator="contains", value="总", points=15)
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="big", field="employees", operator="gte", value="500", points=20)
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="no mail", field="email", operator="empty", value="", points=-5)
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="east", field="province", operator="in", value="上海市，浙江省", points=7)
    lead = services.lead_create(acting_user=org.rep, name="甲", title="总经理", source="web", employees=800, province="浙江省")
    assert lead.score == 10 + 15 + 20 - 5 + 7
    services.lead_update(lead=lead, acting_user=org.rep, email="a@b.example", employees=499)
    lead.refresh_from_db()
    assert lead.score == 10 + 15 + 7
    # A new rule rescores the open leads at once.
    services.rule_create(model=LeadScoringRule, acting_user=org.admin, name="all", field="name", operator="not_empty", value="", points=1)
    lead.refresh_from_db()
    assert lead.score == 33
    scoring.set_score_hook(lambda lead, points: points * 2 + 1)
    try:
        services.lead_update(lead=lead, acting_user=org.rep, title="工程师")
        lead.refresh_from_db()
        assert lead.score == (10 + 7 + 1) * 2 + 1
    finally:
        scoring.set_score_hook(None)


def test_assignment_by_territory_takes_the_least_loaded_member(org, make_user):
    second = make_user("second", team=org.north)
    from guanxi.core import services as core

    core.territory_update(territory=org.shanghai, acting_user=org.admin, data={}, members=[org.rep, second])
    services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="上海", order=1, province="上海市", method="territory")
    first = services.lead_create(acting_user=org.admin, name="甲", province="上海市")
    following = services.lead_create(acting_user=org.admin, name="乙", province="上海市")
    assert {first.owner, following.owner} == {org.rep, second}
    assert Notification.objects.filter(recipient=first.owner, title__contains="甲").exists()
    # A lead elsewhere matches no rule: the creator keeps it.
    assert services.lead_create(acting_user=org.admin, name="丙", province="北京市").owner == org.admin


def test_round_robin_within_a_team_and_least_load(org, make_user):
    east2 = make_user("east2", team=org.east)
    services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="rr", order=1, source="web", method="round_robin", team=org.east)
    owners = [services.lead_create(acting_user=org.admin, name=f"线索{n}", source="web").owner for n in range(4)]
    members = sorted([org.manager, org.rep, east2], key=lambda u: u.pk)
    assert owners == [members[0], members[1], members[2], members[0]]
    services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="load", order=2, method="least_load", team=org.east)
    # Open leads now: members[0] 2, the others 1 each; the least loaded with the lowest id gets it.
    assert services.lead_create(acting_user=org.admin, name="新", source="phone").owner == members[1]


def test_assignment_rule_needs_its_team_or_user(org):
    with pytest.raises(ValidationError) as caught:
        services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="x", method="round_robin")
    assert "team" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="x", method="user")
    assert "user" in caught.value.message_dict


def test_status_flow_and_disqualification_reason(org, sales):
    lead = sales.mine.lead
    services.lead_set_status(lead=lead, acting_user=org.rep, status="working")
    with pytest.raises(ValidationError) as caught:
        services.lead_set_status(lead=lead, acting_user=org.rep, status="disqualified")
    assert "disqualify_reason" in caught.value.message_dict
    services.lead_disqualify(lead=lead, acting_user=org.rep, reason="no_budget", note="明年再说")
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason, lead.disqualify_note) == ("disqualified", "no_budget", "明年再说")
    with pytest.raises(ValidationError) as caught:
        services.lead_set_status(lead=lead, acting_user=org.rep, status="qualified")
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.lead_convert(lead=lead, acting_user=org.rep)
    services.lead_set_status(lead=lead, acting_user=org.rep, status="working")
    lead.refresh_from_db()
    assert lead.disqualify_reason == ""


def test_escalation_notifies_the_manager_and_reassigns(org, make_user, sales):
    colleague = make_user("colleague", team=org.east)
    lead = sales.mine.lead
    Lead.objects.filter(pk=lead.pk).update(last_touched_at=timezone.now() - datetime.timedelta(hours=50))
    fresh = services.lead_create(acting_user=org.rep, owner=org.rep, name="新线索")
    call_command("sales_escalate", "--hours", "48", stdout=open("/dev/null", "w"))
    lead.refresh_from_db()
    fresh.refresh_from_db()
    assert lead.owner == colleague and lead.escalated_at is not None
    assert fresh.owner == org.rep and fresh.escalated_at is None
    note = Notification.objects.get(recipient=org.manager)
    assert "陈小红" in note.title and note.url == lead.get_absolute_url()
    assert Notification.objects.filter(recipient=colleague, url=lead.get_absolute_url()).exists()
    assert AuditEntry.objects.filter(content_type__model="lead", object_id=str(lead.pk), action="update", source="cli").exists()
    # Escalated once: a second run leaves it alone until it is untouched again.
    assert services.lead_escalate_stale(hours=48) == []


def test_duplicate_candidates_by_name_and_phone(org, sales):
    lead = services.lead_create(acting_user=org.rep, owner=org.rep, name="王五", company="张三科技", phone="139 9999 0000")
    assert org.rep_account in selectors.duplicate_accounts(user=org.rep, lead=lead)
    by_phone = services.lead_create(acting_user=org.rep, owner=org.rep, name="王六", company="完全不同公司", phone="138 1234 5678")
    assert org.rep_account in selectors.duplicate_accounts(user=org.rep, lead=by_phone)
    # Only visible accounts are offered.
    hidden = services.lead_create(acting_user=org.rep, owner=org.rep, name="某", company="北方重工")
    assert org.other_account not in selectors.duplicate_accounts(user=org.rep, lead=hidden)


def test_convert_into_new_account_contact_and_opportunity(org, sales):
    lead = sales.mine.lead
    services.lead_update(lead=lead, acting_user=org.rep, budget=Decimal("50000.50"), title="采购经理", industry="technology")
    result = services.lead_convert(lead=lead, acting_user=org.rep, opportunity_name="红星 CRM")
    lead.refresh_from_db()
    account, contact, opportunity = result["account"], result["contact"], result["opportunity"]
    assert lead.status == "converted" and lead.converted_account == account and lead.converted_opportunity == opportunity
    assert account.name == "红星电子有限公司" and account.owner == org.rep and account.source == "web"
    assert account.territory == org.shanghai
    assert contact.name == "陈小红" and contact.title == "采购经理" and contact.primary_account == account
    assert contact.primary_phone == "+8613911112222" and contact.primary_email == "chen@hongxing.example"
    assert opportunity.amount == Decimal("50000.50") and opportunity.lead == lead and opportunity.contact == contact
    assert account.timeline_events.filter(kind="lead.converted").exists()
    with pytest.raises(ValidationError) as caught:
        services.lead_convert(lead=lead, acting_user=org.rep)
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.lead_update(lead=lead, acting_user=org.rep, name="改名")


def test_convert_into_an_existing_account_without_opportunity(org, sales):
    accounts, contacts = Account.objects.count(), Contact.objects.count()
    result = services.lead_convert(lead=sales.mine.lead, acting_user=org.rep, account=org.rep_account, create_opportunity=False)
    assert result["account"] == org.rep_account and result["opportunity"] is None
    assert Account.objects.count() == accounts and Contact.objects.count() == contacts + 1
    assert org.rep_account.contact_links.filter(contact=result["contact"]).exists()


def test_a_failed_conversion_leaves_nothing_behind(org, sales):
    from guanxi.sales.models import Pipeline

    Pipeline.objects.update(is_active=False)  # no pipeline: the opportunity cannot be made
    accounts, contacts = Account.objects.count(), Contact.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.lead_convert(lead=sales.mine.lead, acting_user=org.rep)
    assert "pipeline" in caught.value.message_dict
    sales.mine.lead.refresh_from_db()
    assert sales.mine.lead.status == "new"
    assert (Account.objects.count(), Contact.objects.count()) == (accounts, contacts)
