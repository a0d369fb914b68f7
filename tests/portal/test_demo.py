"""The demo's portal login: made through the services, reported by ``guanxi demo``."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from guanxi.framework.registry import registry
from guanxi.portal import demo
from guanxi.service import services as service_services

pytestmark = pytest.mark.django_db


def test_demo_builds_a_portal_login_that_works_and_is_reported(org, desk):
    from guanxi.demo.org import DEMO_PASSWORD

    service_services.case_create(acting_user=desk.agent, account=org.rep_account, contact=org.rep_contact, subject="演示工单")
    demo.build(SimpleNamespace(admin=org.admin), random.Random(1), timezone.now())
    demo.build(SimpleNamespace(admin=org.admin), random.Random(1), timezone.now())  # a second run changes nothing
    reports = "\n".join(report() for report in registry.demo_login_reports)
    assert demo.DEMO_EMAIL in reports and DEMO_PASSWORD in reports
    client = Client()
    assert client.post("/portal/login/", {"email": demo.DEMO_EMAIL, "password": DEMO_PASSWORD}).status_code == 302
    assert "演示工单" in client.get("/portal/").content.decode()
