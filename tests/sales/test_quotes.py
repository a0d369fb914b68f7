"""Products, price books, quotes and orders: exact arithmetic, tiers, approval above the discount
threshold by the owner's manager, versions, the Chinese PDF, sending, acceptance into an order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase

from guanxi.core.models import Notification
from guanxi.sales import pricing, services
from guanxi.sales.pdf import quote_pdf

D = Decimal


@pytest.fixture
def catalogue(org):
    crm = services.product_create(acting_user=org.admin, code="CRM-PRO", name="CRM 专业版（年）", list_price=D("9800.00"), tax_rate=D("6"))
    server = services.product_create(acting_user=org.admin, code="SRV-1", name="服务器", list_price=D("23999.99"), tax_rate=D("13"))
    book = services.pricebook_create(acting_user=org.admin, name="标准价", is_default=True)
    services.price_entry_add(price_book=book, acting_user=org.admin, product=crm, unit_price=D("9800.00"))
    services.price_entry_add(price_book=book, acting_user=org.admin, product=crm, min_quantity=D("10"), unit_price=D("8820.00"))
    services.price_entry_add(price_book=book, acting_user=org.admin, product=crm, min_quantity=D("50"), unit_price=D("7840.00"))
    return {"crm": crm, "server": server, "book": book}


def test_line_arithmetic_is_exact_and_rounds_half_up_per_line():
    assert pricing.line_amounts(D("3"), D("33.33"), D("10"), D("13")) == (D("99.99"), D("89.99"), D("11.70"))
    # 0.125 → 0.13 (half up, not banker's 0.12)
    assert pricing.line_amounts(D("1"), D("0.25"), D("50"), D("0")) == (D("0.25"), D("0.13"), D("0.00"))
    assert pricing.line_amounts(D("7"), D("0.10"), D("0"), D("6")) == (D("0.70"), D("0.70"), D("0.04"))


def test_tiers_totals_and_approval_flow(org, catalogue, sales):
    quote = services.quote_create(acting_user=org.rep, account=org.rep_account, contact=org.rep_contact, opportunity=sales.mine.opportunity,
                                  title="CRM 升级报价")
    assert quote.price_book == catalogue["book"] and quote.currency == "CNY" and quote.number.startswith("Q")
    services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["crm"], quantity=D("12"))  # tier ≥ 10: 8820
    services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["server"], quantity=D("2"), discount_percent=D("20"))
    quote.refresh_from_db()
    # CRM: 12 × 8820 = 105840.00, VAT 6 % = 6350.40; server: 2 × 23999.99 = 47999.98, −20 % = 38399.98 (38399.984), VAT 13 % = 4992.00 (4991.9974)
    assert quote.subtotal == D("153839.98")
    assert quote.discount_total == D("9600.00")
    assert quote.tax_total == D("11342.40")
    assert quote.total == D("155582.38")
    assert quote.max_discount == D("20")
    # 20 % > 15 %: the rep's manager must approve.
    assert services.quote_submit(quote=quote, acting_user=org.rep) == "pending"
    quote.refresh_from_db()
    assert quote.approver == org.manager
    assert Notification.objects.filter(recipient=org.manager, url=quote.get_absolute_url()).exists()
    with pytest.raises(ValidationError) as caught:
        services.quote_approve(quote=quote, acting_user=org.rep)
    assert "approver" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["crm"], quantity=D("1"))
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.quote_reject(quote=quote, acting_user=org.manager, note="")
    assert "note" in caught.value.message_dict
    services.quote_reject(quote=quote, acting_user=org.manager, note="折扣太大")
    quote.refresh_from_db()
    assert quote.status == "rejected"
    line = quote.lines.get(product=catalogue["server"])
    services.quote_line_update(line=line, acting_user=org.rep, discount_percent=D("10"))
    assert services.quote_submit(quote=quote, acting_user=org.rep) == "approved"  # within the threshold


def test_versions_pdf_sending_and_acceptance(org, catalogue, sales, settings, stages):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quote = services.quote_create(acting_user=org.rep, opportunity=sales.mine.opportunity, title="第一版 <测试> & 报价", terms="付款：30天内\n质保一年")
    services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["crm"], quantity=D("1"), description="张三科技专用版")
    services.quote_submit(quote=quote, acting_user=org.rep)
    quote.refresh_from_db()
    pdf = quote_pdf(quote)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.quote_send(quote=quote, acting_user=org.rep, to="zhangsan@example.com")
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"
    second = services.quote_new_version(quote=quote, acting_user=org.rep)
    quote.refresh_from_db()
    assert (quote.status, second.version, second.number, second.status) == ("superseded", 2, quote.number, "draft")
    assert second.lines.get().description == "张三科技专用版" and second.total == quote.total
    with pytest.raises(ValidationError):
        services.quote_accept(quote=second, acting_user=org.rep)  # not approved yet
    services.quote_submit(quote=second, acting_user=org.rep)
    second.refresh_from_db()
    order = services.quote_accept(quote=second, acting_user=org.rep)
    assert order.total == second.total and order.account == org.rep_account and order.status == "confirmed"
    sales.mine.opportunity.refresh_from_db()
    assert sales.mine.opportunity.status == "won"
    with pytest.raises(ValidationError) as caught:
        services.order_set_status(order=order, acting_user=org.rep, status="paid")
    assert "status" in caught.value.message_dict
    services.order_set_status(order=order, acting_user=org.rep, status="in_progress")
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_contact_and_opportunity_must_belong_to_the_account(org, catalogue, sales):
    with pytest.raises(ValidationError) as caught:
        services.quote_create(acting_user=org.rep, account=org.rep_account, contact=org.other_contact, title="x")
    assert "contact" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.quote_create(acting_user=org.rep, account=org.rep_account, opportunity=sales.theirs.opportunity, title="x")
    assert "opportunity" in caught.value.message_dict
    quote = services.quote_create(acting_user=org.rep, account=org.rep_account, title="x")
    with pytest.raises(ValidationError) as caught:
        services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["crm"], quantity=D("0"))
    assert "quantity" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.quote_submit(quote=quote, acting_user=org.rep)
    assert "lines" in caught.value.message_dict


def test_quote_pages_visibility_and_approval_through_the_ui(org, catalogue, sales, client_for):
    quote = services.quote_create(acting_user=org.rep, account=org.rep_account, title="页面报价")
    theirs = services.quote_create(acting_user=org.other, account=org.other_account, title="别人的报价")
    rep = client_for(org.rep)
    added = rep.post(f"/sales/quotes/{quote.pk}/lines/add/", {"product": catalogue["crm"].pk, "quantity": "2", "discount_percent": "30"})
    assert added.status_code == 302
    rep.post(f"/sales/quotes/{quote.pk}/submit/")
    quote.refresh_from_db()
    assert quote.status == "pending" and quote.total == D("14543.20")  # 2 × 9800 × 0.7 = 13720.00, + 6 % VAT 823.20
    page = rep.get(quote.get_absolute_url())
    assert page.status_code == 200 and "543.20" in page.content.decode().split('id="quote-total"')[1][:40]
    assert rep.get(f"/sales/quotes/{quote.pk}/pdf/")["Content-Type"] == "application/pdf"
    manager = client_for(org.manager)
    assert manager.post(f"/sales/quotes/{quote.pk}/approve/", {"note": "同意"}).status_code == 302
    quote.refresh_from_db()
    assert quote.status == "approved"
    for name in ("rep", "manager", "watcher"):
        client = client_for(getattr(org, name))
        assert client.get(theirs.get_absolute_url()).status_code == 404, name
        assert client.get(f"/sales/quotes/{theirs.pk}/pdf/").status_code == 404, name
        assert client.post(f"/sales/quotes/{theirs.pk}/lines/add/", {"product": catalogue["crm"].pk, "quantity": "1"}).status_code == 404
        assert theirs.pk not in {q.pk for q in client.get("/sales/quotes/").context["table"].objects}
    assert client_for(org.other).get(theirs.get_absolute_url()).status_code == 200
    order = services.quote_accept(quote=quote, acting_user=org.rep)
    assert client_for(org.other).get(order.get_absolute_url()).status_code == 404
    assert rep.post(f"/sales/orders/{order.pk}/status/", {"status": "in_progress"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "in_progress"
    assert "页面报价" in rep.get(f"/customers/accounts/{org.rep_account.pk}/").content.decode()


def test_contracts_from_orders_renewal_reminders_and_visibility(org, catalogue, sales, client_for):
    import datetime

    from django.utils import timezone

    quote = services.quote_create(acting_user=org.rep, account=org.rep_account, title="年度服务")
    services.quote_line_add(quote=quote, acting_user=org.rep, product=catalogue["crm"], quantity=D("1"))
    services.quote_submit(quote=quote, acting_user=org.rep)
    quote.refresh_from_db()
    order = services.quote_accept(quote=quote, acting_user=org.rep)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.contract_create(acting_user=org.rep, order=order, title="服务合同", start_date=today, end_date=today - datetime.timedelta(days=1))
    assert "end_date" in caught.value.message_dict
    contract = services.contract_create(acting_user=org.rep, order=order, title="服务合同", status="active", start_date=today,
                                        end_date=today + datetime.timedelta(days=30), renewal_notice_days=45)
    assert (contract.account, contract.value, contract.currency) == (org.rep_account, order.total, "CNY")
    assert services.contracts_remind_renewals(today=today) == 1
    assert services.contracts_remind_renewals(today=today) == 0  # once per end date
    assert Notification.objects.filter(recipient=org.rep, url=contract.get_absolute_url()).count() == 1
    renewal = services.contract_renew(contract=contract, acting_user=org.rep, end_date=today + datetime.timedelta(days=395))
    contract.refresh_from_db()
    assert contract.status == "renewed" and renewal.start_date == today + datetime.timedelta(days=31) and renewal.value == contract.value
    for name, status in (("rep", 200), ("manager", 200), ("other", 404)):
        assert client_for(getattr(org, name)).get(renewal.get_absolute_url()).status_code == status, name
    response = client_for(org.rep).get(f"/sales/contracts/add/?order={order.pk}")
    assert response.status_code == 200
