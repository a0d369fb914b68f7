"""Forms of the sales pages. They check shape; the services check the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Team, Territory, User
from guanxi.customers.models import Account, Contact
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.widgets import LookupChoiceField

from .choices import CloseReason, DisqualifyReason
from .models import (
    Activity, Competitor, Contract, Lead, LeadAssignmentRule, LeadScoringRule, Opportunity, Pipeline, PriceBook, Product, Quote, SalesOrder,
    Stage, TaxRate, WebToLeadForm,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _active_users():
    return User.objects.filter(is_active=True).order_by("username")


class LeadForm(StyledModelForm):
    class Meta:
        model = Lead
        fields = [
            "name", "company", "title", "phone", "email", "source", "campaign", "rating", "industry", "employees",
            "budget", "currency", "province", "city", "owner", "territory", "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["owner"].help_text = _("Leave empty to let the assignment rules choose.")
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True)
        self.fields["territory"].help_text = _("Left empty, the territory follows from province, city and industry.")


class LeadDisqualifyForm(StyledForm):
    reason = forms.ChoiceField(label=_("disqualification reason"), choices=DisqualifyReason.choices)
    note = forms.CharField(label=_("disqualification note"), max_length=300, required=False)


class LeadConvertForm(StyledForm):
    account = forms.ModelChoiceField(
        label=_("existing account"), queryset=Account.objects.none(), required=False, widget=forms.RadioSelect,
        help_text=_("Pick a likely duplicate to add the contact there, or leave empty to create a new account."),
    )
    account_name = forms.CharField(label=_("new account name"), max_length=200, required=False)
    create_opportunity = forms.BooleanField(label=_("also create an opportunity"), required=False, initial=True)
    opportunity_name = forms.CharField(label=_("opportunity name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2, min_value=0, required=False)
    expected_close_date = forms.DateField(label=_("expected close date"), required=False, widget=DATE)
    pipeline = forms.ModelChoiceField(label=_("pipeline"), queryset=Pipeline.objects.filter(is_active=True), required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(self.user).filter(pk__in=[a.pk for a in candidates])
        self.fields["account"].widget.attrs.pop("class", None)


class OpportunityForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("primary contact"), required=False)

    class Meta:
        model = Opportunity
        fields = [
            "name", "account", "contact", "owner", "pipeline", "stage", "amount", "currency", "price_book", "expected_close_date",
            "probability", "forecast_category", "next_step", "competitors", "close_reason", "close_note", "won_against",
            "description",
        ]
        widgets = {
            "expected_close_date": DATE, "description": forms.Textarea(attrs={"rows": 3}),
            "competitors": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.fields["pipeline"].required = False
        self.fields["stage"].queryset = Stage.objects.select_related("pipeline").order_by("pipeline__name", "order")
        self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline} · {s.name}"
        self.fields["stage"].required = False
        self.fields["probability"].required = False
        self.fields["probability"].help_text = _("Left empty, the stage's default probability.")
        self.fields["price_book"].queryset = PriceBook.objects.filter(is_active=True)
        if self.instance.pk is not None and self.instance.lines.exists():
            self.fields["amount"].disabled = True
            self.fields["amount"].help_text = _("The sum of the product lines.")
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
            if self.instance.pk is None:
                self.fields["owner"].initial = self.user.pk


class OpportunityCloseForm(StyledForm):
    close_reason = forms.ChoiceField(label=_("win / loss reason"), choices=[("", "—"), *CloseReason.choices], required=False)
    close_note = forms.CharField(label=_("win / loss note"), max_length=300, required=False)
    won_against = forms.ModelChoiceField(label=_("main competitor"), queryset=Competitor.objects.all(), required=False)


class PipelineForm(StyledModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "is_default", "is_active"]


class StageForm(StyledModelForm):
    class Meta:
        model = Stage
        fields = ["name", "order", "probability", "is_won", "is_lost"]


class CompetitorForm(StyledModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Competitor
        fields = ["name", "website", "strengths", "weaknesses"]
        widgets = {"strengths": forms.Textarea(attrs={"rows": 3}), "weaknesses": forms.Textarea(attrs={"rows": 3})}


class ScoringRuleForm(StyledModelForm):
    class Meta:
        model = LeadScoringRule
        fields = ["name", "field", "operator", "value", "points", "is_active"]


class AssignmentRuleForm(StyledModelForm):
    class Meta:
        model = LeadAssignmentRule
        fields = ["name", "order", "is_active", "source", "province", "industry", "method", "team", "user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _active_users()
        self.fields["team"].queryset = Team.objects.order_by("name")


class WebToLeadFormForm(StyledModelForm):
    class Meta:
        model = WebToLeadForm
        fields = ["name", "is_active", "allowed_origins", "campaign", "default_owner", "thank_you"]
        widgets = {"allowed_origins": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_owner"].queryset = _active_users()


class PublicLeadForm(forms.Form):
    """The fields a visitor fills in on the embedded form; ``website`` is the honeypot (left empty by people)."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    description = forms.CharField(label=_("How can we help?"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    website = forms.CharField(required=False, label="website")

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            self.add_error("phone", _("Give a phone number or an e-mail address so that we can answer."))
        return data


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ActivityForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"), required=False)
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)
    lead = LookupChoiceField(Lead.objects.none(), "sales:lead_lookup", label=_("lead"), required=False)
    opportunity = LookupChoiceField(Opportunity.objects.none(), "sales:opportunity_lookup", label=_("opportunity"), required=False)
    attendees = forms.ModelMultipleChoiceField(label=_("attendees"), queryset=User.objects.none(), required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 4}))

    class Meta:
        model = Activity
        fields = [
            "kind", "subject", "starts_at", "ends_at", "all_day", "location", "status", "owner", "attendees", "account",
            "contact", "lead", "opportunity", "reminder_minutes", "description", "outcome",
        ]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME, "description": forms.Textarea(attrs={"rows": 3}),
                   "outcome": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["attendees"].queryset = _active_users()
        if self.instance.pk:
            self.initial.setdefault("attendees", [u.pk for u in self.instance.attendees.all()])
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
            self.fields["lead"].queryset = Lead.objects.visible_to(self.user)
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(self.user)
            if self.instance.pk is None:
                self.fields["owner"].initial = self.user.pk


class QuoteForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)
    opportunity = LookupChoiceField(Opportunity.objects.none(), "sales:opportunity_lookup", label=_("opportunity"), required=False)

    class Meta:
        model = Quote
        fields = ["title", "account", "contact", "opportunity", "owner", "price_book", "valid_until", "terms"]
        widgets = {"valid_until": DATE, "terms": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["price_book"].queryset = PriceBook.objects.filter(is_active=True)
        self.fields["price_book"].required = False
        self.fields["valid_until"].required = False
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
            self.fields["opportunity"].queryset = Opportunity.objects.visible_to(self.user)


class QuoteLineForm(StyledForm):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.filter(is_active=True))
    quantity = forms.DecimalField(label=_("quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), initial=1)
    unit_price = forms.DecimalField(label=_("unit price"), max_digits=18, decimal_places=2, min_value=0, required=False,
                                    help_text=_("Empty: the price book's price for the quantity."))
    discount_percent = forms.DecimalField(label=_("discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0)
    tax = forms.ModelChoiceField(label=_("tax rate"), queryset=TaxRate.objects.filter(is_active=True), required=False,
                                 empty_label=_("the product's rate"))
    description = forms.CharField(label=_("description"), max_length=300, required=False)


class QuoteSendForm(StyledForm):
    to = forms.EmailField(label=_("to"))
    message = forms.CharField(label=_("message"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ProductForm(StyledModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "unit", "list_price", "currency", "default_tax_rate", "is_active", "description", "bundle_pricing", "bundle_discount"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_tax_rate"].queryset = TaxRate.objects.filter(is_active=True)


class TaxRateForm(StyledModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "rate", "is_active", "is_default", "description"]


class PriceBookForm(StyledModelForm):
    class Meta:
        model = PriceBook
        fields = ["name", "currency", "is_default", "is_active"]


class PriceEntryForm(StyledForm):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.filter(is_active=True))
    min_quantity = forms.DecimalField(label=_("from quantity"), max_digits=12, decimal_places=2, min_value=0, initial=1)
    unit_price = forms.DecimalField(label=_("unit price"), max_digits=18, decimal_places=2, min_value=0)


class ContractForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"), required=False)

    class Meta:
        model = Contract
        fields = ["title", "account", "order", "owner", "status", "start_date", "end_date", "value", "currency", "renewal_notice_days", "terms"]
        widgets = {"start_date": DATE, "end_date": DATE, "terms": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["owner"].required = False
        self.fields["value"].required = False
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["order"].queryset = SalesOrder.objects.visible_to(self.user).filter(status__in=("confirmed", "in_progress", "shipped", "delivered", "invoiced", "paid"))

    def clean(self):
        data = super().clean()
        if not data.get("account") and not data.get("order"):
            self.add_error("account", _("Choose the account, or the sales order the contract is for."))
        return data


class ContractRenewForm(StyledForm):
    end_date = forms.DateField(label=_("end date"), widget=DATE)
    value = forms.DecimalField(label=_("contract value"), max_digits=18, decimal_places=2, min_value=0, required=False)


class LeadImportForm(StyledForm):
    file = forms.FileField(label=_("CSV or Excel file"), help_text=_("First row: column names such as 姓名, 公司, 电话, 邮箱, 来源, 省份, 城市."))
