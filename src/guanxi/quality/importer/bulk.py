"""The bulk path of an import chunk: rows checked in Python, matched set-wise, written as plain rows.

The per-row path (each row through ``account_create``, ``phone_add`` … in its own savepoint) costs
about 75 SQL statements a row. This path keeps its guarantees for a whole chunk at a time:

- **Normalization and validation per row**, in Python, before anything is written: the same cell
  conversion, E.164 phones (a fast path for plain Chinese mobiles, :mod:`..normalizers.phone`),
  e-mail validation, address parsing (once per distinct address), width folding and name keys
  (pinyin once per distinct name, :mod:`..normalizers.pinyin`) as the services, and the checks of
  the model's fields that an imported value can fail (:func:`check`: lengths, choices, numbers,
  dates, URLs — what ``full_clean`` would refuse, with Django's own messages). A bad row becomes
  ``ImportRowError`` rows naming the column and reason; the good rows of the chunk are written.
- **Duplicate check, set-wise**: in *update* and *skip* modes the chunk's keys (E.164 phone, e-mail
  key, folded name) are looked up in one query against the ``MatchKey`` table, narrowed to the records
  the importing user can see in a second; earlier chunks of the same file are already keyed, and
  rows of the same chunk that share a key are matched to the first of them (skipped, or applied to
  the record the first one created).
- **Writes**: no model instances. The new parties' ids are reserved in one query
  (:func:`.tables.reserve_ids`), then the parties, their phones, e-mails, addresses, account links
  (with the visibility keys ``account_owner`` / ``account_territory`` and the contact's name keys), match keys, timeline events,
  audit rows and ``ImportedRecord`` rows are written as plain rows, one ``COPY`` per table on
  PostgreSQL (``executemany`` on SQLite; :mod:`.tables`). Derived fields (pinyin, initials, search
  text, primary phone / e-mail, the account's province / city / postal code and territory) are
  computed here exactly as the services compute them (tested by comparing both paths, and COPY
  with the portable path).
- **Audit**: one audit row per created account or contact (its snapshot plus the phone, e-mail and
  address created with it), source ``import`` and detail "batch N file"; the children get no rows of
  their own. Rows that update an existing record go through the services as before (their own
  audit rows with old and new values).
- **Plan, then write**: :func:`plan_chunk` does all of the above and builds the rows (it only reads,
  and reserves ids); :func:`write_plan` writes them. The runner's pipeline plans the next chunk while
  a writer thread writes this one (``runner._run_pipelined``). On PostgreSQL, where allowed
  (:func:`checks_by_locks`), the rows that the new rows refer to are locked and checked once a chunk
  and the per-row foreign-key triggers are off during the ``COPY``s (:func:`_lock_references`).
- **Resumability and undo** are the runner's: the chunk, its records and the checkpoint commit
  together. A created account or contact is recorded once (``ImportedRecord``); undoing it deletes
  it, and its phones, e-mails, addresses and links with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import AuditEntry
from guanxi.core.services import territory_for
from guanxi.customers import events
from guanxi.customers.models import Account, AccountContact, Address, Contact, EmailAddress, PhoneNumber, TimelineEvent
from guanxi.framework import audit
from guanxi.framework.context import current_source
from guanxi.framework.text import fold, search_document, tidy

from .. import matching
from ..choices import ImportKey, ImportMode, RecordAction
from ..models import ImportedRecord, MatchKey
from ..normalizers import company_key, parse_address
from ..normalizers.email import validate_email
from ..normalizers.phone import kind_and_search_keys
from ..normalizers.pinyin import name_pinyin_keys
from . import tables
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
    phone_kind: str = ""
    phone_search: str = ""


def prepare(writer, number: int, raw: dict[str, str]) -> Row:
    """Convert and normalize one row; a ``ValidationError`` naming the field when it cannot be imported."""
    values = writer.converted(raw)
    kind = search = ""
    if "phone" in values:
        values["phone"] = writer._phone(values["phone"])
        kind, search = kind_and_search_keys(values["phone"])
    email = validate_email(values["email"]).lower() if values.get("email") else ""
    address = {k: tidy(values[k]) for k in ADDRESS_PARTS if values.get(k)}
    if values.get("address"):
        parsed = _parsed_address(values["address"])
        parts = {"province": parsed.province, "city": parsed.city, "district": parsed.district, "street": parsed.street}
        address = {**{k: v for k, v in parts.items() if v}, **address}  # a column of its own wins
    party_data = {k: v for k, v in values.items() if writer.fields[k].role == PARTY}
    party_data = {k: tidy(v) if isinstance(v, str) and k not in FREE_TEXT else v for k, v in party_data.items()}
    return Row(number=number, values=values, party_data=party_data, email=email, address=address, phone_kind=kind,
               phone_search=search)


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
        if connection.vendor == "postgresql":  # one array parameter instead of 2,000 (Django's ``IN`` costs ~5 µs a key)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT value, object_id FROM {connection.ops.quote_name(MatchKey._meta.db_table)} "
                               "WHERE kind = %s AND party = %s AND value = ANY(%s)", [kind, party, values])
                rows = cursor.fetchall()
        else:
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
        pinyin = {_pinyin(n)[0][:400] for n in names}  # the (name_pinyin, id) index finds them
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


_pinyin = name_pinyin_keys  # ``pinyin_keys``, memoized, character by character where that is exact


@lru_cache(maxsize=65_536)
def _parsed_address(text: str):
    """``parse_address`` once per distinct one-line address (a pure function of its text)."""
    return parse_address(text)


@lru_cache(maxsize=None)
def _checks(model, name: str):
    """How a value of ``model.name`` is checked before writing: the checks ``full_clean`` would make
    that an imported value can fail (length; choices, numbers, dates, URLs through the field)."""
    field = model._meta.get_field(name)
    if type(field) in (models.CharField, models.TextField) and not field.choices:
        return ("length", field) if field.max_length else None
    if field.is_relation:
        return None  # looked up set-wise, visible records only
    return ("clean", field)


def check(model, values: dict[str, Any], *, column_of: dict[str, str] | None = None) -> None:
    """A ``ValidationError`` naming each field whose value ``model`` would refuse."""
    errors: dict[str, list] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        how = _checks(model, name)
        if how is None:
            continue
        kind, fld = how
        if kind == "length" and len(value) <= fld.max_length:
            continue
        try:
            fld.run_validators(value) if kind == "length" else fld.clean(value, None)
        except ValidationError as exc:
            errors.setdefault((column_of or {}).get(name, name), []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)


class Builder:
    """Turns prepared rows into table rows (plain lists), with the derived fields the services set."""

    def __init__(self, writer, now):
        self.writer = writer
        self.user = writer.user
        self.model = writer.model
        self.kind = self.model._meta.model_name
        self.now = now
        self._territories: dict[tuple, int | None] = {}
        self.party_table = tables.table(self.model, True)
        self.party_template = self.party_table.template(now)
        self.tracked = [(f.name, f.attname) for f in audit.tracked_fields(self.model)]
        meta = self.model._meta
        self.pinyin_max = min(400, meta.get_field("name_pinyin").max_length)
        self.initials_max = min(100, meta.get_field("name_initials").max_length)

    def territory_id(self, province: str, city: str, postal_code: str, industry: str) -> int | None:
        probe = (province, city, postal_code, industry)
        if probe not in self._territories:
            territory = territory_for(province=province, city=city, postal_code=postal_code, industry=industry)
            self._territories[probe] = territory.pk if territory else None
        return self._territories[probe]

    def match_keys(self, name: str, phone: str, email: str) -> list[tuple[str, str]]:
        """``matching.keys_for`` with the pinyin computed once (the equivalence test compares both)."""
        keys = {"name": fold(name).replace(" ", ""), "pinyin": _pinyin(name)[0]}
        if self.kind == "account":
            keys["company"] = company_key(name)
        out = [(k, v[:matching.MAX_VALUE]) for k, v in keys.items() if v]
        if phone:
            out.append(("phone", phone))
        if email:
            out.append(("email", matching.safe_email_key(email)))
        return out

    def party(self, row: Row) -> dict[str, Any]:
        """The new record's field values (attribute names), checked as ``full_clean`` would."""
        data = dict(row.party_data)
        data.pop("id", None)
        if not data.get("name") and not (data.get("family_name") or data.get("given_name")):
            raise ValidationError({"name": _("A name is needed to create a record.")})
        owner = data.pop("owner", None)
        phone = row.values.get("phone", "")
        if self.model is Account:
            data.setdefault("currency", settings.GUANXI_DEFAULT_CURRENCY)
            check(Account, data)
            values = {**data, "owner_id": owner.pk if owner else self.user.pk}
            if row.address:  # the primary address sets the account's place, as ``address_add`` does
                values.update({k: row.address.get(k, "") for k in ("province", "city", "postal_code")})
            values["territory_id"] = self.territory_id(
                values.get("province", ""), values.get("city", ""), values.get("postal_code", ""), values.get("industry", ""))
        else:
            _split_name(data)
            row.account = account_of(self.writer, row)
            check(Contact, data)
            values = dict(data)
            values["owner_id"] = owner.pk if owner else (row.account.owner_id if row.account is not None else self.user.pk)
            if row.account is not None:
                values["primary_account_id"] = row.account.pk
        name = values["name"]
        full, initials = _pinyin(name)
        values["name_pinyin"] = full[:self.pinyin_max]  # cut to the model's lengths, as the services do
        values["name_initials"] = initials[:self.initials_max]
        search_keys = row.phone_search if phone else None
        values["search_text"] = search_document(
            name, values["name_pinyin"], values["name_initials"], *([search_keys] if search_keys else []),
            *([row.email] if row.email else []),
        )
        values["primary_phone"], values["primary_email"] = phone, row.email
        return values

    def children(self, row: Row) -> list[tuple[type, dict[str, Any]]]:
        out = []
        if row.values.get("phone"):
            out.append((PhoneNumber, {"number": row.values["phone"], "kind": row.phone_kind, "is_primary": True}))
        if row.email:
            out.append((EmailAddress, {"email": row.email, "is_primary": True}))
        if row.address:
            # a part from the one-line address is reported under the address column
            own = self.writer.columns
            column_of = {k: "address" for k in row.address if k not in own and "address" in own}
            check(Address, row.address, column_of=column_of)
            out.append((Address, {**row.address, "is_primary": True}))
        return out


