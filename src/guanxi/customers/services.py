"""Writes of customer data. Every create, update and delete of a record goes through here.

Each service is keyword-only, takes ``acting_user``, runs in one transaction, validates and
normalizes its input, keeps the derived keys (pinyin, search text, primary phone/e-mail,
province/city, territory) in step, and leaves one audit row per changed record.
"""

from __future__ import annotations

from typing import Any, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.services import territory_for
from guanxi.framework import services as base
from guanxi.framework.text import InvalidPhone, normalize_phone, phone_kind, phone_search_keys, pinyin_keys, search_document, tidy

from . import events
from .models import (
    Account, AccountContact, Address, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber, Tag,
)

ACCOUNT_FIELDS = {
    "kind", "name", "website", "industry", "source", "lifecycle_stage", "value_tier", "credit_rating",
    "satisfaction_score", "loyalty_score", "employees", "annual_revenue", "currency", "owner", "territory",
    "territory_locked", "province", "city", "postal_code", "description", "consent_email", "consent_sms",
    "consent_phone", "do_not_call", "do_not_email", "do_not_sms", "do_not_mail", "do_not_visit",
}
CONTACT_FIELDS = {
    "name", "family_name", "given_name", "title", "department", "gender", "birthday", "owner", "description",
    "consent_email", "consent_sms", "consent_phone", "do_not_call", "do_not_email", "do_not_sms", "do_not_mail",
    "do_not_visit",
}
INTERACTION_FIELDS = {
    "account", "contact", "user", "direction", "channel", "started_at", "duration_seconds", "reason", "outcome",
    "satisfaction", "script", "notes",
}


def _reject_unknown(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})


def _tidy_text(data: dict[str, Any]) -> dict[str, Any]:
    return {k: tidy(v) if isinstance(v, str) and k not in {"description", "notes", "body"} else v for k, v in data.items()}


# --- derived keys -------------------------------------------------------------------------------

def _phone_keys(party) -> list[str]:
    return [phone_search_keys(n) for n in party.phonenumber_set.values_list("number", flat=True)] if party.pk else []


def _email_keys(party) -> list[str]:
    return list(party.emailaddress_set.values_list("email", flat=True)) if party.pk else []


def _name_keys(name: str) -> dict[str, str]:
    full, initials = pinyin_keys(name)
    return {"name_pinyin": full[:400], "name_initials": initials[:100]}


def _derived(party, name: str | None = None) -> dict[str, Any]:
    name = party.name if name is None else name
    keys = _name_keys(name)
    keys["search_text"] = search_document(name, keys["name_pinyin"], keys["name_initials"], *_phone_keys(party), *_email_keys(party))
    return keys


def _refresh_party(party) -> None:
    """Recompute the search keys and primary phone/e-mail of an account or contact after a child changed."""
    phone = party.phonenumber_set.order_by("-is_primary", "id").values_list("number", flat=True).first() or ""
    email = party.emailaddress_set.order_by("-is_primary", "id").values_list("email", flat=True).first() or ""
    fields = {**_derived(party), "primary_phone": phone, "primary_email": email}
    if isinstance(party, Account):
        address = party.address_set.order_by("-is_primary", "id").first()
        if address is not None:
            fields.update(province=address.province, city=address.city, postal_code=address.postal_code)
            fields.update(_placement(party, address.province, address.city, address.postal_code, party.industry))
    for name, value in fields.items():
        setattr(party, name, value)
    type(party).objects.filter(pk=party.pk).update(**fields)


def party_refresh(*, party) -> None:
    """Recompute an account's or contact's derived keys (search text, pinyin, primary phone / e-mail, the
    account's place and territory) from its current phones, e-mails and addresses. For code that moved
    child rows by other means than these services (a merge re-pointing them, a bulk load); a contact's
    links then take its name keys again (:func:`contact_links_sync`)."""
    _refresh_party(party)
    if isinstance(party, Contact):
        contact_links_sync(contact=party)


