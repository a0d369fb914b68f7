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
        send(gateway, letter("陌生人", "你好", sender="nobody@unknown.example"))
    assert refused.value.smtp_code == 550 and "not a known customer" in caplog.text

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