def _child_str(model, values: dict[str, Any]) -> str:
    """``str()`` of the child as its model writes it (for the audit row)."""
    if model is PhoneNumber:
        return values["number"]
    if model is EmailAddress:
        return values["email"]
    get = values.get
    return " ".join(filter(None, (get("province"), get("city"), get("district"), get("street")))) or get("postal_code", "")


@dataclass(eq=False)
class Plan:
    """What a chunk writes, worked out before anything is written (:func:`plan_chunk`): the table rows
    of its new records, in the order they are inserted, and the rows that update a record."""
    inserts: list[tuple[type, list]] = field(default_factory=list)
    #: (row, id of the record it updates; None when the row it matched in the chunk was refused)
    updates: list[tuple[Row, int | None]] = field(default_factory=list)
    #: the batch's key of each record the chunk creates -> its id (for the next chunk's duplicate check)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    #: the existing rows that the new rows point at: the field pointed at (a primary key) -> values (:func:`references`)
    refers_to: dict[models.Field, set[Any]] = field(default_factory=dict)


def write_chunk(batch, writer, header, rows, outcome, errors_for) -> None:
    """Write a chunk of (row number, cells) through the bulk path into ``outcome``."""
    write_plan(plan_chunk(batch, writer, header, rows, outcome, errors_for), writer, batch, outcome, errors_for)