def _placement(account: Account, province: str, city: str, postal_code: str, industry: str) -> dict[str, Any]:
    if account.territory_locked:
        return {}
    territory = territory_for(province=province, city=city, postal_code=postal_code, industry=industry)
    return {"territory_id": territory.pk if territory else account.territory_id}


# --- accounts -----------------------------------------------------------------------------------

@transaction.atomic
def account_create(*, acting_user, tags: Iterable[Tag] = (), **data) -> Account:
    _reject_unknown(data, ACCOUNT_FIELDS)
    data = _tidy_text(data)
    data.setdefault("owner", acting_user)
    data.setdefault("currency", settings.GUANXI_DEFAULT_CURRENCY)
    account = Account(**data)
    if not data.get("territory"):
        territory = territory_for(province=account.province, city=account.city, postal_code=account.postal_code, industry=account.industry)
        account.territory = territory
    for name, value in _derived(account).items():
        setattr(account, name, value)
    base.create(account, acting_user=acting_user, m2m={"tags": tags})
    events.account_created(account, acting_user)
    return account


@transaction.atomic
def account_update(*, account: Account, acting_user, tags: Iterable[Tag] | None = None, **data) -> dict:
    _reject_unknown(data, ACCOUNT_FIELDS)
    data = _tidy_text(data)
    derived: dict[str, Any] = {}
    if "name" in data and data["name"] != account.name:
        derived.update(_derived(account, data["name"]))
    place_keys = ("province", "city", "postal_code", "industry")
    if "territory" not in data and any(k in data and data[k] != getattr(account, k) for k in place_keys):
        probe = {k: data.get(k, getattr(account, k)) for k in place_keys}
        if not data.get("territory_locked", account.territory_locked):
            territory = territory_for(**probe)
            if territory is not None and territory.pk != account.territory_id:
                data["territory"] = territory
    changes = base.update(account, acting_user=acting_user, data=data, m2m={"tags": tags} if tags is not None else None, derived=derived)
    if "owner" in changes or "territory" in changes:
        account_links_sync(account=account)
    if changes:
        events.account_updated(account, acting_user, changes)
    return changes


def account_links_sync(*, account: Account) -> int:
    """Copy the account's owner and territory onto its contact links (the contacts' visibility keys).

    The account services call it whenever either changes; code that moves links or accounts by other
    means (a merge re-pointing links, a bulk load) calls it too. Returns the number of links updated.
    """
    return AccountContact.objects.filter(account=account).exclude(
        account_owner_id=account.owner_id, account_territory_id=account.territory_id,
    ).update(account_owner_id=account.owner_id, account_territory_id=account.territory_id)


@transaction.atomic
def account_delete(*, account: Account, acting_user) -> None:
    base.delete(account, acting_user=acting_user)


def parties_delete(*, parties: list[Account] | list[Contact], acting_user) -> None:
    """Delete many accounts or many contacts (all of one kind) as ``account_delete`` / ``contact_delete``
    would one by one (an audit row each, the related rows with them), set-wise (``base.delete_many``)."""
    base.delete_many(parties, acting_user=acting_user)


@transaction.atomic
def accounts_bulk_update(
    *, accounts: Iterable[Account], acting_user, owner=None, territory=None, add_tags: Iterable[Tag] = (),
    remove_tags: Iterable[Tag] = (),
) -> int:
    """Change owner, territory and tags of many accounts; each changed account gets its own audit row."""
    add_tags, remove_tags = list(add_tags), list(remove_tags)
    changed = 0
    for account in accounts:
        data: dict[str, Any] = {}
        if owner is not None:
            data["owner"] = owner
        if territory is not None:
            data["territory"] = territory
            data["territory_locked"] = True
        tags = None
        if add_tags or remove_tags:
            current = {t.pk for t in account.tags.all()}
            wanted = (current | {t.pk for t in add_tags}) - {t.pk for t in remove_tags}
            tags = list(Tag.objects.filter(pk__in=wanted)) if wanted != current else None
        if account_update(account=account, acting_user=acting_user, tags=tags, **data):
            changed += 1
    return changed


# --- contacts -----------------------------------------------------------------------------------

