"""The bulk path of an import chunk: rows checked in Python, matched set-wise, written with bulk inserts.

The per-row path (each row through ``account_create``, ``phone_add`` … in its own savepoint) costs
about 75 SQL statements a row. This path keeps its guarantees for a whole chunk at a time:

- **Normalization and validation per row**, in Python, before anything is written: the same cell
  conversion, E.164 phones, e-mail validation, address parsing, width folding and name keys as the
  services, and the model's own field validation (``full_clean``). A bad row becomes
  ``ImportRowError`` rows naming the column and reason; the good rows of the chunk are written.
- **Duplicate check, set-wise**: in *update* and *skip* modes the chunk's keys (E.164 phone, e-mail
  key, folded name) are looked up in one query against the ``MatchKey`` table, narrowed to the records
  the importing user can see in a second; earlier chunks of the same file are already keyed, and
  rows of the same chunk that share a key are matched to the first of them (skipped, or applied to
  the record the first one created).
- **Writes**: the new parties, then their phones, e-mails, addresses, account links (with the
  visibility keys ``account_owner`` / ``account_territory``), match keys, timeline events, audit rows
  and ``ImportedRecord`` rows, each with one bulk insert. Derived fields (pinyin, initials, search
  text, primary phone / e-mail, the account's province / city / postal code and territory) are
  computed here exactly as the services compute them (tested by comparing both paths).
- **Audit**: one audit row per created account or contact (its snapshot plus the phone, e-mail and
  address created with it), bulk-inserted, source ``import`` and detail "batch N file"; the children
  get no rows of their own. Rows that update an existing record go through the services as before
  (their own audit rows with old and new values).
- **Resumability and undo** are the runner's: the chunk, its records and the checkpoint commit
  together. A created account or contact is recorded once (``ImportedRecord``); undoing it deletes
  it, and its phones, e-mails, addresses and links with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import AuditEntry
from guanxi.core.services import territory_for
from guanxi.customers import events
from guanxi.customers.models import Account, AccountContact, Address, Contact, EmailAddress, PhoneNumber, TimelineEvent
from guanxi.framework import audit
from guanxi.framework.context import current_source
from guanxi.framework.text import fold, phone_kind, phone_search_keys, pinyin_keys, search_document, tidy

from .. import matching
from ..choices import ImportKey, ImportMode, RecordAction
from ..models import ImportedRecord, MatchKey
from ..normalizers import company_key, parse_address
from ..normalizers.email import validate_email
from .fields import PARTY

ADDRESS_PARTS = ("province", "city", "district", "street", "postal_code")
#: party fields the services leave untouched by ``tidy`` (free text)
FREE_TEXT = {"description"}


@dataclass(eq=False)
class Row:
    number: int
    values: dict[str, Any]
    party_data: dict[str, Any]
    email: str = ""
    address: dict[str, str] = field(default_factory=dict)
    account: Account | None = None


def prepare(writer, number: int, raw: dict[str, str]) -> Row:
    """Convert and normalize one row; a ``ValidationError`` naming the field when it cannot be imported."""
    values = writer.converted(raw)
    if "phone" in values:
        values["phone"] = writer._phone(values["phone"])
    email = validate_email(values["email"]).lower() if values.get("email") else ""
    address = {k: tidy(values[k]) for k in ADDRESS_PARTS if values.get(k)}
    if values.get("address"):
        parsed = parse_address(values["address"])
        parts = {"province": parsed.province, "city": parsed.city, "district": parsed.district, "street": parsed.street}
        address = {**{k: v for k, v in parts.items() if v}, **address}  # a column of its own wins
    party_data = {k: v for k, v in values.items() if writer.fields[k].role == PARTY}
    party_data = {k: tidy(v) if isinstance(v, str) and k not in FREE_TEXT else v for k, v in party_data.items()}
    return Row(number=number, values=values, party_data=party_data, email=email, address=address)


def _key_of(writer, row: Row) -> tuple[str, str] | None:
    """(match-key kind, value) of the row for the batch's key, or None when the row has none."""
    key = writer.batch.key
    if key == ImportKey.PHONE and row.values.get("phone"):
        return "phone", row.values["phone"]
    if key == ImportKey.EMAIL and row.email:
        return "email", matching.safe_email_key(row.email)
    if key == ImportKey.NAME and row.values.get("name"):
        value = matching.name_keys(tidy(row.values["name"]), company=False).get("name")
        return ("name", value) if value else None
    if key == ImportKey.ID and row.values.get("id") is not None:
        return "id", str(row.values["id"])
    return None