def plan_chunk(batch, writer, header, rows, outcome, errors_for, recent: dict[tuple[str, str], int] | None = None) -> Plan:
    """Check, match and build a chunk's rows; nothing is written (the queries only read, and reserve ids).

    ``recent`` holds the keys of the records that the chunk before this one creates (its
    :attr:`Plan.keys`) while that chunk may still be being written on another connection, where this
    one's queries cannot see it yet."""
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
    keyed: dict[Row, tuple[str, str] | None] = {}
    if mode == ImportMode.CREATE:
        creates = prepared
    else:
        keyed = {r: _key_of(writer, r) for r in prepared}
        existing = _existing(writer, {k for k in keyed.values() if k})
        first_in_file: dict[tuple[str, str], Row] = {}
        for row in prepared:
            key = keyed[row]
            found = (existing.get(key) or (recent or {}).get(key)) if key else None
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

    # --- build and check the new records --------------------------------------------------------
    builder = Builder(writer, timezone.now())
    made: list[tuple[Row, dict, list]] = []
    for row in creates:
        try:
            values = builder.party(row)
            kids = builder.children(row)
        except ValidationError as exc:
            outcome.errors.extend(errors_for(batch, row.number, exc, writer))
            outcome.error_rows += 1
            continue
        made.append((row, values, kids))

    plan = Plan()
    created = _build_new(batch, writer, builder, made, outcome, plan)
    plan.refers_to = references(plan)
    plan.keys = {keyed[row]: pk for row, pk in created.items() if keyed.get(row) and keyed[row][0] != "id"}
    # rows matching one that the chunk creates update that record (None: that row was refused)
    plan.updates = [(row, found if isinstance(found, int) else created.get(found)) for row, found in updates]
    return plan


