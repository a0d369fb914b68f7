from django.utils.translation import gettext_lazy as _

from guanxi.framework.tables import Column, Table


class AccountTable(Table):
    name = Column(_("name"), "name", order_by=("name_pinyin", "id"), linkify=True)
    kind = Column(_("type"), "kind", optional=True)
    value_tier = Column(_("value tier"), template="customers/cells/tier.html", order_by=("value_tier", "-updated_at"))
    lifecycle_stage = Column(_("lifecycle stage"), "lifecycle_stage", order_by=("lifecycle_stage", "-updated_at"), optional=True)
    industry = Column(_("industry"), "industry", order_by=("industry", "-updated_at"), optional=True)
    city = Column(_("city"), "city", order_by=("province", "city"), optional=True)
    territory = Column(_("territory"), "territory", optional=True)
    phone = Column(_("phone"), template="customers/cells/phone.html", optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "-updated_at"))
    tags = Column(_("tags"), template="customers/cells/tags.html", optional=True)
    updated = Column(_("updated"), template="customers/cells/updated.html", order_by=("-updated_at", "-id"))
    default_order = "updated"


class ContactTable(Table):
    name = Column(_("name"), "name", order_by=("name_pinyin", "id"), linkify=True)
    title = Column(_("job title"), "title", optional=True)
    account = Column(_("account"), template="customers/cells/contact_account.html")
    phone = Column(_("phone"), template="customers/cells/phone.html", optional=True)
    email = Column(_("e-mail"), "primary_email", optional=True)
    owner = Column(_("owner"), "owner", order_by=("owner", "-updated_at"))
    updated = Column(_("updated"), template="customers/cells/updated.html", order_by=("-updated_at", "-id"))
    default_order = "updated"


class InteractionTable(Table):
    started = Column(_("start time"), template="customers/cells/interaction_start.html", order_by=("-started_at", "-id"))
    channel = Column(_("channel"), "channel")
    direction = Column(_("direction"), "direction", optional=True)
    account = Column(_("account"), template="customers/cells/interaction_account.html")
    contact = Column(_("contact"), "contact", optional=True)
    reason = Column(_("reason"), "reason")
    outcome = Column(_("outcome"), "outcome", optional=True)
    user = Column(_("user / agent"), "user", optional=True)
    default_order = "started"
