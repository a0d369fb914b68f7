"""The public web-to-lead form: creates leads with source "web", and keeps spam out (honeypot,
origin check, rate limit per IP address)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from guanxi.sales import services
from guanxi.sales.models import Lead, LeadAssignmentRule, WebToLeadForm

SITE = "https://www.hongxing.example"


@pytest.fixture
def web_form(org):
    cache.clear()
    yield services.rule_create(model=WebToLeadForm, acting_user=org.admin, name="官网", allowed_origins=SITE + "/",
                               campaign="春季发布会", default_owner=org.manager, thank_you="谢谢！")
    cache.clear()


def _post(form, data=None, origin=SITE, ip="203.0.113.7"):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    payload = {"name": "刘备", "company": "蜀汉科技", "phone": "13912340000", "email": "", "description": "想了解报价", "website": ""}
    payload.update(data or {})
    return Client(enforce_csrf_checks=True).post(form.public_url(), payload, REMOTE_ADDR=ip, **headers)


def test_get_shows_the_form_without_login_and_may_be_framed(web_form):
    response = Client().get(web_form.public_url())
    assert response.status_code == 200 and 'name="website"' in response.content.decode()
    assert "X-Frame-Options" not in response
    assert Client().get("/sales/w2l/wrong-key/").status_code == 404


def test_a_post_creates_a_web_lead_for_the_default_owner(org, web_form):
    response = _post(web_form)
    assert response.status_code == 200 and "谢谢！" in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.name, lead.source, lead.campaign, lead.owner, lead.phone) == ("刘备", "web", "春季发布会", org.manager, "+8613912340000")


def test_assignment_rules_apply_to_web_leads(org, web_form):
    services.rule_create(model=LeadAssignmentRule, acting_user=org.admin, name="web", source="web", method="user", user=org.rep)
    _post(web_form)
    assert Lead.objects.get().owner == org.rep


def test_bad_input_is_shown_and_nothing_kept(web_form):
    response = _post(web_form, {"phone": "12", "email": ""})
    assert response.status_code == 400 and "phone" in response.context["form"].errors
    response = _post(web_form, {"phone": "", "email": ""})
    assert response.status_code == 400 and "phone" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_honeypot_origin_and_rate_limit(web_form):
    assert _post(web_form, {"website": "http://spam.example"}).status_code == 200
    assert not Lead.objects.exists()
    assert _post(web_form, origin="https://evil.example").status_code == 403
    assert _post(web_form, origin=None).status_code == 403
    assert not Lead.objects.exists()
    statuses = [_post(web_form, ip="198.51.100.9").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    assert _post(web_form, ip="198.51.100.10").status_code == 200  # another address is not limited
    assert Lead.objects.count() == 6


def test_an_inactive_form_accepts_nothing(org, web_form):
    services.rule_update(rule=web_form, acting_user=org.admin, is_active=False)
    assert _post(web_form).status_code == 404
