"""Customer data on top of the shared ``org``: every kind of record, for both sides of the visibility line.

``world.mine`` hangs off ``org.rep_account`` (rep, team 华东销售, placed in territory 上海 under 华东);
``world.theirs`` off ``org.other_account`` (other, team 华北销售, no territory). Who sees which:

==========  ===========  =============
user        rep_account  other_account
==========  ===========  =============
rep         owner        —
manager     manages 华东  —
director    manages 销售部 (parent of both teams)
watcher     territory     —
analyst     organisation-wide
admin       organisation-wide
other       —            owner
==========  ===========  =============
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from guanxi.customers import services

SEES_MINE = ("rep", "manager", "director", "watcher", "analyst", "admin")
SEES_THEIRS = ("other", "director", "analyst", "admin")
BLIND_TO_THEIRS = ("rep", "manager", "watcher")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _records(account, contact, user, *, tag: str) -> SimpleNamespace:
    """One of each child record of ``account`` / ``contact``, written as ``user``."""
    return SimpleNamespace(
        account=account,
        contact=contact,
        link=account.contact_links.get(contact=contact),
        address=account.address_set.first() or services.address_add(
            party=account, acting_user=user, province="北京市", city="北京市", street="长安街 1 号"),
        phone=account.phonenumber_set.get(),
        email=services.email_add(party=account, acting_user=user, email=f"Info-{tag}@Example.com"),
        contact_phone=services.phone_add(party=contact, acting_user=user, number="139 0000 000" + ("1" if tag == "mine" else "2")),
        document=services.document_add(
            party=account, acting_user=user, title=f"合同-{tag}",
            file=SimpleUploadedFile(f"contract-{tag}.txt", f"signed {tag}".encode(), "text/plain"),
        ),
        note=services.note_add(party=account, acting_user=user, body=f"备注 {tag}: 喜欢喝茶"),
        contact_note=services.note_add(party=contact, acting_user=user, body=f"联系人备注 {tag}"),
        interaction=services.interaction_create(
            acting_user=user, account=account, contact=contact, channel="phone",
            started_at=timezone.now() - datetime.timedelta(hours=2), reason=f"报价-{tag}",
        ),
    )


@pytest.fixture
def world(org):
    mine = _records(org.rep_account, org.rep_contact, org.rep, tag="mine")
    theirs = _records(org.other_account, org.other_contact, org.other, tag="theirs")
    for record in (org.rep_account, org.other_account, org.rep_contact, org.other_contact):
        record.refresh_from_db()
    return SimpleNamespace(mine=mine, theirs=theirs)


@pytest.fixture
def users(org):
    """name -> user of the organisation."""
    return {name: getattr(org, name) for name in ("rep", "other", "manager", "director", "watcher", "analyst", "admin")}


@pytest.fixture
def shared(org):
    """A contact (周伟) owned by the other rep at the other account, linked to the rep's Shanghai account as well:
    visible to the rep's side only through that link."""
    contact = services.contact_create(acting_user=org.other, account=org.other_account, name="周伟")
    services.contact_link(contact=contact, account=org.rep_account, acting_user=org.rep, role="purchaser")
    return contact
