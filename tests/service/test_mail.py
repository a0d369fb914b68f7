"""An e-mail round trip through the real SMTP gateway (aiosmtpd) with Python's smtplib: a new case,
threaded replies, attachments, bad mail refused with a log entry, and the agent's reply sent out."""

from __future__ import annotations

import email
import email.policy
import smtplib
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from guanxi.customers import services as customer_services
from guanxi.service import mail, services
from guanxi.service.models import Case, CaseNote

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An outbound SMTP server that keeps what it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def gateway():
    controller = Controller(mail.GatewayHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def outbox(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield sink.messages
    controller.stop()


def send(gateway, message: EmailMessage, to="support@example.cn"):
    with smtplib.SMTP(gateway.hostname, gateway.port) as client:
        client.send_message(message, to_addrs=[to])


def letter(subject: str, body: str, sender="zhangsan@example.cn", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"张三 <{sender}>", "support@example.cn", subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def test_round_trip(org, desk, gateway, outbox, caplog):
    customer_services.email_add(party=org.rep_contact, acting_user=org.rep, email="ZhangSan@Example.cn")
    services.queue_update(queue=desk.queue, acting_user=org.admin, email="support@example.cn")

    first = letter("打印机坏了", "办公室打印机无法打印，附上截图。", Message_ID="<m1@example.cn>")
    first.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="截图.png")
    send(gateway, first)
    case = Case.objects.get()
    assert (case.account, case.contact, case.channel, case.queue, case.subject) == (org.rep_account, org.rep_contact, "email", desk.queue, "打印机坏了")
    note = case.notes.get()
    assert note.from_customer and note.message_id == "<m1@example.cn>" and "无法打印" in note.body
    assert note.attachments.get().filename == "截图.png" and note.attachments.get().file.read() == b"\x89PNG fake"

    # the agent answers: the reply goes out threaded to the customer's message
    services.case_note_add(case=case, acting_user=case.assignee, body="请重启打印机后再试。", is_public=True)
    assert len(outbox) == 1
    sent = outbox[0]
    assert sent["To"] == "zhangsan@example.cn" and case.number in sent["Subject"] and sent["In-Reply-To"] == "<m1@example.cn>"
    assert "请重启打印机后再试" in sent.get_body().get_content()
    assert CaseNote.objects.get(body="请重启打印机后再试。").message_id == sent["Message-ID"]

    # the customer answers the agent's mail: threaded by In-Reply-To
    send(gateway, letter("Re: 已重启", "重启后还是不行。", In_Reply_To=sent["Message-ID"]))
    # and writes again with only the case number in the subject
    send(gateway, letter(f"关于 {case.number.lower()} 的补充", "型号是 HP M404。"))
    assert Case.objects.count() == 1
    assert list(case.notes.filter(from_customer=True).values_list("body", flat=True)) == ["办公室打印机无法打印，附上截图。", "重启后还是不行。", "型号是 HP M404。"]


def test_bad_mail_is_refused_with_a_log_entry(org, desk, gateway, caplog, monkeypatch):
    caplog.set_level("WARNING", logger="guanxi.service.mail")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(gateway, letter("没有发件人", "你好", sender="not-an-address"))
    assert refused.value.smtp_code == 550 and "no valid From address" in caplog.text

    monkeypatch.setattr(mail, "MAX_BYTES", 2000)
    customer_services.email_add(party=org.rep_account, acting_user=org.rep, email="info@zhangsan.cn")
    big = letter("大附件", "见附件", sender="info@zhangsan.cn")
    big.add_attachment(b"x" * 5000, maintype="application", subtype="octet-stream", filename="big.bin")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(gateway, big)
    assert refused.value.smtp_code == 552 and "larger than the limit" in caplog.text

    with smtplib.SMTP(gateway.hostname, gateway.port) as client:
        client.ehlo()
        client.mail("x@y.z")
        client.rcpt("support@example.cn")
        code, _reply = client.data(b"this is not a message at all\r\n")
    assert code == 550 and "malformed" in caplog.text
    assert not Case.objects.exists()


def test_unknown_sender_opens_an_unidentified_case_then_linking_attaches_later_mail(org, desk, gateway, outbox, caplog, client_for):
    from guanxi.customers.models import EmailAddress
    from guanxi.service import requesters

    caplog.set_level("INFO", logger="guanxi.service.mail")
    services.queue_update(queue=desk.queue, acting_user=org.admin, email="support@example.cn")
    first = letter("发票开错了", "请帮忙重开发票。", sender="Wang.Wu@NewCo.example", Message_ID="<u1@newco.example>")
    first.replace_header("From", "王五 <Wang.Wu@NewCo.example>")
    first.add_attachment(b"%PDF fake", maintype="application", subtype="pdf", filename="发票.pdf")
    send(gateway, first)
    case = Case.objects.get()
    assert case.account is None and case.contact is None and case.queue == desk.queue and case.channel == "email"
    assert (case.requester_email, case.requester_name) == ("wang.wu@newco.example", "王五")
    assert case.assignee in (desk.agent, desk.agent2)  # routed in the recipient address's queue
    assert case.sla_policy == desk.policy and case.resolution_due_at is not None
    assert case.notes.get().attachments.get().filename == "发票.pdf"
    assert "customer not identified" in caplog.text

    # the agent's reply goes back to the sender
    services.case_note_add(case=case, acting_user=case.assignee, body="请提供订单号。", is_public=True)
    assert outbox[-1]["To"] == "wang.wu@newco.example"
    # the sender's answer threads onto the same case; new mail without references opens a second unidentified case
    send(gateway, letter("Re: 发票", "订单号 SO-1", sender="wang.wu@newco.example", In_Reply_To=outbox[-1]["Message-ID"]))
    send(gateway, letter("另一个问题", "还有一事", sender="wang.wu@newco.example"))
    assert Case.objects.count() == 2 and case.notes.filter(from_customer=True).count() == 2
    second = Case.objects.exclude(pk=case.pk).get()

    # link the customer: a new contact of rep's account with the sender's address; the sender's other case follows
    done = requesters.case_link_customer(case=case, acting_user=desk.agent, account=org.rep_account, new_contact_name="王五")
    case.refresh_from_db()
    second.refresh_from_db()
    assert case.account == org.rep_account and case.contact == done["contact"] and done["address_added"]
    assert second.account == org.rep_account and sorted(done["linked"]) == sorted([case.number, second.number])
    assert EmailAddress.objects.filter(contact=done["contact"], email="wang.wu@newco.example").exists()
    assert org.rep_account.timeline_events.filter(kind="case.customer_linked").count() == 2

    # later mail from the address reaches the customer directly
    send(gateway, letter("新问题", "打印机卡纸", sender="wang.wu@newco.example"))
    third = Case.objects.order_by("-id").first()
    assert third.account == org.rep_account and third.contact == done["contact"]
