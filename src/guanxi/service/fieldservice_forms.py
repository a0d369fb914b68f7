"""Forms of the field service pages. They check shape; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Territory, User
from guanxi.customers.models import Account, Contact
from guanxi.framework.forms import StyledForm, StyledModelForm
from guanxi.framework.widgets import LookupChoiceField
from guanxi.sales.models import Product

from .businesshours import format_hours, hours_from_text, parse_hours
from .choices import Weekday
from .fieldservice_choices import VisitResult, WorkOrderStatus
from .models import Technician, WorkOrder

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _datetime_field(label, required=False):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, input_formats=DATETIME_FORMATS)


class SkillsField(forms.CharField):
    """Skill codes typed as ``network, printer``; shown the same way."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value

    def to_python(self, value):
        from .fieldservice_services import clean_skills

        return clean_skills(super().to_python(value))


class WorkOrderForm(StyledModelForm):
    account = LookupChoiceField(Account.objects.none(), "customers:account_lookup", label=_("account"))
    contact = LookupChoiceField(Contact.objects.none(), "customers:contact_lookup", label=_("contact"), required=False)
    required_skills = SkillsField(label=_("required skills"), required=False, help_text=_("Skill codes separated by commas."))
    window_start = _datetime_field(_("requested from"))
    window_end = _datetime_field(_("requested until"))

    class Meta:
        model = WorkOrder
        fields = [
            "account", "contact", "case", "subject", "description", "work_type", "priority", "required_skills", "duration_minutes",
            "window_start", "window_end", "address", "location_note", "site_phone", "territory",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "case": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Case

        if self.user is not None:
            self.fields["account"].queryset = Account.objects.visible_to(self.user)
            self.fields["contact"].queryset = Contact.objects.visible_to(self.user)
            self.fields["case"].queryset = Case.objects.visible_to(self.user)
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True)
        self.fields["address"].help_text = _("Empty: the account's primary address.")
        if self.instance.pk:
            del self.fields["case"]


class ScheduleForm(StyledForm):
    technician = forms.ModelChoiceField(User.objects.none(), label=_("technician"))
    scheduled_start = _datetime_field(_("scheduled start"), required=True)
    scheduled_end = _datetime_field(_("scheduled end"))

    def __init__(self, *args, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .fieldservice_selectors import technicians_in_scope

        ids = [t.user_id for t in (technicians if technicians is not None else technicians_in_scope(user=self.user))]
        self.fields["technician"].queryset = User.objects.filter(pk__in=ids).order_by("username")


class WorkOrderStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("status"), choices=WorkOrderStatus.choices)


class PartForm(StyledForm):
    product = forms.ModelChoiceField(Product.objects.none(), label=_("product"))
    quantity = forms.DecimalField(label=_("quantity"), min_value=0, max_digits=12, decimal_places=2, initial=1)
    serial_numbers = forms.CharField(label=_("serial numbers"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text=_("One a line or separated by commas."))
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("code")


class VisitReportForm(StyledForm):
    arrived_at = _datetime_field(_("arrived"))
    departed_at = _datetime_field(_("departed"))
    work_done = forms.CharField(label=_("work done"), widget=forms.Textarea(attrs={"rows": 4}))
    result = forms.ChoiceField(label=_("result"), choices=VisitResult.choices)
    signed_off_by = forms.CharField(label=_("customer sign-off name"), required=False, max_length=100)
    follow_up_needed = forms.BooleanField(label=_("follow-up needed"), required=False)
    follow_up_notes = forms.CharField(label=_("follow-up notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    resolve_case = forms.BooleanField(label=_("resolve the case"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is None or not case.is_open:
            del self.fields["resolve_case"]


class TechnicianForm(StyledModelForm):
    skills = SkillsField(label=_("skills"), required=False, help_text=_("Skill codes separated by commas, e.g. network, printer."))

    class Meta:
        model = Technician
        fields = ["user", "skills", "territory", "home_base", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["territory"].queryset = Territory.objects.filter(is_active=True)
        hours = parse_hours(self.instance.working_hours) if self.instance.pk else {}
        for day in Weekday:
            self.fields[f"hours_{day.value}"] = forms.CharField(
                label=day.label, required=False, initial=format_hours(hours.get(day.value, [])),
                help_text=_("For example 08:30-12:00, 13:00-17:30; empty: not working.") if day.value == 0 else "",
            )
        if self.instance.pk:
            self.fields["user"].disabled = True
        from guanxi.framework.forms import style

        style(self)

    def clean(self):
        data = super().clean()
        hours = {}
        for day in Weekday:
            try:
                spans = hours_from_text(data.get(f"hours_{day.value}", ""))
            except forms.ValidationError as exc:
                self.add_error(f"hours_{day.value}", exc)
                continue
            if spans:
                hours[str(day.value)] = spans
        data["working_hours"] = hours
        return data

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("skills", "territory", "home_base", "is_active", "working_hours")}
        return data


class TimeOffForm(StyledForm):
    starts_at = _datetime_field(_("from"), required=True)
    ends_at = _datetime_field(_("until"), required=True)
    reason = forms.CharField(label=_("reason"), required=False, max_length=200)
