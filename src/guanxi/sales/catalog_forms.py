"""Forms of the configurator, tax-rate, opportunity-line and knowledge-board pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.framework.forms import StyledForm, StyledModelForm

from .models import Competitor, KnowledgePost, Product, ProductOption, TaxRate


class OptionGroupForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    is_required = forms.BooleanField(label=_("required"), required=False)
    min_choices = forms.IntegerField(label=_("at least"), min_value=0, initial=0)
    max_choices = forms.IntegerField(label=_("at most"), min_value=1, required=False, help_text=_("Empty: any number."))


class OptionForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    price = forms.DecimalField(label=_("extra price"), max_digits=18, decimal_places=2, min_value=0, initial=0)
    is_default = forms.BooleanField(label=_("chosen by default"), required=False)
    requires = forms.ModelMultipleChoiceField(label=_("requires"), queryset=ProductOption.objects.none(), required=False)
    excludes = forms.ModelMultipleChoiceField(label=_("cannot be combined with"), queryset=ProductOption.objects.none(), required=False)

    def __init__(self, *args, product: Product | None = None, exclude_pk: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None:
            options = ProductOption.objects.filter(group__product=product).select_related("group").exclude(pk=exclude_pk)
            for name in ("requires", "excludes"):
                self.fields[name].queryset = options
                self.fields[name].widget.attrs["size"] = 4


class OptionPriceForm(StyledForm):
    currency = forms.CharField(label=_("currency"), max_length=3, min_length=3)
    price = forms.DecimalField(label=_("extra price"), max_digits=18, decimal_places=2, min_value=0)


class ComponentForm(StyledForm):
    component = forms.ModelChoiceField(label=_("component"), queryset=Product.objects.filter(is_active=True))
    quantity = forms.DecimalField(label=_("quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), initial=1)


class OpportunityLineForm(StyledForm):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.filter(is_active=True))
    quantity = forms.DecimalField(label=_("quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), initial=1)
    unit_price = forms.DecimalField(label=_("unit price"), max_digits=18, decimal_places=2, min_value=0, required=False,
                                    help_text=_("Empty: the price book's price for the quantity."))
    discount_percent = forms.DecimalField(label=_("discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0)
    description = forms.CharField(label=_("description"), max_length=300, required=False)


class ConfigureForm(StyledForm):
    quantity = forms.DecimalField(label=_("quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), initial=1)
    discount_percent = forms.DecimalField(label=_("discount (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0)
    tax = forms.ModelChoiceField(label=_("tax rate"), queryset=TaxRate.objects.filter(is_active=True), required=False,
                                 empty_label=_("the product's rate"))


class KnowledgePostForm(StyledModelForm):
    class Meta:
        model = KnowledgePost
        fields = ["title", "body", "tags", "product", "competitor"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        self.fields["competitor"].queryset = Competitor.objects.all()


class KnowledgeCommentForm(StyledForm):
    body = forms.CharField(label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}))