def _table(model) -> tables.Table:
    return tables.table(model, model in (Account, Contact))  # the parties' rows come with their reserved ids


def _insert(model, rows: list[list[Any]] | tables.Encoded) -> None:
    """Write ``rows`` of ``model`` (its :func:`tables.table` columns; the parties' with their ids).
    The one place a test makes fail to simulate a crash."""
    tables.write(_table(model), rows)


def encode(plan: Plan) -> None:
    """Turn the plan's rows into ``COPY`` text now (PostgreSQL; see :func:`tables.encode`)."""
    plan.inserts = [(model, tables.encode(_table(model), rows) if rows else rows) for model, rows in plan.inserts]


def references(plan: Plan) -> dict[models.Field, set[Any]]:
    """The field each foreign key of the plan's rows points at -> the values pointed at, of existing
    rows (owners, accounts, territories, the batch, the content type …): the ids of the records the
    plan itself creates are left out."""
    new: dict[models.Field, set[Any]] = {}
    for model, rows in plan.inserts:
        if model in (Account, Contact):
            new[model._meta.pk] = {row[_table(model).index["id"]] for row in rows}
    out: dict[models.Field, set[Any]] = {}
    for model, rows in plan.inserts:
        tbl = _table(model)
        for fld in tbl.fields:
            if not (fld.many_to_one and fld.concrete):
                continue
            target = fld.target_field
            i = tbl.index[fld.attname]
            values = {row[i] for row in rows} - {None} - new.get(target, set())
            if values:
                out.setdefault(target, set()).update(values)
    return out


def checks_by_locks() -> bool:
    """Whether the bulk path may write with PostgreSQL's per-row foreign-key triggers off
    (``session_replication_role = replica``), checking its references set-wise instead
    (:func:`_lock_references`): only when the database user may set that parameter (a superuser, or
    ``GRANT SET ON PARAMETER session_replication_role``, PostgreSQL 15) and the tables written have no
    triggers but those of their foreign keys — ``replica`` turns every trigger off, and another
    trigger (a deferrable unique constraint's, one an administrator added) must still fire."""
    if connection.vendor != "postgresql":
        return False
    written = [m._meta.db_table for m in (Account, Contact, PhoneNumber, EmailAddress, Address, AccountContact, MatchKey,
                                          TimelineEvent, AuditEntry, ImportedRecord)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "current_setting('server_version_num')::int >= 150000, "
            "(SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = ANY(%s::regclass[]) AND NOT (t.tgisinternal "
            "AND t.tgconstraint IN (SELECT oid FROM pg_constraint WHERE contype = 'f')))", [written])
        superuser, v15, other_triggers = cursor.fetchone()
        if other_triggers:
            return False
        if superuser:
            return True
        if not v15:  # before 15 only a superuser may set it
            return False
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


