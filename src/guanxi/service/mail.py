"""E-mail in and out of cases.

Inbound (:func:`receive`): a message becomes a new case, or a note on the case it answers — found by
its ``In-Reply-To`` / ``References`` headers (the Message-IDs of earlier notes), else by a case number
in the subject. Attachments are kept. Mail from an address no customer has opens a case whose customer is
not identified yet (see :mod:`guanxi.service.requesters`), in the queue of the address it was sent to.
Mail that is too large or malformed is refused with a clear log entry (logger ``guanxi.service.mail``),
and the SMTP gateway (:class:`GatewayHandler`, ``guanxi mailgateway``) answers it with a 5xx code.

Outbound (:func:`send_reply`): a customer-visible reply on a case goes out over SMTP from the
``service/email`` templates, threaded to the customer's last message.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction

logger = logging.getLogger("guanxi.service.mail")
CASE_NUMBER = re.compile(r"\bCS-\d{4}-\d{6}\b", re.I)
MAX_BYTES = getattr(settings, "GUANXI_MAX_INBOUND_MAIL_BYTES", 25 * 1024 * 1024)


class Refused(Exception):
    """Mail the gateway will not take; ``code`` is the SMTP reply code."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class Received:
    case_id: int
    note_id: int
    created: bool


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _text(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = re.sub(r"<[^>]+>", " ", content)
    return content.strip()


def _attachments(message) -> list[ContentFile]:
    files = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        upload = ContentFile(payload, name=(part.get_filename() or "attachment").replace("/", "_")[:200])
        upload.content_type = part.get_content_type()
        files.append(upload)
    return files


def parse(raw: bytes):
    """The message, or :class:`Refused` when it is too large or lacks what a case needs."""
    if len(raw) > MAX_BYTES:
        raise Refused(552, f"message of {len(raw)} bytes is larger than the limit of {MAX_BYTES}")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        sender = email.utils.parseaddr(str(message.get("From", "")))[1].strip().lower()
        validate_email(sender)
    except ValidationError:
        raise Refused(550, "malformed message: no valid From address") from None
    except Exception as exc:  # the email package raises many kinds on broken input
        raise Refused(550, f"malformed message: {exc}") from None
    if message.defects and not message.get("Subject") and not _text(message):
        raise Refused(550, f"malformed message: {', '.join(type(d).__name__ for d in message.defects)}")
    return message, sender


def _thread_case(message):
    from .models import Case, CaseNote

    for message_id in reversed(_ids(message.get("In-Reply-To")) + _ids(message.get("References"))):
        note = CaseNote.objects.filter(message_id=message_id).exclude(message_id="").select_related("case").first()
        if note is not None:
            return note.case
    match = CASE_NUMBER.search(str(message.get("Subject", "")))
    if match:
        return Case.objects.filter(number=match.group(0).upper()).first()
    return None


def _customer(sender: str):
    """(account, contact) of a sender's e-mail address, or (None, None)."""
    from guanxi.customers.models import EmailAddress

    address = EmailAddress.objects.filter(email=sender).select_related("contact", "account").order_by("id").first()
    if address is None:
        return None, None
    if address.account_id:
        return address.account, None
    contact = address.contact
    link = contact.account_links.select_related("account").order_by("-is_primary", "id").first()
    return (link.account if link else None), contact


@transaction.atomic
def receive(raw: bytes, *, recipients: list[str] = ()) -> Received:
    """Turn one inbound message into a case or a note on its case."""
    from . import services
    from .models import Queue

    message, sender = parse(raw)
    body = _text(message) or "(—)"
    files = _attachments(message)
    message_id = (_ids(message.get("Message-ID")) or [""])[0][:250]
    subject = str(message.get("Subject", "")).strip()[:200] or "(—)"
    try:
        case = _thread_case(message)
        if case is not None:
            note = services.case_note_add(case=case, acting_user=None, body=body, from_customer=True, files=files,
                                          message_id=message_id, email_from=sender)
            logger.info("mail from %s added to case %s", sender, case.number)
            return Received(case.pk, note.pk, False)
        account, contact = _customer(sender)
        queue = Queue.objects.filter(email__in=[r.lower() for r in recipients], is_active=True).first() if recipients else None
        if account is None:
            # an unknown sender: the case waits in the queue for an agent to identify the customer
            name = email.utils.parseaddr(str(message.get("From", "")))[0].strip()[:200]
            case = services.case_create(acting_user=None, account=None, requester_email=sender, requester_name=name,
                                        subject=subject, channel="email", queue=queue)
        else:
            case = services.case_create(acting_user=None, account=account, contact=contact, subject=subject, channel="email", queue=queue)
        note = services.case_note_add(case=case, acting_user=None, body=body, from_customer=True, files=files,
                                      message_id=message_id, email_from=sender)
    except ValidationError as exc:
        raise Refused(550, f"message refused: {'; '.join(exc.messages)}") from None
    logger.info("mail from %s opened case %s%s", sender, case.number, "" if case.account_id else " (customer not identified)")
    return Received(case.pk, note.pk, True)


def reply_address(case) -> str:
    """Where a reply to the customer goes: the last sender who wrote in, else the contact's or account's e-mail."""
    last = case.notes.filter(from_customer=True).exclude(email_from="").order_by("-created_at", "-id").values_list("email_from", flat=True).first()
    if last:
        return last
    if case.contact_id and case.contact.primary_email:
        return case.contact.primary_email
    if case.account_id:
        return case.account.primary_email
    return case.requester_email


def send_reply(note) -> str:
    """Send a customer-visible note by e-mail, threaded; returns its Message-ID ("" when there is nobody to send to)."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    case = note.case
    to = reply_address(case)
    if not to:
        return ""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "guanxi.local"
    message_id = email.utils.make_msgid(idstring=case.number, domain=domain)
    earlier = list(case.notes.exclude(message_id="").exclude(pk=note.pk).order_by("created_at", "id").values_list("message_id", flat=True))
    headers = {"Message-ID": message_id}
    if earlier:
        headers.update({"In-Reply-To": earlier[-1], "References": " ".join(earlier[-10:])})
    reply_to = case.queue.email if case.queue_id and case.queue.email else None
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("service/email/subject.txt", {"case": case}).strip()
        body = render_to_string("service/email/reply.txt", {"case": case, "note": note})
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers, reply_to=[reply_to] if reply_to else None)
    for attachment in note.attachments.all():
        with attachment.file.open("rb") as handle:
            message.attach(attachment.filename, handle.read(), attachment.content_type_label or None)
    message.send()
    return message_id


class GatewayHandler:
    """aiosmtpd handler: each message is received in a worker thread (the ORM is synchronous)."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        from django.db import close_old_connections

        raw = envelope.original_content or envelope.content

        def work():
            close_old_connections()
            try:
                return receive(raw, recipients=list(envelope.rcpt_tos))
            finally:
                close_old_connections()

        try:
            done = await asyncio.get_running_loop().run_in_executor(None, work)
        except Refused as refused:
            logger.warning("refused mail from %s (peer %s): %s", envelope.mail_from, session.peer, refused.reason)
            return f"{refused.code} {refused.reason}"
        except Exception:
            logger.exception("could not take mail from %s", envelope.mail_from)
            return "451 Requested action aborted: local error in processing"
        return f"250 OK case {done.case_id}"