def _existing(writer, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """key -> id of the oldest visible record holding it: one query on the keys, one for visibility."""
    if not keys:
        return {}
    model = writer.model
    party = model._meta.model_name
    holders: dict[tuple[str, str], list[int]] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    for kind, values in by_kind.items():
        if kind == "id":
            for pk in values:
                holders.setdefault(("id", pk), []).append(int(pk))
            continue
        rows = MatchKey.objects.filter(kind=kind, value__in=values, party=party).values_list("value", "object_id")
        for value, pk in rows:
            holders.setdefault((kind, value), []).append(pk)
    ids = {pk for pks in holders.values() for pk in pks}
    visible = set(model.objects.visible_to(writer.user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    out = {}
    for key, pks in holders.items():
        seen = sorted(pk for pk in pks if pk in visible)
        if seen:
            out[key] = seen[0]
    return out


def _accounts(writer, rows: list[Row]) -> None:
    """Fill ``writer._accounts`` (name -> visible account) for the account names of the rows, in one query."""
    names = {tidy(r.values["account"]) for r in rows if r.values.get("account")} - set(writer._accounts)
    names.discard("")
    if names:
        found: dict[str, Account] = {}
        pinyin = {pinyin_keys(n)[0][:400] for n in names}  # the (name_pinyin, id) index finds them
        for account in Account.objects.visible_to(writer.user).filter(name_pinyin__in=pinyin, name__in=names).order_by("-pk"):
            found[account.name] = account  # the oldest wins, as in the per-row path
        for name in names:
            writer._accounts[name] = found.get(name)
    ids = {r.values["account_id"] for r in rows if r.values.get("account_id") is not None}
    writer._account_ids = getattr(writer, "_account_ids", {})
    missing = ids - set(writer._account_ids)
    if missing:
        found_ids = Account.objects.visible_to(writer.user).in_bulk(missing)
        for pk in missing:
            writer._account_ids[pk] = found_ids.get(pk)


def account_of(writer, row: Row) -> Account | None:
    """The contact's account from the prefetched maps, with the per-row path's messages."""
    values = row.values
    if values.get("account_id") is not None:
        account = writer._account_ids.get(values["account_id"])
        if account is None:
            raise ValidationError({"account_id": _("No account with ID %(id)s that you can see.") % {"id": values["account_id"]}})
        return account
    name = tidy(values.get("account") or "")
    if not name:
        return None
    account = writer._accounts.get(name)
    if account is None:
        raise ValidationError({"account": _("No account named “%(name)s” that you can see.") % {"name": name}})
    return account


def _split_name(data: dict[str, Any]) -> None:
    """As ``contact_create``: a name from family and given name when the row has none."""
    if not data.get("name") and (data.get("family_name") or data.get("given_name")):
        family, given = data.get("family_name", ""), data.get("given_name", "")
        cjk = any("\u4e00" <= ch <= "\u9fff" for ch in family + given)
        data["name"] = (family + given).strip() if cjk else f"{given} {family}".strip()


class Builder:
    """Turns prepared rows into unsaved model instances, with the derived fields the services set."""

    def __init__(self, writer):
        self.writer = writer
        self.user = writer.user
        self._territories: dict[tuple, int | None] = {}
        self._pinyin: dict[str, tuple[str, str]] = {}

    def territory_id(self, province: str, city: str, postal_code: str, industry: str) -> int | None:
        probe = (province, city, postal_code, industry)
        if probe not in self._territories:
            territory = territory_for(province=province, city=city, postal_code=postal_code, industry=industry)
            self._territories[probe] = territory.pk if territory else None
        return self._territories[probe]

    def pinyin(self, name: str) -> tuple[str, str]:
        """``pinyin_keys`` once per distinct name of the chunk (names repeat; pinyin is the costliest key)."""
        if name not in self._pinyin:
            self._pinyin[name] = pinyin_keys(name)
        return self._pinyin[name]

    def match_keys(self, kind: str, name: str, phone: str, email: str) -> list[tuple[str, str]]:
        """``matching.keys_for`` with the pinyin computed once (the equivalence test compares both)."""
        keys = {"name": fold(name).replace(" ", ""), "pinyin": self.pinyin(name)[0]}
        if kind == "account":
            keys["company"] = company_key(name)
        out = [(k, v[:matching.MAX_VALUE]) for k, v in keys.items() if v]
        if phone:
            out.append(("phone", phone))
        if email:
            out.append(("email", matching.safe_email_key(email)))
        return out

    def party(self, row: Row):
        data = dict(row.party_data)
        data.pop("id", None)
        if not data.get("name") and not (data.get("family_name") or data.get("given_name")):
            raise ValidationError({"name": _("A name is needed to create a record.")})
        phone = row.values.get("phone", "")
        if self.writer.model is Account:
            data.setdefault("owner", self.user)
            data.setdefault("currency", settings.GUANXI_DEFAULT_CURRENCY)
            party = Account(**data)
            place = {k: row.address.get(k, "") for k in ("province", "city", "postal_code")}
            if row.address:  # the primary address sets the account's place, as ``address_add`` does
                for name, value in place.items():
                    setattr(party, name, value)
            party.territory_id = self.territory_id(party.province, party.city, party.postal_code, party.industry)
        else:
            _split_name(data)
            row.account = account_of(self.writer, row)
            data.setdefault("owner", row.account.owner if row.account is not None else self.user)
            party = Contact(**data)
            if row.account is not None:
                party.primary_account = row.account
        full, initials = self.pinyin(party.name)
        meta = party._meta  # cut to the model's lengths: a too-long name is reported as the name alone
        party.name_pinyin = full[:min(400, meta.get_field("name_pinyin").max_length)]
        party.name_initials = initials[:min(100, meta.get_field("name_initials").max_length)]
        party.search_text = search_document(
            party.name, party.name_pinyin, party.name_initials, *([phone_search_keys(phone)] if phone else []),
            *([row.email] if row.email else []),
        )
        party.primary_phone, party.primary_email = phone, row.email
        # the related records (owner, account, territory) were looked up above: no query per row for them
        party.full_clean(exclude=["owner", "primary_account", "territory"], validate_unique=False, validate_constraints=False)
        return party

    def children(self, row: Row, party) -> list:
        link = {"account": party} if isinstance(party, Account) else {"contact": party}
        out = []
        if row.values.get("phone"):
            number = row.values["phone"]
            out.append(PhoneNumber(**link, number=number, kind=phone_kind(number), is_primary=True))
        if row.email:
            out.append(EmailAddress(**link, email=row.email, is_primary=True))
        if row.address:
            out.append(Address(**link, **row.address, is_primary=True))
        for child in out:
            child.full_clean(exclude=["account", "contact"], validate_unique=False, validate_constraints=False)
        return out


def _insert(model, objs: list) -> list:
    """Insert ``objs`` (ids are filled in); the one place a test makes fail to simulate a crash."""
    if objs:
        model.objects.bulk_create(objs, batch_size=2000)
    return objs


def write_chunk(batch, writer, header, rows, outcome, errors_for) -> None:
    """Write a chunk of (row number, cells) through the bulk path into ``outcome``."""
    mode = batch.mode
    prepared: list[Row] = []
    for number, cells in rows:
        try:
            prepared.append(prepare(writer, number, writer.values(header, cells)))
        except ValidationError as exc:
            outcome.errors.extend(errors_for(batch, number, exc, writer))
            outcome.error_rows += 1
    if writer.model is Contact:
        _accounts(writer, prepared)

    # --- duplicate check: existing records, then earlier rows of the same chunk ----------------
    creates: list[Row] = []
    updates: list[tuple[Row, Any]] = []  # (row, id of an existing record, or the Row that creates it)
    if mode == ImportMode.CREATE:
        creates = prepared
    else:
        keyed = {r: _key_of(writer, r) for r in prepared}
        existing = _existing(writer, {k for k in keyed.values() if k})
        first_in_file: dict[tuple[str, str], Row] = {}
        for row in prepared:
            key = keyed[row]
            found = existing.get(key) if key else None
            if found is None and key in first_in_file:
                found = first_in_file[key]
            if found is None:
                if key and key[0] != "id":
                    first_in_file[key] = row
                creates.append(row)
            elif mode == ImportMode.SKIP:
                outcome.skipped += 1
            else:
                updates.append((row, found))

    # --- build and validate the new records -----------------------------------------------------
    builder = Builder(writer)
    parties, made = [], []
    for row in creates:
        try:
            party = builder.party(row)
            kids = builder.children(row, party)
        except ValidationError as exc:
            outcome.errors.extend(errors_for(batch, row.number, exc, writer))
            outcome.error_rows += 1
            continue
        parties.append(party)
        made.append((row, party, kids))

    # --- write them -----------------------------------------------------------------------------
    _write_new(batch, writer, builder, made, outcome)

    # --- rows that update an existing record (or one created above): through the services -----
    if updates:
        by_id = writer.model.objects.in_bulk([f for _r, f in updates if isinstance(f, int)])
        created = {id(row): party for row, party, _k in made}
        with matching.deferred():
            for row, found in updates:
                # None when the row it matched was rejected above: this one creates the record instead
                target = by_id.get(found) if isinstance(found, int) else created.get(id(found))
                try:
                    with transaction.atomic():
                        writer.apply(row.number, row.values, outcome, target)
                except ValidationError as exc:
                    outcome.errors.extend(errors_for(batch, row.number, exc, writer))
                    outcome.error_rows += 1


def _write_new(batch, writer, builder, made, outcome) -> None:
    if not made:
        return
    user = writer.user
    model = writer.model
    kind = model._meta.model_name
    _insert(model, [party for _r, party, _k in made])
    children: dict[type, list] = {PhoneNumber: [], EmailAddress: [], Address: []}
    for _row, party, kids in made:
        for child in kids:
            setattr(child, f"{kind}_id", party.pk)  # the party had no id when the child was built
            children[type(child)].append(child)
    for child_model, objs in children.items():
        _insert(child_model, objs)

    links = []
    if model is Contact:
        accounts = {row.account.pk for row, _p, _k in made if row.account is not None}
        linked = set(AccountContact.objects.filter(account_id__in=accounts).values_list("account_id", flat=True).distinct())
        for row, party, _k in made:
            if row.account is None:
                continue
            account = row.account
            links.append(AccountContact(
                account=account, contact=party, role=row.values.get("role", ""), is_primary=account.pk not in linked,
                account_owner_id=account.owner_id, account_territory_id=account.territory_id,
            ))
            linked.add(account.pk)
        _insert(AccountContact, links)

    _insert(MatchKey, [
        MatchKey(party=kind, object_id=party.pk, kind=k, value=v)
        for row, party, _k in made
        for k, v in builder.match_keys(kind, party.name, row.values.get("phone", ""), row.email)
    ])

    now = timezone.now()
    if model is Account:
        title = events._render("account.created", {})
        timeline = [TimelineEvent(account=p, occurred_at=now, kind="account.created", title=title[:200], data={}, actor=user)
                    for _r, p, _k in made]
    else:
        timeline = [TimelineEvent(
            account=link.account, occurred_at=now, kind="contact.linked", data={"name": link.contact.name},
            title=events._render("contact.linked", {"name": link.contact.name})[:200], actor=user,
            url=link.contact.get_absolute_url(),
        ) for link in links]
    _insert(TimelineEvent, timeline)

    source = current_source()
    content_type = ContentType.objects.get_for_model(model)
    entries = []
    for row, party, kids in made:
        changes = {k: [None, v] for k, v in audit.snapshot(party).items() if v not in (None, "", [], False)}
        for child in kids:
            label = child._meta.model_name
            changes[label] = [None, str(child)]
        entries.append(AuditEntry(
            actor=user if getattr(user, "pk", None) else None, action=audit.CREATE, content_type=content_type,
            object_id=str(party.pk), object_repr=str(party)[:200], changes=changes, source=source.source,
            source_detail=source.detail[:200], ip=source.ip, request_id=source.request_id,
        ))
    _insert(AuditEntry, entries)

    records = [ImportedRecord(batch=batch, row_number=row.number, model=kind, object_id=party.pk, action=RecordAction.CREATED)
               for row, party, _k in made]
    outcome.records.extend(records)
    outcome.created += len(made)


def bulk_supported() -> bool:
    return connection.features.can_return_rows_from_bulk_insert
