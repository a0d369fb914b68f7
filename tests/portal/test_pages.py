"""Portal pages with two customers: each sees only its own account's cases, notes, files and the public articles."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.service import services as service_services
from guanxi.service.choices import CaseStatus
from guanxi.service.models import ArticleFeedback, Case, CaseAttachment

from .conftest import link_second_account, portal_client

pytestmark = pytest.mark.django_db


def test_home_and_list_show_only_the_own_account(customers, clients):
    home = clients.a.get("/portal/").content.decode()
    assert customers.a_case.number in home and customers.b_case.number not in home
    assert "打印机无法连接网络" in home and "打印机内部排障手册" not in home
    listing = clients.a.get("/portal/cases/?status=all").content.decode()
    assert customers.a_case.number in listing and customers.b_case.number not in listing
    other = clients.b.get("/portal/cases/?status=all").content.decode()
    assert customers.b_case.number in other and customers.a_case.number not in other


def test_list_filters_by_status_and_words(customers, clients, desk):
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="resolved")
    assert customers.a_case.number not in clients.a.get("/portal/cases/?status=open").content.decode()
    assert customers.a_case.number in clients.a.get("/portal/cases/?status=resolved").content.decode()
    assert customers.a_case.number in clients.a.get("/portal/cases/?status=all&q=打印机").content.decode()
    assert customers.a_case.number not in clients.a.get("/portal/cases/?status=all&q=发票").content.decode()
    assert clients.a.get("/portal/cases/?status=bogus&page=abc").status_code == 200


def test_case_detail_shows_public_notes_only_and_guessing_gives_404(customers, clients):
    page = clients.a.get(f"/portal/cases/{customers.a_case.pk}/").content.decode()
    assert "公开回复 A" in page and "内部备注 A" not in page
    for path in (f"/portal/cases/{customers.b_case.pk}/", f"/portal/cases/{customers.b_case.pk + 1000}/"):
        assert clients.a.get(path).status_code == 404
    assert clients.a.post(f"/portal/cases/{customers.b_case.pk}/reply/", {"body": "hi"}).status_code == 404
    assert clients.a.post(f"/portal/cases/{customers.b_case.pk}/close/", {"satisfaction": 5}).status_code == 404
    assert customers.b_case.notes.count() == 0


def test_new_case_is_a_portal_case_of_the_contact_with_its_file(customers, clients):
    upload = SimpleUploadedFile("截图.png", b"\x89PNG fake", content_type="image/png")
    response = clients.a.post("/portal/cases/new/", {"subject": "无法登录", "case_type": "problem", "description": "提示密码错误", "file": upload})
    assert response.status_code == 302
    case = Case.objects.get(subject="无法登录")
    assert (case.account, case.contact, case.channel, case.created_by) == (customers.a_account, customers.a.contact, "portal", None)
    attachment = case.attachments.get()
    assert attachment.is_public and attachment.filename == "截图.png"
    download = clients.a.get(f"/portal/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\x89PNG fake"
    assert clients.b.get(f"/portal/files/{attachment.pk}/").status_code == 404
    from guanxi.core.models import AuditEntry

    entry = AuditEntry.objects.get(object_id=str(case.pk), action="create", content_type__model="case")
    assert entry.actor is None and "portal zhangsan@example.com" in entry.source_detail


def test_new_case_refuses_bad_files_and_empty_fields_keeping_the_input(customers, clients, settings):
    settings.GUANXI_PORTAL_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("log.txt", b"x" * 11, content_type="text/plain")
    response = clients.a.post("/portal/cases/new/", {"subject": "文件太大", "case_type": "problem", "description": "说明", "file": big})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-field-error="file"' in body and "文件太大" in body
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = clients.a.post("/portal/cases/new/", {"subject": "程序", "case_type": "problem", "description": "说明", "file": script})
    assert 'data-field-error="file"' in response.content.decode() and "exe" in response.content.decode()
    response = clients.a.post("/portal/cases/new/", {"subject": "", "case_type": "problem", "description": ""})
    assert 'data-field-error="subject"' in response.content.decode()
    assert not Case.objects.filter(subject__in=["文件太大", "程序"]).exists()


def test_reply_adds_a_customer_note_and_reopens_a_pending_case(customers, clients, desk):
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="pending")
    upload = SimpleUploadedFile("photo.jpg", b"jpeg", content_type="image/jpeg")
    response = clients.a.post(f"/portal/cases/{customers.a_case.pk}/reply/", {"body": "型号是 X100", "file": upload})
    assert response.status_code == 302
    customers.a_case.refresh_from_db()
    note = customers.a_case.notes.get(body="型号是 X100")
    assert note.is_public and note.from_customer and note.author is None
    assert customers.a_case.status == CaseStatus.OPEN
    assert CaseAttachment.objects.get(note=note).is_public
    assert "型号是 X100" in clients.a.get(f"/portal/cases/{customers.a_case.pk}/").content.decode()
    empty = clients.a.post(f"/portal/cases/{customers.a_case.pk}/reply/", {"body": " "})
    assert empty.status_code == 400 and 'data-field-error="body"' in empty.content.decode()


def test_resolved_case_can_be_closed_with_the_survey(customers, clients, desk):
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="resolved")
    page = clients.a.get(f"/portal/cases/{customers.a_case.pk}/").content.decode()
    assert 'action="/portal/cases/%d/close/"' % customers.a_case.pk in page
    bad = clients.a.post(f"/portal/cases/{customers.a_case.pk}/close/", {"satisfaction": 9})
    assert bad.status_code == 400 and 'data-field-error="satisfaction"' in bad.content.decode()
    assert clients.a.post(f"/portal/cases/{customers.a_case.pk}/close/", {"satisfaction": 4, "comment": "很快"}).status_code == 302
    customers.a_case.refresh_from_db()
    assert (customers.a_case.status, customers.a_case.satisfaction, customers.a_case.satisfaction_comment) == ("closed", 4, "很快")
    assert customers.a_case.survey_interaction.contact == customers.a.contact
    # a closed case takes no reply
    closed = clients.a.post(f"/portal/cases/{customers.a_case.pk}/reply/", {"body": "再问一下"})
    assert closed.status_code == 400 and not customers.a_case.notes.filter(body="再问一下").exists()


def test_reply_to_a_resolved_case_opens_it_again(customers, clients, desk):
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="resolved")
    clients.a.post(f"/portal/cases/{customers.a_case.pk}/reply/", {"body": "还是不行"})
    customers.a_case.refresh_from_db()
    assert customers.a_case.status == CaseStatus.OPEN and customers.a_case.reopen_count == 1


def test_knowledge_search_returns_public_articles_only(customers, clients):
    page = clients.a.get("/portal/help/?q=打印机").content.decode()
    assert "打印机无法连接网络" in page and "打印机内部排障手册" not in page
    assert clients.a.get(f"/portal/help/{customers.public_article.pk}/").status_code == 200
    assert clients.a.get(f"/portal/help/{customers.internal_article.pk}/").status_code == 404
    assert clients.a.post(f"/portal/help/{customers.internal_article.pk}/feedback/", {"helpful": "yes"}).status_code == 404


def test_was_this_helpful_counts_once_per_session(customers, clients):
    path = f"/portal/help/{customers.public_article.pk}/feedback/"
    clients.a.post(path, {"helpful": "yes"})
    clients.a.post(path, {"helpful": "yes"})
    customers.public_article.refresh_from_db()
    assert customers.public_article.helpful_count == 1 and ArticleFeedback.objects.count() == 1
    assert "Thank you for your feedback" in clients.a.get(f"/portal/help/{customers.public_article.pk}/").content.decode() or \
        "感谢" in clients.a.get(f"/portal/help/{customers.public_article.pk}/").content.decode()


def test_a_contact_of_several_accounts_sees_each_separately(customers, org, desk):
    second = link_second_account(org, customers.a.contact)
    second_case = service_services.case_create(acting_user=org.rep, account=second, contact=customers.a.contact, subject="第二家的工单")
    client = portal_client(customers.a)
    assert customers.a_case.number in client.get("/portal/cases/?status=all").content.decode()
    assert second_case.number not in client.get("/portal/cases/?status=all").content.decode()
    assert client.get(f"/portal/cases/{second_case.pk}/").status_code == 404
    client.post("/portal/account/", {"account": second.pk})
    listing = client.get("/portal/cases/?status=all").content.decode()
    assert second_case.number in listing and customers.a_case.number not in listing
    # an account the contact is not linked to cannot be picked
    client.post("/portal/account/", {"account": customers.b_account.pk})
    assert customers.b_case.number not in client.get("/portal/cases/?status=all").content.decode()


def test_unlinked_contact_loses_access(customers, org):
    from guanxi.customers import services as customer_services

    client = portal_client(customers.b)
    link = customers.b.contact.account_links.get()
    customer_services.contact_unlink(link=link, acting_user=org.other)
    assert client.get("/portal/").status_code == 302


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_do_not_grow_with_rows(customers, clients, desk):
    list_before = _queries(clients.a, "/portal/cases/?status=all")
    detail_before = _queries(clients.a, f"/portal/cases/{customers.a_case.pk}/")
    for n in range(5):
        service_services.case_create(acting_user=desk.agent, account=customers.a_account, contact=customers.a.contact, subject=f"更多 {n}")
        service_services.case_note_add(case=customers.a_case, acting_user=desk.agent, body=f"回复 {n}", is_public=True, send_email=False,
                                       files=[SimpleUploadedFile(f"f{n}.txt", b"x")])
    assert _queries(clients.a, "/portal/cases/?status=all") == list_before
    assert _queries(clients.a, f"/portal/cases/{customers.a_case.pk}/") == detail_before
    assert detail_before <= 14


def test_pages_in_chinese_show_no_untranslated_text(customers, desk):
    from django.test import Client

    from tests.core.test_i18n import english_words

    from .conftest import PORTAL_PASSWORD

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    login = client.get("/portal/login/").content.decode()
    assert english_words(login, set()) == set()
    client.post("/portal/login/", {"email": customers.a.email, "password": PORTAL_PASSWORD})
    service_services.case_set_status(case=customers.a_case, acting_user=desk.agent, status="resolved")
    data_words = {"zhangsan", "example", "com", "cs-"}  # case numbers are data
    for path in ("/portal/", "/portal/cases/?status=all", f"/portal/cases/{customers.a_case.pk}/", "/portal/cases/new/",
                 "/portal/help/?q=打印机", f"/portal/help/{customers.public_article.pk}/", "/portal/products/", "/portal/contracts/",
                 "/portal/returns/", "/portal/password-reset/"):
        html = client.get(path).content.decode()
        assert english_words(html, data_words) == set(), path
