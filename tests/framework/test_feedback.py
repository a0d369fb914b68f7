"""Failed writes are reported in one message: a service's reasons, or each form field's label and reason."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from guanxi.framework.feedback import error_text


class AmountForm(forms.Form):
    amount = forms.DecimalField(label="Amount")
    note = forms.CharField(label="", required=False)

    def clean(self):
        raise ValidationError("The whole form is wrong.")


def test_a_service_error_gives_its_reasons_in_order():
    exc = ValidationError({"account": ["Choose the customer's account first."], "subject": ["Too long.", "Not tidy."]})
    assert error_text(exc) == "Choose the customer's account first. Too long. Not tidy."
    assert error_text(ValidationError("Not allowed now.")) == "Not allowed now."


def test_a_form_names_each_field_by_its_label():
    form = AmountForm({"amount": "abc"})
    assert not form.is_valid()
    text = error_text(form)
    assert text.startswith(f"Amount: {form.errors['amount'][0]} ")  # Django's own reason, in the active language
    assert text.endswith("The whole form is wrong.")  # a form-wide error has no label to name
