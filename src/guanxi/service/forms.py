"""Forms of the service pages. They check shape; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import User
from guanxi.customers.models import Account, Contact
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.widgets import LookupChoiceField

from .businesshours import format_hours, hours_from_text, parse_hours
from .choices import CalendarDayKind, CaseStatus, LinkKind, Weekday
from .models import BusinessCalendar, Case, CaseCategory, Queue, SlaPolicy


def _active_users():
    return User.objects.filter(is_active=True).order_by("username")


class CaseForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)
    installed_product = LookupChoiceField(
        Case._meta.get_field("installed_product").related_model.objects.none(), "service:installedproduct_lookup",
        label=_("installed product"), required=False, help_text=_("Type a serial number."),
    )

    class Meta:
        model = Case
        fields = ["account", "contact", "installed_product", "service_contract", "subject", "description", "channel", "case_type",
                  "category", "priority", "queue", "assignee"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True)
        self.fields["queue"].queryset = Queue.objects.filter(is_active=True)
        self.fields["assignee"].queryset = _active_users()
        self._limit_coverage()
        if self.instance.pk:  # queue and agent change through "Assign", which keeps the history straight
            del self.fields["queue"], self.fields["assignee"]


    def _limit_coverage(self) -> None:
        """Units the user can see; contracts of the case's account in force (empty on a new case: found from the account)."""
        from .models import InstalledProduct, ServiceContract

        if self.user is not None:
            self.fields["installed_product"].queryset = InstalledProduct.objects.visible_to(self.user).select_related("product")
        account_id = self.data.get("account") or self.initial.get("account") or self.instance.account_id
        contracts = ServiceContract.objects.filter(status="active")
        if str(account_id or "").isdigit():
            contracts = contracts.filter(account_id=account_id)
        else:
            contracts = contracts.none()
        if self.instance.service_contract_id:  # the case's own contract stays a choice after it expires
            contracts = contracts | ServiceContract.objects.filter(pk=self.instance.service_contract_id)
        self.fields["service_contract"].queryset = contracts.order_by("-end_date")
        self.fields["service_contract"].help_text = _("Empty: the account's (or the unit's) contract in force.")