def _lock_references(plan: Plan) -> None:
    """What the foreign-key triggers would have checked, once for the chunk, in one statement, which
    also turns the triggers off until the end of the chunk's savepoint (or :func:`write_plan` turns
    them on again): every existing row that the new rows point at is there, and stays there until
    the chunk commits (``FOR KEY SHARE``, the lock those triggers take). One missing (deleted since
    the chunk was planned): ``IntegrityError``, and the runner redoes the chunk row by row, the
    triggers on."""
    qn = connection.ops.quote_name
    targets = sorted(plan.refers_to.items(), key=lambda item: (item[0].model._meta.db_table, item[0].column))
    ctes, counts, params = [], [], []
    for n, (target, values) in enumerate(targets):
        column = qn(target.column)
        ctes.append(f"r{n} AS (SELECT {column} FROM {qn(target.model._meta.db_table)} WHERE {column} = ANY(%s) FOR KEY SHARE)")
        counts.append(f"(SELECT count(*) FROM r{n})")
        params.append(sorted(values))
    counts.append("set_config('session_replication_role', 'replica', true)")
    sql = (f"WITH {', '.join(ctes)} " if ctes else "") + f"SELECT {', '.join(counts)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()[:-1]
    for (target, values), count in zip(targets, found):
        if count != len(values):
            raise IntegrityError(f"a {target.model._meta.label} that the chunk refers to is gone")


def write_plan(plan: Plan, writer, batch, outcome, errors_for) -> None:
    """Write what :func:`plan_chunk` worked out, in the transaction of the caller: the new records'
    rows, then each update through the services, each in its savepoint."""
    if writer.checks_by_locks is None:  # asked once an import run
        writer.checks_by_locks = checks_by_locks()
    by_locks = writer.checks_by_locks
    if by_locks:
        _lock_references(plan)
    for model, rows in plan.inserts:
        _insert(model, rows)
    if by_locks:  # the updates below and the checkpoint go through the triggers again
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")
    if not plan.updates:
        return
    by_id = writer.model.objects.in_bulk([pk for _row, pk in plan.updates if pk is not None])
    with matching.deferred():
        for row, pk in plan.updates:
            target = by_id.get(pk)  # None: the row creates the record instead
            try:
                with transaction.atomic():
                    writer.apply(row.number, row.values, outcome, target)
            except ValidationError as exc:
                outcome.errors.extend(errors_for(batch, row.number, exc, writer))
                outcome.error_rows += 1


