from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

from guanxi.framework.forms import StyledForm, StyledModelForm

from .models import Role, Task, Team, Territory, User


class ProfileForm(StyledModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "phone", "language", "time_zone"]

    def clean_time_zone(self):
        import zoneinfo

        value = self.cleaned_data["time_zone"].strip()
        if value:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise forms.ValidationError(_("“%(zone)s” is not a known time zone.") % {"zone": value}) from None
        return value


class UserForm(StyledModelForm):
    roles = forms.ModelMultipleChoiceField(label=_("roles"), queryset=Role.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(label=_("password"), required=False, widget=forms.PasswordInput(render_value=False),
                               help_text=_("Leave empty to keep the current password."))

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "team", "phone", "language", "time_zone", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = Role.objects.filter(group__user=self.instance)
        else:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_password(self):
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data.get("password")
        if password:
            validate_password(password, self.instance if self.instance.pk else None)
        return password


class TeamForm(StyledModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent", "manager"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(is_active=True)


def guanxi_app_labels() -> list[str]:
    """The apps whose permissions a role hands out: Guanxi's own, each app that is installed."""
    from django.apps import apps

    return [c.label for c in apps.get_app_configs() if c.name.startswith("guanxi.") and c.label not in {"framework", "demo"}]


class RoleForm(StyledModelForm):
    permissions = forms.ModelMultipleChoiceField(
        label=_("permissions"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Permission.objects.none(),  # every Guanxi app's permissions, see __init__
    )

    class Meta:
        model = Role
        fields = ["name", "description", "organisation_wide"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].queryset = Permission.objects.filter(content_type__app_label__in=guanxi_app_labels()).select_related(
            "content_type").order_by("content_type__app_label", "content_type__model", "codename")
        self.fields["permissions"].initial = self.instance.group.permissions.all() if self.instance.pk else []
        self.fields["permissions"].label_from_instance = lambda p: f"{p.content_type.model_class()._meta.verbose_name if p.content_type.model_class() else p.content_type.model}: {p.name}"


class TerritoryForm(StyledModelForm):
    provinces = forms.CharField(label=_("provinces"), required=False, help_text=_("Separate several with commas."))
    cities = forms.CharField(label=_("cities"), required=False, help_text=_("Separate several with commas."))
    postal_codes = forms.CharField(label=_("postal code prefixes"), required=False, help_text=_("For example 200, 2150."))
    industries = forms.CharField(label=_("industries"), required=False, help_text=_("Industry codes, for example manufacturing, retail."))

    class Meta:
        model = Territory
        fields = ["name", "code", "level", "parent", "is_active", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("provinces", "cities", "postal_codes", "industries"):
            if self.instance.pk:
                self.initial[name] = ", ".join(getattr(self.instance, name) or [])
        self.fields["members"].queryset = User.objects.filter(is_active=True)
        self.fields["members"].required = False


class TaskForm(StyledModelForm):
    class Meta:
        model = Task
        fields = ["title", "due_at", "priority", "assigned_to", "description"]
        widgets = {"due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}), "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = User.objects.filter(is_active=True)
        self.fields["assigned_to"].required = False


class ExplainForm(StyledForm):
    subject = forms.ModelChoiceField(label=_("user"), queryset=User.objects.filter(is_active=True))
    record_type = forms.ChoiceField(label=_("record type"))
    record_id = forms.IntegerField(label=_("record ID"), min_value=1)

    def __init__(self, *args, record_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_types


class AuditedPasswordChangeForm(PasswordChangeForm):
    """Django's password change form, saving through the service so that the change is audited."""

    def save(self, commit=True):
        from .services import user_set_password

        user_set_password(user=self.user, acting_user=self.user, password=self.cleaned_data["new_password1"])
        return self.user