def _split_name(data: dict[str, Any]) -> None:
    if not data.get("name") and (data.get("family_name") or data.get("given_name")):
        family, given = data.get("family_name", ""), data.get("given_name", "")
        joiner = "" if any("\u4e00" <= ch <= "\u9fff" for ch in family + given) else " "
        data["name"] = (family + joiner + given).strip() if joiner == "" else f"{given} {family}".strip()


@transaction.atomic
def contact_create(
    *, acting_user, account: Account | None = None, role: str = "", tags: Iterable[Tag] = (), **data
) -> Contact:
    _reject_unknown(data, CONTACT_FIELDS)
    data = _tidy_text(data)
    _split_name(data)
    data.setdefault("owner", account.owner if account is not None else acting_user)
    contact = Contact(**data)
    for name, value in _derived(contact).items():
        setattr(contact, name, value)
    base.create(contact, acting_user=acting_user, m2m={"tags": tags})
    if account is not None:
        contact_link(contact=contact, account=account, role=role, is_primary=not account.contact_links.exists(), acting_user=acting_user)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, acting_user, tags: Iterable[Tag] | None = None, **data) -> dict:
    _reject_unknown(data, CONTACT_FIELDS)
    data = _tidy_text(data)
    derived: dict[str, Any] = {}
    if "name" in data and data["name"] != contact.name:
        derived.update(_derived(contact, data["name"]))
    changes = base.update(contact, acting_user=acting_user, data=data, m2m={"tags": tags} if tags is not None else None, derived=derived)
    if derived:
        contact_links_sync(contact=contact)
    return changes


def contact_links_sync(*, contact: Contact) -> int:
    """Copy the contact's pinyin and initials onto its account links (what a name search by prefix reads
    there, see ``selectors.contact_search``). The contact services call it when the name changes; code
    that moves links by other means (a merge re-pointing them, a bulk load) calls it too, through
    :func:`party_refresh`. Returns the number of links updated."""
    return AccountContact.objects.filter(contact=contact).exclude(
        contact_pinyin=contact.name_pinyin, contact_initials=contact.name_initials,
    ).update(contact_pinyin=contact.name_pinyin, contact_initials=contact.name_initials)


@transaction.atomic
def contact_delete(*, contact: Contact, acting_user) -> None:
    base.delete(contact, acting_user=acting_user)


@transaction.atomic
def contact_link(*, contact: Contact, account: Account, acting_user, role: str = "", is_primary: bool = False) -> AccountContact:
    link = AccountContact.objects.filter(account=account, contact=contact).first()
    if link is None:
        link = base.create(
            AccountContact(
                account=account, contact=contact, role=role, is_primary=is_primary,
                account_owner_id=account.owner_id, account_territory_id=account.territory_id,
                contact_pinyin=contact.name_pinyin, contact_initials=contact.name_initials,
            ),
            acting_user=acting_user,
        )
    else:
        base.update(link, acting_user=acting_user, data={"role": role, "is_primary": is_primary})
    if is_primary:
        AccountContact.objects.filter(account=account, is_primary=True).exclude(pk=link.pk).update(is_primary=False)
    if contact.primary_account_id is None:
        contact.primary_account = account
        Contact.objects.filter(pk=contact.pk).update(primary_account=account)
    events.contact_linked(link, acting_user)
    return link


@transaction.atomic
def contact_unlink(*, link: AccountContact, acting_user) -> None:
    contact = link.contact
    base.delete(link, acting_user=acting_user)
    if contact.primary_account_id == link.account_id:
        other = contact.account_links.values_list("account_id", flat=True).first()
        Contact.objects.filter(pk=contact.pk).update(primary_account_id=other)


# --- child records: addresses, phones, e-mails --------------------------------------------------

def _party_kwargs(party) -> dict[str, Any]:
    return {"account": party} if isinstance(party, Account) else {"contact": party}


def _only_primary(model, party, keep) -> None:
    model.objects.filter(**_party_kwargs(party), is_primary=True).exclude(pk=keep.pk).update(is_primary=False)


