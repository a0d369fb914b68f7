"""Match keys of accounts and contacts, kept in step with every write, for the duplicate check.

Receivers on Account, Contact, PhoneNumber and EmailAddress rebuild the keys of the record that
changed (a search-index concern, hence signals rather than services): whatever path a write takes
(UI, API, import, merge), the keys follow. ``rebuild_all`` fills them for existing data.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from guanxi.framework.text import fold, pinyin_keys

from .normalizers import company_key, email_key
from .normalizers.email import InvalidEmail

MAX_VALUE = 254
#: while set (inside ``deferred()``), the receivers note which records to re-key instead of re-keying at once
_pending: ContextVar[set | None] = ContextVar("quality_match_keys_pending", default=None)


@contextlib.contextmanager
def deferred():
    """Re-key each touched record once, at the end of the block (an import chunk writes a contact,
    its phone and its e-mail: one refresh instead of three)."""
    pending: set[tuple[str, int]] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for party_kind in sorted({kind for kind, _pk in pending}):
        refresh_many(party_kind, sorted(pk for kind, pk in pending if kind == party_kind))


def _refresh_soon(party_kind: str, pk: int) -> None:
    pending = _pending.get()
    if pending is None:
        refresh(party_kind, pk)
    else:
        pending.add((party_kind, pk))


def name_keys(name: str, *, company: bool) -> dict[str, str]:
    folded = fold(name).replace(" ", "")
    keys = {"name": folded, "pinyin": pinyin_keys(name)[0]}
    if company:
        keys["company"] = company_key(name)
    return {k: v[:MAX_VALUE] for k, v in keys.items() if v}


def safe_email_key(address: str) -> str:
    try:
        return email_key(address)[:MAX_VALUE]
    except InvalidEmail:
        return fold(address)[:MAX_VALUE]


def keys_for(party_kind: str, name: str, phones, emails) -> list[tuple[str, str]]:
    keys = list(name_keys(name, company=party_kind == "account").items())
    keys += [("phone", p) for p in sorted(set(phones)) if p]
    keys += [("email", safe_email_key(e)) for e in sorted(set(emails)) if e]
    return keys


def refresh(party_kind: str, pk: int) -> None:
    """Rebuild the keys of one account or contact from the database."""
    refresh_many(party_kind, [pk])


#: records re-keyed by one round of :func:`refresh_many`'s statements
REFRESH_BATCH = 1000


def refresh_many(party_kind: str, pks: list[int]) -> None:
    """Rebuild the keys of these accounts or contacts from the database, four statements for each
    ``REFRESH_BATCH`` of them; the keys of a record that is gone are deleted."""
    from guanxi.customers.models import Account, Contact

    from .models import MatchKey

    model = Account if party_kind == "account" else Contact
    for start in range(0, len(pks), REFRESH_BATCH):
        part = pks[start:start + REFRESH_BATCH]
        MatchKey.objects.filter(party=party_kind, object_id__in=part).delete()
        names = dict(model.objects.filter(pk__in=part).order_by("pk").values_list("pk", "name"))
        if names:
            MatchKey.objects.bulk_create(_keys(party_kind, names))


def _keys(party_kind: str, names: dict[int, str]) -> list:
    """The ``MatchKey`` rows (unsaved) of the records ``names`` (id -> name), with their phones and e-mails
    read in two statements."""
    from guanxi.customers.models import EmailAddress, PhoneNumber

    from .models import MatchKey

    ids = list(names)
    phones: dict[int, list[str]] = {}
    for owner, number in PhoneNumber.objects.filter(**{f"{party_kind}__in": ids}).values_list(party_kind, "number"):
        phones.setdefault(owner, []).append(number)
    emails: dict[int, list[str]] = {}
    for owner, address in EmailAddress.objects.filter(**{f"{party_kind}__in": ids}).values_list(party_kind, "email"):
        emails.setdefault(owner, []).append(address)
    return [MatchKey(party=party_kind, object_id=pk, kind=kind, value=value)
            for pk, name in names.items() for kind, value in keys_for(party_kind, name, phones.get(pk, ()), emails.get(pk, ()))]


def _party_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if update_fields is not None and "name" not in update_fields:
        return  # nothing a key is made of changed
    _refresh_soon(sender._meta.model_name, instance.pk)


def _party_deleted(sender, instance, **kwargs):
    from .models import MatchKey

    pending = _pending.get()
    if pending is not None:  # re-keyed at the end of the block: a record that is gone loses its keys
        pending.add((sender._meta.model_name, instance.pk))
        return
    MatchKey.objects.filter(party=sender._meta.model_name, object_id=instance.pk).delete()


def _child_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    for kind in ("account", "contact"):
        pk = getattr(instance, f"{kind}_id")
        if pk:
            _refresh_soon(kind, pk)


def connect() -> None:
    from guanxi.customers.models import Account, Contact, EmailAddress, PhoneNumber

    for model in (Account, Contact):
        post_save.connect(_party_saved, sender=model, dispatch_uid=f"quality-keys-{model._meta.model_name}")
        post_delete.connect(_party_deleted, sender=model, dispatch_uid=f"quality-keys-del-{model._meta.model_name}")
    for model in (PhoneNumber, EmailAddress):
        post_save.connect(_child_changed, sender=model, dispatch_uid=f"quality-keys-{model._meta.model_name}")
        post_delete.connect(_child_changed, sender=model, dispatch_uid=f"quality-keys-del-{model._meta.model_name}")


def rebuild_all(*, batch_size: int = 2000, on_progress=None) -> int:
    """(Re)build every key from the accounts and contacts in the database. Returns records keyed."""
    from guanxi.customers.models import Account, Contact

    from .models import MatchKey

    done = 0
    for party_kind, model in (("account", Account), ("contact", Contact)):
        with transaction.atomic():
            MatchKey.objects.filter(party=party_kind).delete()
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "name")[:batch_size])
            if not rows:
                break
            keys = _keys(party_kind, dict(rows))
            with transaction.atomic():
                MatchKey.objects.bulk_create(keys, batch_size=5000)
            done += len(rows)
            last = rows[-1][0]
            if on_progress:
                on_progress(done)
    return done
