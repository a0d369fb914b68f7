"""Accounts, contacts, their addresses, phones, e-mails, documents and notes, and interactions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.framework.models import BaseModel, BusinessModel
from guanxi.framework.urls import record_url

from .choices import (
    AccountKind, AccountSource, AddressKind, Channel, ContactRole, CreditRating, Direction, EmailKind, Gender,
    Industry, LifecycleStage, Outcome, PhoneKind, ValueTier,
)

DERIVED_KEYS = ("created_at", "updated_at", "name_pinyin", "name_initials", "search_text")


class Tag(BaseModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, default="secondary")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConsentFields(models.Model):
    """Consent and do-not-contact flags, one pair per channel."""

    consent_email = models.BooleanField(_("e-mail marketing consent"), default=False)
    consent_sms = models.BooleanField(_("SMS marketing consent"), default=False)
    consent_phone = models.BooleanField(_("phone marketing consent"), default=False)
    do_not_call = models.BooleanField(_("do not call"), default=False)
    do_not_email = models.BooleanField(_("do not e-mail"), default=False)
    do_not_sms = models.BooleanField(_("do not send SMS"), default=False)
    do_not_mail = models.BooleanField(_("do not send letters"), default=False)
    do_not_visit = models.BooleanField(_("do not visit"), default=False)

    class Meta:
        abstract = True


class Account(ConsentFields, BusinessModel):
    kind = models.CharField(_("type"), max_length=12, choices=AccountKind.choices, default=AccountKind.ORGANISATION)
    name = models.CharField(_("name"), max_length=200)
    name_pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=100, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    website = models.URLField(_("website"), blank=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=AccountSource.choices, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=12, choices=LifecycleStage.choices, default=LifecycleStage.EXPLORATION
    )
    value_tier = models.CharField(_("value tier"), max_length=10, choices=ValueTier.choices, default=ValueTier.ORDINARY)
    credit_rating = models.CharField(_("credit rating"), max_length=3, choices=CreditRating.choices, blank=True)
    satisfaction_score = models.DecimalField(
        _("satisfaction score"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    loyalty_score = models.DecimalField(
        _("loyalty score"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(_("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # Owner and territory have no index of their own: ``account_owner_idx`` and ``account_segment_idx``
    # start with them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_accounts",
        db_index=False,
    )
    territory = models.ForeignKey(
        "core.Territory", verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="accounts", db_index=False,
    )
    territory_locked = models.BooleanField(
        _("keep territory"), default=False, help_text=_("Do not move this account when its address changes."),
    )
    # Where the account is, copied from its primary address so that lists filter without a join.
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    primary_email = models.CharField(_("e-mail"), max_length=254, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="accounts")
    description = models.TextField(_("description"), blank=True)

    audit_exclude = DERIVED_KEYS + ("primary_phone", "primary_email")
    visibility_owner_field = "owner"
    visibility_territory_field = "territory"

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="account_recent_idx"),
            models.Index(fields=["owner", "-updated_at"], name="account_owner_idx"),
            models.Index(fields=["territory", "value_tier", "lifecycle_stage", "-updated_at"], name="account_segment_idx"),
            models.Index(fields=["value_tier", "-updated_at"], name="account_tier_idx"),
            models.Index(fields=["lifecycle_stage", "-updated_at"], name="account_stage_idx"),
            models.Index(fields=["industry", "-updated_at"], name="account_industry_idx"),
            models.Index(fields=["source"], name="account_source_idx"),
            models.Index(fields=["province", "city"], name="account_place_idx"),
            # Sorting by name, and search by pinyin or initials prefix: the owner and territory ride along
            # so that visibility is checked from the index alone (see customers.selectors._ranked).
            models.Index(fields=["name_pinyin", "id", "owner", "territory"], name="account_name_vis_idx"),
            models.Index(fields=["name_initials", "owner", "territory", "id"], name="account_initials_vis_idx"),
            models.Index(fields=["-created_at"], name="account_created_idx"),
            models.Index(fields=["credit_rating"], name="account_credit_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("customers:account_detail", self.pk)


class Contact(ConsentFields, BusinessModel):
    name = models.CharField(_("name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=300, blank=True, editable=False)
    name_initials = models.CharField(_("initials"), max_length=60, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    owner = models.ForeignKey(  # indexed by ``contact_owner_idx``, which starts with it
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_contacts",
        db_index=False,
    )
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    primary_email = models.CharField(_("e-mail"), max_length=254, blank=True, editable=False)
    primary_account = models.ForeignKey(
        Account, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="primary_contacts", editable=False,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    description = models.TextField(_("notes"), blank=True)

    audit_exclude = DERIVED_KEYS + ("primary_phone", "primary_email", "primary_account")
    visibility_owner_field = "owner"
    visibility_via = ("account_links",)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="contact_recent_idx"),
            models.Index(fields=["owner", "-updated_at"], name="contact_owner_idx"),
            models.Index(fields=["name_pinyin", "id", "owner"], name="contact_name_vis_idx"),
            models.Index(fields=["name_initials", "owner", "id"], name="contact_initials_vis_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("customers:contact_detail", self.pk)

    def shown_primary_account(self) -> Account | None:
        """The main account, if the query marked it visible to the reader (``selectors.with_visible_primary_account``)."""
        return self.primary_account if getattr(self, "primary_account_visible", False) else None


class AccountContact(BusinessModel):
    """A contact's place at an account: its role there, and whether it is the main contact.

    Seen through its account, like the account's other records (hence ``BusinessModel``).
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="account_links")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    # The account's owner and territory, copied here by the services whenever either changes, so that
    # "which contacts can this user see" is one indexed look-up in this table instead of a join to
    # accounts for every candidate contact (a contact is visible through any of its accounts).
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    account_territory = models.ForeignKey(
        "core.Territory", verbose_name=_("account territory"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )

    # The contact's name keys, copied here by the services whenever the contact's name changes (and by
    # merges and bulk loads), so that a search by the start of a name or its initials finds the contacts a
    # user sees through their accounts in one index range per owner or territory, instead of testing
    # every contact of that name against the team's links (``selectors.contact_search``).
    contact_pinyin = models.CharField(_("contact's pinyin"), max_length=300, blank=True, editable=False)
    contact_initials = models.CharField(_("contact's initials"), max_length=60, blank=True, editable=False)

    visibility_owner_field = "account_owner"
    visibility_territory_field = "account_territory"
    visibility_shown_as = "account"
    audit_exclude = ("account_owner", "account_territory", "contact_pinyin", "contact_initials")

    class Meta:
        verbose_name = _("account contact")
        verbose_name_plural = _("account contacts")
        constraints = [models.UniqueConstraint(fields=["account", "contact"], name="account_contact_unique")]
        indexes = [
            models.Index(fields=["contact", "account"], name="account_contact_rev_idx"),
            models.Index(fields=["contact", "account_owner", "account_territory"], name="account_contact_vis_idx"),
            models.Index(fields=["account_owner", "contact"], name="account_contact_by_owner_idx"),
            models.Index(fields=["account_territory", "contact"], name="account_contact_by_terr_idx"),
            models.Index(fields=["account_owner", "contact_pinyin", "contact"], name="account_contact_owner_py_idx"),
            models.Index(fields=["account_owner", "contact_initials", "contact"], name="account_contact_owner_ini_idx"),
            models.Index(fields=["account_territory", "contact_pinyin", "contact"], name="account_contact_terr_py_idx"),
            models.Index(fields=["account_territory", "contact_initials", "contact"], name="account_contact_terr_ini_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.account}"

    def audit_parent(self):
        return self.account


class PartyChild(BusinessModel):
    """A record that belongs to exactly one account or one contact, and is seen through it.

    Each of the two keys is indexed only where it is set (:func:`party_indexes`): a full index of either
    would hold a NULL for every row of the other kind.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="%(class)s_set", db_index=False)
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="%(class)s_set", db_index=False)

    visibility_via = ("account", "contact")

    class Meta:
        abstract = True

    @property
    def party(self):
        return self.account or self.contact

    def audit_parent(self):
        return self.party


def party_indexes(prefix: str) -> list[models.Index]:
    """A child's account and contact keys, each indexed where it is set (``account_id = …`` implies it)."""
    return [
        models.Index(fields=["account"], condition=Q(account__isnull=False), name=f"{prefix}_account_idx"),
        models.Index(fields=["contact"], condition=Q(contact__isnull=False), name=f"{prefix}_contact_idx"),
    ]


def one_party_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(Q(account__isnull=False) & Q(contact__isnull=True)) | (Q(account__isnull=True) & Q(contact__isnull=False)),
        name=name,
    )


class Address(PartyChild):
    kind = models.CharField(_("type"), max_length=10, choices=AddressKind.choices, default=AddressKind.OFFICE)
    country = models.CharField(_("country"), max_length=2, default="CN")
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_primary", "id"]
        constraints = [one_party_constraint("address_one_party")]
        indexes = party_indexes("address")

    def __str__(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.street) if p) or self.postal_code


class PhoneNumber(PartyChild):
    kind = models.CharField(_("type"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    number = models.CharField(_("number"), max_length=32, help_text=_("Stored in international (E.164) form."))
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "id"]
        constraints = [one_party_constraint("phone_one_party")]
        indexes = [models.Index(fields=["number"], name="phone_number_idx"), *party_indexes("phone")]

    def __str__(self) -> str:
        return self.number + (f" ext. {self.extension}" if self.extension else "")


class EmailAddress(PartyChild):
    kind = models.CharField(_("type"), max_length=10, choices=EmailKind.choices, default=EmailKind.WORK)
    email = models.EmailField(_("e-mail"))
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        ordering = ["-is_primary", "id"]
        constraints = [one_party_constraint("email_one_party")]
        indexes = [models.Index(fields=["email"], name="email_address_idx"), *party_indexes("email")]

    def __str__(self) -> str:
        return self.email


class Document(PartyChild):
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    content_type_label = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        constraints = [one_party_constraint("document_one_party")]
        indexes = party_indexes("document")

    def __str__(self) -> str:
        return self.title


class Note(PartyChild):
    body = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]
        constraints = [one_party_constraint("note_one_party")]
        indexes = party_indexes("note")

    def __str__(self) -> str:
        return self.body[:60]


class Interaction(BusinessModel):
    """One contact with a customer on any channel (a touchpoint)."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user / agent"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="interactions",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    started_at = models.DateTimeField(_("start time"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    script = models.CharField(_("script used"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    documents = models.ManyToManyField(Document, verbose_name=_("documents created"), blank=True, related_name="interactions")

    visibility_via = ("account",)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-started_at"], name="interaction_account_idx"),
            models.Index(fields=["contact", "-started_at"], name="interaction_contact_idx"),
            models.Index(fields=["user", "-started_at"], name="interaction_user_idx"),
            models.Index(fields=["-started_at"], name="interaction_recent_idx"),
            models.Index(fields=["channel", "-started_at"], name="interaction_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.reason or self.account}"

    def audit_parent(self):
        return self.account

    def get_absolute_url(self) -> str:
        return record_url("customers:interaction_detail", self.pk)


class TimelineEvent(models.Model):
    """A domain event on an account's timeline ("quote sent", "SLA breached"), written by events.py modules."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="timeline_events")
    occurred_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(default=dict, blank=True)
    body = models.TextField(_("details"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "-occurred_at"], name="timeline_account_idx")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the reader's language, from the event kind's registered wording and ``data``."""
        from guanxi.framework.registry import registry

        wording = registry.event_titles.get(self.kind)
        if wording is None:
            return self.title
        try:
            return wording(self.data) if callable(wording) else str(wording) % self.data
        except (KeyError, TypeError, ValueError, LookupError):
            return self.title