def _normalized_phone(number: str) -> str:
    try:
        return normalize_phone(number, settings.GUANXI_DEFAULT_REGION)
    except InvalidPhone:
        raise ValidationError({"number": _("“%(number)s” is not a valid phone number.") % {"number": number}}) from None


@transaction.atomic
def phone_add(*, party, acting_user, number: str, kind: str | None = None, extension: str = "", is_primary: bool | None = None) -> PhoneNumber:
    """Add a phone; without a ``kind``, mobile or landline is told from the number itself."""
    e164 = _normalized_phone(number)
    kind = kind or phone_kind(e164)
    if is_primary is None:
        is_primary = not party.phonenumber_set.exists()
    phone = base.create(PhoneNumber(**_party_kwargs(party), number=e164, kind=kind, extension=tidy(extension), is_primary=is_primary), acting_user=acting_user)
    if is_primary:
        _only_primary(PhoneNumber, party, phone)
    _refresh_party(party)
    return phone


@transaction.atomic
def phone_update(*, phone: PhoneNumber, acting_user, **data) -> dict:
    if "number" in data:
        data["number"] = _normalized_phone(data["number"])
    changes = base.update(phone, acting_user=acting_user, data=data)
    if phone.is_primary:
        _only_primary(PhoneNumber, phone.party, phone)
    _refresh_party(phone.party)
    return changes


@transaction.atomic
def email_add(*, party, acting_user, email: str, kind: str = "work", is_primary: bool | None = None) -> EmailAddress:
    if is_primary is None:
        is_primary = not party.emailaddress_set.exists()
    address = base.create(EmailAddress(**_party_kwargs(party), email=tidy(email).lower(), kind=kind, is_primary=is_primary), acting_user=acting_user)
    if is_primary:
        _only_primary(EmailAddress, party, address)
    _refresh_party(party)
    return address


@transaction.atomic
def email_update(*, email: EmailAddress, acting_user, **data) -> dict:
    if "email" in data:
        data["email"] = tidy(data["email"]).lower()
    changes = base.update(email, acting_user=acting_user, data=data)
    if email.is_primary:
        _only_primary(EmailAddress, email.party, email)
    _refresh_party(email.party)
    return changes


ADDRESS_FIELDS = ("kind", "country", "province", "city", "district", "street", "postal_code", "is_primary")


@transaction.atomic
def address_add(*, party, acting_user, **data) -> Address:
    data = _tidy_text({k: v for k, v in data.items() if k in ADDRESS_FIELDS})
    if data.get("is_primary") is None:
        data["is_primary"] = not party.address_set.exists()
    address = base.create(Address(**_party_kwargs(party), **data), acting_user=acting_user)
    if address.is_primary:
        _only_primary(Address, party, address)
    _refresh_party(party)
    return address


@transaction.atomic
def address_update(*, address: Address, acting_user, **data) -> dict:
    changes = base.update(address, acting_user=acting_user, data=_tidy_text(data))
    if address.is_primary:
        _only_primary(Address, address.party, address)
    _refresh_party(address.party)
    return changes


@transaction.atomic
def child_delete(*, record, acting_user) -> None:
    """Delete an address, phone, e-mail, document or note, and refresh its party's derived keys."""
    party = record.party
    base.delete(record, acting_user=acting_user)
    if isinstance(record, Document) and record.file:
        transaction.on_commit(lambda: record.file.delete(save=False))
    if isinstance(record, (Address, PhoneNumber, EmailAddress)):
        _refresh_party(party)


# --- documents and notes ------------------------------------------------------------------------

@transaction.atomic
def document_add(*, party, acting_user, title: str, file) -> Document:
    limit = settings.GUANXI_MAX_ATTACHMENT_BYTES
    if file.size > limit:
        raise ValidationError({"file": _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}})
    document = Document(
        **_party_kwargs(party), title=tidy(title) or file.name, file=file, size=file.size,
        content_type_label=getattr(file, "content_type", "") or "", uploaded_by=acting_user,
    )
    base.create(document, acting_user=acting_user)
    return document


