from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Territory, User
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.widgets import LookupChoiceField

from .choices import ContactRole, PhoneKind
from .models import Account, Address, Contact, Document, EmailAddress, Interaction, Note, PhoneNumber, Tag

CONSENT = ["consent_email", "consent_sms", "consent_phone", "do_not_call", "do_not_email", "do_not_sms", "do_not_mail", "do_not_visit"]


def _active_users():
    return User.objects.filter(is_active=True).order_by("username")


class AccountForm(StyledModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Account
        fields = [
            "kind", "name", "industry", "source", "lifecycle_stage", "value_tier", "credit_rating", "website",
            "employees", "annual_revenue", "currency", "owner", "territory", "territory_locked", "tags",
            "description", *CONSENT,
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "tags": forms.SelectMultiple(attrs={"size": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True)
        if self.instance.pk is None and self.user is not None:
            self.fields["owner"].initial = self.user.pk


class ContactForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"), required=False)
    role = forms.ChoiceField(label=_("role at the account"), choices=[("", "—"), *ContactRole.choices], required=False)
    phone = forms.CharField(label=_("phone"), required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)

    class Meta:
        model = Contact
        fields = ["name", "family_name", "given_name", "title", "department", "gender", "birthday", "owner", "tags", "description", *CONSENT]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}), "birthday": forms.DateInput(attrs={"type": "date"}),
            "tags": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["name"].required = False
        if self.instance.pk:
            for name in ("account", "role", "phone", "email"):
                del self.fields[name]
        elif self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["owner"].initial = self.user.pk

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("family_name") or data.get("given_name")):
            self.add_error("name", _("Give the contact a name."))
        return data


class InteractionForm(StyledModelForm):
    class Meta:
        model = Interaction
        fields = ["account", "contact", "direction", "channel", "started_at", "duration_seconds", "reason", "outcome", "satisfaction", "script", "notes"]
        widgets = {"started_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), "notes": forms.Textarea(attrs={"rows": 3})}

    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(self.user)
        self.fields["contact"].queryset = Contact.objects.visible_to(self.user)


class AddressForm(StyledModelForm):
    class Meta:
        model = Address
        fields = ["kind", "country", "province", "city", "district", "street", "postal_code", "is_primary"]


class PhoneForm(StyledModelForm):
    kind = forms.ChoiceField(
        label=_("type"), required=False, choices=[("", _("Tell from the number")), *PhoneKind.choices],
    )

    class Meta:
        model = PhoneNumber
        fields = ["kind", "number", "extension", "is_primary"]

    def clean_kind(self):
        return self.cleaned_data["kind"] or (self.instance.kind if self.instance.pk else None)


class EmailForm(StyledModelForm):
    class Meta:
        model = EmailAddress
        fields = ["kind", "email", "is_primary"]


class DocumentForm(StyledModelForm):
    class Meta:
        model = Document
        fields = ["title", "file"]


class NoteForm(StyledModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 2})}


class LinkAccountForm(StyledForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    role = forms.ChoiceField(label=_("role"), choices=[("", "—"), *ContactRole.choices], required=False)
    is_primary = forms.BooleanField(label=_("main contact"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(self.user)


class AccountBulkEditForm(StyledForm):
    owner = forms.ModelChoiceField(label=_("new owner"), queryset=User.objects.none(), required=False)
    territory = forms.ModelChoiceField(label=_("new territory"), queryset=Territory.objects.none(), required=False)
    add_tags = forms.ModelMultipleChoiceField(label=_("add tags"), queryset=Tag.objects.all(), required=False)
    remove_tags = forms.ModelMultipleChoiceField(label=_("remove tags"), queryset=Tag.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in ("owner", "territory", "add_tags", "remove_tags")):
            raise forms.ValidationError(_("Choose at least one change to apply."))
        return data


class TagForm(StyledModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.Select(choices=[
            ("secondary", _("Grey")), ("primary", _("Blue")), ("success", _("Green")), ("danger", _("Red")),
            ("warning", _("Yellow")), ("info", _("Cyan")), ("dark", _("Black")),
        ])}


class RealignForm(StyledForm):
    """The scope of a territory realignment (both optional)."""

    from_territory = forms.ModelChoiceField(
        label=_("only accounts now in"), queryset=Territory.objects.order_by("code"), required=False, empty_label=_("any territory"),
    )
    to_territory = forms.ModelChoiceField(
        label=_("only moves into"), queryset=Territory.objects.filter(is_active=True).order_by("code"), required=False,
        empty_label=_("any territory"),
    )
    owners = forms.ChoiceField(
        label=_("owners"), initial="keep", required=False,
        choices=[("keep", _("keep the owners")), ("members", _("give moved accounts to the new territory's members in turn"))],
    )

    def clean_owners(self):
        return self.cleaned_data.get("owners") or "keep"