def _build_new(batch, writer, builder, made, outcome, plan: Plan) -> dict[Row, int]:
    """The table rows of the new records and everything that comes with them, added to ``plan.inserts``;
    returns each row -> the new record's id."""
    if not made:
        return {}
    user = writer.user
    model = writer.model
    kind = builder.kind
    now = builder.now
    ids = tables.reserve_ids(model, len(made))
    party_table, template = builder.party_table, builder.party_template
    parties = []
    for (_row, values, _kids), pk in zip(made, ids):
        values["id"] = pk
        parties.append(party_table.row(template, values))
    plan.inserts.append((model, parties))

    link_to = f"{kind}_id"
    children: dict[type, list] = {PhoneNumber: [], EmailAddress: [], Address: []}
    fields = {PhoneNumber: ("number", "kind", "is_primary"), EmailAddress: ("email", "is_primary"),
              Address: (*ADDRESS_PARTS, "is_primary")}  # what ``Builder.children`` sets ("" where it leaves a part out)
    makers = {m: tables.table(m).maker(tables.table(m).template(now), (*names, link_to)) for m, names in fields.items()}
    for (_row, _values, kids), pk in zip(made, ids):
        for child_model, values in kids:
            children[child_model].append(makers[child_model](*(values.get(k, "") for k in fields[child_model]), pk))
    for child_model, rows in children.items():
        plan.inserts.append((child_model, rows))

    links = []  # (account, contact id, contact name)
    if model is Contact:
        accounts = {row.account.pk for row, _v, _k in made if row.account is not None}
        # the accounts this import linked: a chunk still being written is not in the query's answer yet
        linked = writer.linked_accounts & accounts
        linked |= set(AccountContact.objects.filter(account_id__in=accounts - linked).values_list("account_id", flat=True).distinct())
        link_table = tables.table(AccountContact)
        link_template = link_table.template(now)
        link_rows = []
        for (row, values, _k), pk in zip(made, ids):
            account = row.account
            if account is None:
                continue
            link_rows.append(link_table.row(link_template, {
                "account_id": account.pk, "contact_id": pk, "role": row.values.get("role", ""),
                "is_primary": account.pk not in linked, "account_owner_id": account.owner_id,
                "account_territory_id": account.territory_id, "contact_pinyin": values["name_pinyin"],
                "contact_initials": values["name_initials"],
            }))
            links.append((account, pk, values["name"]))
            linked.add(account.pk)
        writer.linked_accounts |= linked
        plan.inserts.append((AccountContact, link_rows))

    key_table = tables.table(MatchKey)
    match_key = key_table.maker(key_table.template(now), ("party", "object_id", "kind", "value"))
    plan.inserts.append((MatchKey, [
        match_key(kind, pk, k, v)
        for (row, values, _k), pk in zip(made, ids)
        for k, v in builder.match_keys(values["name"], row.values.get("phone", ""), row.email)
    ]))

    event_table = tables.table(TimelineEvent)
    event_template = event_table.template(now)
    actor = user.pk if getattr(user, "pk", None) else None
    if model is Account:
        title = events._render("account.created", {})[:200]
        timeline = [event_table.row(event_template, {"account_id": pk, "occurred_at": now, "kind": "account.created",
                                                     "title": title, "data": {}, "actor_id": actor}) for pk in ids]
    else:
        url = reverse("customers:contact_detail", args=[987654321])
        timeline = [event_table.row(event_template, {
            "account_id": account.pk, "occurred_at": now, "kind": "contact.linked", "data": {"name": name},
            "title": events._render("contact.linked", {"name": name})[:200], "actor_id": actor,
            "url": url.replace("987654321", str(pk)),
        }) for account, pk, name in links]
    plan.inserts.append((TimelineEvent, timeline))

    source = current_source()
    audit_table = tables.table(AuditEntry)
    audit_template = audit_table.template(now)
    content_type = ContentType.objects.get_for_model(model).pk
    common = {"actor_id": actor, "action": audit.CREATE, "content_type_id": content_type, "source": source.source,
              "source_detail": source.detail[:200], "ip": source.ip, "request_id": source.request_id}
    tracked = [(name, party_table.index[attname]) for name, attname in builder.tracked]
    entry = audit_table.maker(audit_table.row(audit_template, common), ("object_id", "object_repr", "changes"))
    names = {m: m._meta.model_name for m in children}
    empty = (None, "", [], False)
    entries = []
    for (_row, values, kids), party in zip(made, parties):
        changes = {}
        for name, i in tracked:  # ``audit.snapshot`` of the record as written
            value = party[i]
            if value not in empty:
                changes[name] = [None, audit._plain(value)]
        for child_model, child in kids:
            changes[names[child_model]] = [None, _child_str(child_model, child)]
        entries.append(entry(str(values["id"]), str(values["name"])[:200], changes))
    plan.inserts.append((AuditEntry, entries))

    record_table = tables.table(ImportedRecord)
    record = record_table.maker(record_table.row(record_table.template(now), {
        "batch_id": batch.pk, "model": kind, "action": RecordAction.CREATED}), ("row_number", "object_id"))
    plan.inserts.append((ImportedRecord, [record(row.number, pk) for (row, _v, _k), pk in zip(made, ids)]))
    outcome.created += len(made)
    return {row: pk for (row, _v, _k), pk in zip(made, ids)}


def refresh_key_statistics() -> None:
    """``ANALYZE`` the match-key table on PostgreSQL (after an import's first chunk, then every
    ``runner.ANALYZE_EVERY`` chunks). The duplicate check probes 2,000 keys a chunk with
    ``value IN (…)``; planned with the statistics of a table that was nearly empty, PostgreSQL uses
    only ``(kind, party)`` of the index and filters every key of that kind — a scan that grows with
    the table, so an import into a young table slows down quadratically where autovacuum has not
    analyzed it yet (measured: see docs/benchmarks.md, 2026-11-26). A sampled ANALYZE costs far less
    than one such chunk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(MatchKey._meta.db_table)}")


def bulk_supported() -> bool:
    return connection.vendor in ("postgresql", "sqlite")