@transaction.atomic
def note_add(*, party, acting_user, body: str) -> Note:
    if not body.strip():
        raise ValidationError({"body": _("A note cannot be empty.")})
    return base.create(Note(**_party_kwargs(party), body=body.strip(), author=acting_user), acting_user=acting_user)


@transaction.atomic
def note_update(*, note: Note, acting_user, body: str) -> dict:
    if not body.strip():
        raise ValidationError({"body": _("A note cannot be empty.")})
    return base.update(note, acting_user=acting_user, data={"body": body.strip()})


@transaction.atomic
def document_update(*, document: Document, acting_user, title: str) -> dict:
    """Rename a document; its file stays (a new file is a new document)."""
    return base.update(document, acting_user=acting_user, data={"title": tidy(title)})


# --- interactions -------------------------------------------------------------------------------

def _check_interaction(data: dict[str, Any]) -> None:
    contact, account = data.get("contact"), data.get("account")
    if contact is not None and account is not None and not contact.account_links.filter(account=account).exists():
        raise ValidationError({"contact": _("This contact is not linked to the account.")})


@transaction.atomic
def interaction_create(*, acting_user, documents: Iterable[Document] = (), **data) -> Interaction:
    _reject_unknown(data, INTERACTION_FIELDS)
    data.setdefault("user", acting_user)
    _check_interaction(data)
    interaction = base.create(Interaction(**data), acting_user=acting_user, m2m={"documents": documents})
    Account.objects.filter(pk=interaction.account_id).update(updated_at=interaction.created_at)
    return interaction


@transaction.atomic
def interaction_update(*, interaction: Interaction, acting_user, documents=None, **data) -> dict:
    _reject_unknown(data, INTERACTION_FIELDS)
    _check_interaction({"account": data.get("account", interaction.account), "contact": data.get("contact", interaction.contact)})
    return base.update(interaction, acting_user=acting_user, data=data, m2m={"documents": documents} if documents is not None else None)


@transaction.atomic
def interaction_delete(*, interaction: Interaction, acting_user) -> None:
    base.delete(interaction, acting_user=acting_user)


@transaction.atomic
def tag_create(*, acting_user, name: str, color: str = "secondary") -> Tag:
    return base.create(Tag(name=tidy(name), color=color), acting_user=acting_user)


@transaction.atomic
def tag_update(*, tag: Tag, acting_user, **data) -> dict:
    _reject_unknown(data, {"name", "color"})
    return base.update(tag, acting_user=acting_user, data=_tidy_text(data))


@transaction.atomic
def tag_delete(*, tag: Tag, acting_user) -> None:
    base.delete(tag, acting_user=acting_user)


# --- territory realignment ----------------------------------------------------------------------

REALIGN_BATCH = 2000
REALIGN_PERMISSIONS = ("core.change_territory", "customers.change_account")


def _check_realign_permission(user) -> None:
    from django.core.exceptions import PermissionDenied

    if not user.has_perms(REALIGN_PERMISSIONS):
        raise PermissionDenied(_("Realigning accounts needs the permissions to change territories and accounts."))


REALIGN_KEEP_OWNERS, REALIGN_MEMBER_OWNERS = "keep", "members"


def accounts_realign_start(*, acting_user, from_territory=None, to_territory=None, owners: str = REALIGN_KEEP_OWNERS):
    """Start the background job that applies a realignment; returns the job (its page shows progress)."""
    from guanxi.framework import jobs

    _check_realign_permission(acting_user)
    params = {"from_territory": getattr(from_territory, "pk", None), "to_territory": getattr(to_territory, "pk", None), "owners": owners}
    return jobs.start(user=acting_user, kind="customers_realign", title=_("Realign accounts to their territories"), params=params)