class QuickCaseForm(StyledForm):
    """The minimal form of quick entry, once the customer is found."""

    account = forms.ModelChoiceField(Account.objects.none(), widget=forms.HiddenInput)
    contact = forms.ModelChoiceField(Contact.objects.none(), widget=forms.HiddenInput, required=False)
    subject = forms.CharField(label=_("subject"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    channel = forms.ChoiceField(label=_("channel"), choices=Case._meta.get_field("channel").choices, initial="phone")
    case_type = forms.ChoiceField(label=_("type"), choices=Case._meta.get_field("case_type").choices)
    category = forms.ModelChoiceField(CaseCategory.objects.none(), label=_("category"), required=False)
    priority = forms.ChoiceField(label=_("priority"), choices=Case._meta.get_field("priority").choices, initial="normal")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(self.user)
        self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True)


class AssignForm(StyledForm):
    queue = forms.ModelChoiceField(Queue.objects.none(), label=_("queue"), required=False)
    assignee = forms.ModelChoiceField(User.objects.none(), label=_("assignee"), required=False)
    route = forms.BooleanField(label=_("pick the agent by the queue's routing"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(is_active=True)
        self.fields["assignee"].queryset = _active_users()


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("status"), choices=CaseStatus.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("customer satisfaction"), choices=[("", "—")] + [(n, str(n)) for n in range(1, 6)], coerce=int, empty_value=None, required=False,
    )
    comment = forms.CharField(label=_("customer's comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(StyledForm):
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("visible to the customer (a reply)"), required=False)
    file = forms.FileField(label=_("attachment"), required=False)


class LinkForm(StyledForm):
    other = forms.CharField(label=_("case number"), max_length=20, help_text=_("For example CS-2026-000123."))
    kind = forms.ChoiceField(label=_("link"), choices=LinkKind.choices)


class MergeForm(StyledForm):
    target = forms.CharField(label=_("merge into case number"), max_length=20)


class SurveyForm(StyledForm):
    satisfaction = forms.TypedChoiceField(label=_("customer satisfaction"), choices=[(n, str(n)) for n in range(1, 6)], coerce=int)
    comment = forms.CharField(label=_("customer's comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class QueueForm(StyledModelForm):
    members = forms.ModelMultipleChoiceField(User.objects.none(), label=_("members"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = Queue
        fields = ["name", "code", "description", "routing", "email", "supervisor", "sla_policy", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = _active_users()
        self.fields["supervisor"].queryset = _active_users()
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.memberships.values_list("user_id", flat=True))


class CategoryForm(StyledModelForm):
    class Meta:
        model = CaseCategory
        fields = ["name", "skill", "default_queue", "is_active"]


class AgentForm(StyledForm):
    skills = forms.CharField(label=_("skills"), required=False, help_text=_("Separate with commas, e.g. billing, network, english."))
    available = forms.BooleanField(label=_("available for new cases"), required=False)
    capacity = forms.IntegerField(label=_("open cases at most"), min_value=1, max_value=500)


class CalendarForm(StyledModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        weekly = parse_hours(self.instance.hours)
        for day in Weekday:
            self.fields[f"day_{day.value}"] = forms.CharField(
                label=day.label, required=False, initial=format_hours([(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in weekly.get(day.value, [])]),
                help_text=_("For example 09:00-12:00, 13:00-18:00; empty: no work."),
            )
            self.fields[f"day_{day.value}"].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        hours = {}
        for day in Weekday:
            try:
                hours[str(day.value)] = hours_from_text(data.get(f"day_{day.value}", ""))
            except forms.ValidationError as exc:
                self.add_error(f"day_{day.value}", exc)
        data["hours"] = hours
        return data


class CalendarDayForm(StyledForm):
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("type"), choices=CalendarDayKind.choices)
    name = forms.CharField(label=_("name"), required=False, max_length=100)


class SeedForm(StyledForm):
    year = forms.IntegerField(label=_("year"), min_value=2004, max_value=2100)


class SlaPolicyForm(StyledModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["name", "calendar", "is_default", "pause_when_pending", "warn_percent", "raise_priority_on_breach", "reassign_on_breach"]


class SlaTargetForm(StyledForm):
    priority = forms.ChoiceField(label=_("priority"), choices=Case._meta.get_field("priority").choices)
    value_tier = forms.ChoiceField(label=_("value tier"), required=False)
    first_response_minutes = forms.IntegerField(label=_("first response (business minutes)"), min_value=1)
    resolution_minutes = forms.IntegerField(label=_("resolution (business minutes)"), min_value=1)

    def __init__(self, *args, **kwargs):
        from guanxi.customers.choices import ValueTier

        super().__init__(*args, **kwargs)
        self.fields["value_tier"].choices = [("", _("any tier"))] + list(ValueTier.choices)


class ArticleForm(StyledModelForm):
    class Meta:
        from .models import Article

        model = Article
        fields = ["title", "category", "problem", "solution", "is_public", "is_published"]
        widgets = {"problem": forms.Textarea(attrs={"rows": 5}), "solution": forms.Textarea(attrs={"rows": 8})}


class FeedbackForm(StyledForm):
    helpful = forms.TypedChoiceField(label=_("Was this helpful?"), choices=[("1", _("Yes")), ("0", _("No"))], coerce=lambda v: v == "1")
    comment = forms.CharField(label=_("comment"), max_length=500, required=False)
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)


# --- installed products, service contracts, returns ---------------------------------------------

def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstalledProductForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)

    class Meta:
        from .models import InstalledProduct

        model = InstalledProduct
        fields = ["account", "contact", "product", "serial_number", "install_date", "warranty_end", "location", "status", "notes"]
        widgets = {"install_date": _date_input(), "warranty_end": _date_input(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        from guanxi.sales.models import Product

        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
        active = Product.objects.filter(is_active=True)
        if self.instance.pk:
            active = Product.objects.filter(pk=self.instance.product_id) | active
        self.fields["product"].queryset = active.order_by("code")

    def _post_clean(self):  # the service validates (and folds the serial number before checking it is unique)
        pass


class ServiceContractForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)

    class Meta:
        from .models import ServiceContract

        model = ServiceContract
        fields = ["account", "contact", "name", "start_date", "end_date", "value", "currency", "sla_policy", "installed_products",
                  "owner", "renewal_reminder_days", "notes"]
        widgets = {"start_date": _date_input(), "end_date": _date_input(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        from .models import InstalledProduct

        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
        self.fields["owner"].queryset = _active_users()
        if not self.instance.pk and self.user is not None:
            self.fields["owner"].initial = self.user.pk
        self.fields["sla_policy"].queryset = SlaPolicy.objects.order_by("name")
        # covered units: those of the contract's account (choose the account first, then its units)
        account_id = self.data.get("account") or self.initial.get("account") or self.instance.account_id
        units = InstalledProduct.objects.select_related("product").order_by("serial_number")
        self.fields["installed_products"].queryset = units.filter(account_id=account_id) if str(account_id or "").isdigit() else units.none()
        self.fields["installed_products"].required = False

    def _post_clean(self):
        pass


class ContractStatusForm(StyledForm):
    from .choices import ContractStatus as _ContractStatus

    status = forms.ChoiceField(label=_("status"), choices=_ContractStatus.choices)


class EntitlementForm(StyledForm):
    from .choices import EntitlementUnit as _EntitlementUnit

    name = forms.CharField(label=_("name"), max_length=100)
    unit = forms.ChoiceField(label=_("unit"), choices=_EntitlementUnit.choices)
    quantity = forms.DecimalField(label=_("quantity"), min_value=0, max_digits=10, decimal_places=2)


class ConsumeForm(StyledForm):
    quantity = forms.DecimalField(label=_("quantity"), min_value=0, max_digits=10, decimal_places=2, initial=1)
    case = forms.CharField(label=_("case number"), max_length=20, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class RmaForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)

    class Meta:
        from .models import Rma

        model = Rma
        fields = ["account", "contact", "reason", "owner", "diagnosis", "return_carrier", "return_tracking_number"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3}), "diagnosis": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
        self.fields["owner"].queryset = _active_users()
        if self.instance.pk:
            del self.fields["account"]
        elif self.user is not None:
            self.fields["owner"].initial = self.user.pk
        else:  # diagnosis and shipment come later, with the status
            for name in ("diagnosis", "return_carrier", "return_tracking_number"):
                del self.fields[name]

    def _post_clean(self):
        pass


class RmaLineForm(StyledForm):
    installed_product = forms.ModelChoiceField(None, label=_("installed product"), required=False)
    product = forms.ModelChoiceField(None, label=_("product"), required=False, help_text=_("For an item without a registered unit."))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)
    problem = forms.CharField(label=_("problem"), max_length=300, required=False)

    def __init__(self, *args, rma=None, **kwargs):
        from guanxi.sales.models import Product

        from .models import InstalledProduct

        super().__init__(*args, **kwargs)
        units = InstalledProduct.objects.select_related("product").order_by("serial_number")
        self.fields["installed_product"].queryset = units.filter(account_id=rma.account_id) if rma is not None else units.none()
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("code")

    def clean(self):
        data = super().clean()
        if not data.get("installed_product") and not data.get("product"):
            self.add_error("installed_product", _("Choose the returned unit, or a product."))
        return data


class RmaStatusForm(StyledForm):
    from .choices import RmaStatus as _RmaStatus

    status = forms.ChoiceField(label=_("status"), choices=_RmaStatus.choices)
    diagnosis = forms.CharField(label=_("diagnosis"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    return_carrier = forms.CharField(label=_("return carrier"), max_length=60, required=False)
    return_tracking_number = forms.CharField(label=_("return tracking number"), max_length=100, required=False)


class ReplacementForm(StyledForm):
    from .choices import ReplacementWarranty as _ReplacementWarranty

    serial_number = forms.CharField(label=_("serial number of the replacement"), max_length=100)
    warranty = forms.ChoiceField(label=_("warranty"), choices=_ReplacementWarranty.choices, initial=_ReplacementWarranty.CARRY_OVER)
    install_date = forms.DateField(label=_("install date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text=_("Empty: today."))


class WarrantyTermForm(StyledForm):
    product = forms.ModelChoiceField(None, label=_("product"))
    months = forms.IntegerField(label=_("warranty (months)"), min_value=0, max_value=240, required=False,
                                help_text=_("Empty or 0: no warranty term."))

    def __init__(self, *args, **kwargs):
        from guanxi.sales.models import Product

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("code")
