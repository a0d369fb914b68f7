"""Forms of the portal: log-in, passwords, cases, replies, the survey and article feedback."""

from __future__ import annotations

import os

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from guanxi.framework.forms import StyledForm
from guanxi.service.choices import CaseType

#: file types a customer may upload (by extension); executables and scripts are refused
DEFAULT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "gif", "webp", "heic", "txt", "log", "csv", "doc", "docx", "xls", "xlsx",
                      "ppt", "pptx", "zip", "7z", "eml", "mp4", "mov")


def upload_extensions() -> tuple[str, ...]:
    return tuple(getattr(settings, "GUANXI_PORTAL_UPLOAD_EXTENSIONS", DEFAULT_EXTENSIONS))


def upload_limit() -> int:
    """The largest file a customer may upload: the portal's own limit, never above the case attachment limit."""
    return min(int(getattr(settings, "GUANXI_PORTAL_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)), settings.GUANXI_MAX_ATTACHMENT_BYTES)


def check_upload(upload):
    """Refuse a file that is too large or of a type the portal does not take; the message names the reason."""
    if upload is None:
        return upload
    limit = upload_limit()
    if upload.size > limit:
        raise forms.ValidationError(_("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)})
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in upload_extensions():
        raise forms.ValidationError(_("Files of type “%(type)s” cannot be uploaded here. Allowed: %(allowed)s.") % {
            "type": extension or "?", "allowed": ", ".join(upload_extensions())})
    if upload.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    return upload


class AttachmentField(forms.FileField):
    def clean(self, data, initial=None):
        return check_upload(super().clean(data, initial))


class LoginForm(StyledForm):
    email = forms.EmailField(label=_("e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordResetForm(StyledForm):
    email = forms.EmailField(label=_("e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class SetPasswordForm(StyledForm):
    password1 = forms.CharField(label=_("new password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("new password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_password2(self):
        one, two = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if one and two and one != two:
            raise forms.ValidationError(_("The two passwords differ."))
        return two


class CaseForm(StyledForm):
    subject = forms.CharField(label=_("subject"), max_length=200)
    case_type = forms.ChoiceField(label=_("type"), choices=CaseType.choices, initial=CaseType.QUESTION)
    category = forms.ModelChoiceField(label=_("category"), queryset=None, required=False, empty_label=_("Not sure"))
    installed_product = forms.ModelChoiceField(label=_("product"), queryset=None, required=False, empty_label=_("None or not listed"),
                                               help_text=_("The unit the case is about, when it is one of yours."))
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("What happened, what you expected, and any error message."))
    file = AttachmentField(label=_("attachment"), required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        self.fields["category"].queryset = selectors.portal_categories()
        units = selectors.unit_choices(account=account)
        self.fields["installed_product"].queryset = units
        self.fields["installed_product"].label_from_instance = lambda u: f"{u.product.name} · {u.serial_number}"
        if not units.exists():
            del self.fields["installed_product"]


class RmaRequestForm(StyledForm):
    installed_products = forms.ModelMultipleChoiceField(
        label=_("products to return"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one product to return.")},
    )
    reason = forms.CharField(label=_("reason for return"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("What is wrong with it; we confirm the return and tell you where to send it."))

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        from . import selectors

        self.fields["installed_products"].queryset = selectors.unit_choices(account=account)
        self.fields["installed_products"].label_from_instance = lambda u: f"{u.product.name} · {u.serial_number}"


class TokenForm(StyledForm):
    name = forms.CharField(label=_("token name"), max_length=100, help_text=_("What will use it, e.g. “ERP connector”."))


class ReplyForm(StyledForm):
    body = forms.CharField(label=_("your reply"), widget=forms.Textarea(attrs={"rows": 4}))
    file = AttachmentField(label=_("attachment"), required=False)


class SurveyForm(StyledForm):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled this case?"), choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int, widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class InviteForm(StyledForm):
    email = forms.EmailField(label=_("e-mail"), required=False, help_text=_("Empty: the contact's main e-mail address."))