def accounts_realign(
    *, acting_user, from_territory=None, to_territory=None, owners: str = REALIGN_KEEP_OWNERS, batch_size: int = REALIGN_BATCH,
    on_progress=None,
) -> int:
    """Move every non-locked account the user can see into the territory its criteria give now.

    The plan is computed afresh (see ``customers.realign``), then applied in batches of ``batch_size``
    accounts, each batch in its own transaction: the accounts' territory, their contact links'
    ``account_territory`` copy, and one audit row per moved account. A batch that is done stays done,
    so an interrupted run is resumed by running it again, and a second run moves nothing.

    ``owners="keep"`` keeps every owner; ``owners="members"`` gives the moved accounts to the active
    members of their new territory in turn (by user id); a territory without members keeps the
    owners of the accounts moving into it. Returns the number of accounts moved.
    """
    from guanxi.core.models import Territory

    from .realign import realign_plan

    _check_realign_permission(acting_user)
    if owners not in (REALIGN_KEEP_OWNERS, REALIGN_MEMBER_OWNERS):
        raise ValidationError({"owners": _("Choose whether to keep the owners or to give the accounts to the territory's members.")})
    plan = realign_plan(user=acting_user, from_territory=from_territory, to_territory=to_territory)
    members: dict[int, list[int]] = {}
    if owners == REALIGN_MEMBER_OWNERS:
        for territory_id, user_id in (Territory.members.through.objects.filter(territory_id__in=list(plan.targets), user__is_active=True)
                                      .order_by("user_id").values_list("territory_id", "user_id")):
            members.setdefault(territory_id, []).append(user_id)
    turns: dict[int, int] = {}
    total = plan.total
    if on_progress:
        on_progress(0, total)
    moving = plan.moving().order_by("pk").values_list("pk", "name", "realign_key")
    moved, last = 0, 0
    while True:
        batch = list(moving.filter(pk__gt=last)[:batch_size])
        if not batch:
            break
        last = batch[-1][0]
        moved += _realign_batch(batch, plan, acting_user, members, turns)
        if on_progress:
            on_progress(moved, total)
    return moved


@transaction.atomic
def _realign_batch(batch: list[tuple], plan, acting_user, members: dict[int, list[int]], turns: dict[int, int]) -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from guanxi.core.models import AuditEntry
    from guanxi.framework.context import current_source

    by_target: dict[int, list[tuple]] = {}
    for row in batch:
        by_target.setdefault(plan.target_for(row[2]), []).append(row)
    now = timezone.now()
    source = current_source()
    content_type = ContentType.objects.get_for_model(Account)
    actor = acting_user if getattr(acting_user, "pk", None) else None
    moved = 0
    entries = []
    for target, rows in by_target.items():
        # Locked since the plan was made, or moved by someone else: such rows are left alone.
        still = {pk: (territory_id, owner_id) for pk, territory_id, owner_id in Account.objects.select_for_update()
                 .filter(pk__in=[row[0] for row in rows], territory_locked=False).exclude(territory_id=target)
                 .values_list("pk", "territory_id", "owner_id")}
        if not still:
            continue
        Account.objects.filter(pk__in=still).update(territory_id=target, updated_at=now)
        AccountContact.objects.filter(account_id__in=still).update(account_territory_id=target)
        new_owners: dict[int, int] = {}
        if members.get(target):
            team = members[target]
            for pk in sorted(still):
                new_owners[pk] = team[turns.get(target, 0) % len(team)]
                turns[target] = turns.get(target, 0) + 1
            for owner_id in set(new_owners.values()):
                given = [pk for pk, owner in new_owners.items() if owner == owner_id]
                Account.objects.filter(pk__in=given).update(owner_id=owner_id)
                AccountContact.objects.filter(account_id__in=given).update(account_owner_id=owner_id)
        for pk, name, _key in rows:
            if pk not in still:
                continue
            old_territory, old_owner = still[pk]
            changes = {"territory": [old_territory, target]}
            if new_owners.get(pk, old_owner) != old_owner:
                changes["owner"] = [old_owner, new_owners[pk]]
            entries.append(AuditEntry(
                actor=actor, action="update", content_type=content_type, object_id=str(pk), object_repr=name[:200],
                changes=changes, source=source.source, source_detail=source.detail[:200], ip=source.ip, request_id=source.request_id,
            ))
        moved += len(still)
    AuditEntry.objects.bulk_create(entries)
    return moved
