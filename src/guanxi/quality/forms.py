"""Forms of the import screens: upload, then map the columns."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.framework.forms import StyledForm

from .choices import ImportKey, ImportMode, ImportTarget
from .importer.fields import KEYS, fields_for


class UploadForm(StyledForm):
    file = forms.FileField(label=_("file"), help_text=_("CSV (UTF-8, GBK or GB18030) or Excel .xlsx; the first row names the columns."))
    target = forms.ChoiceField(label=_("import into"), choices=ImportTarget.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(v, l) for v, l in ImportTarget.choices if self.user is None or self.user.has_perm(f"customers.add_{v[:-1]}")]
        self.fields["target"].choices = allowed


class MappingForm(StyledForm):
    """One select per column of the file, then mode, key, dry run, and an optional name to save the mapping under."""

    mode = forms.ChoiceField(label=_("mode"), choices=ImportMode.choices)
    key = forms.ChoiceField(label=_("match existing records by"), choices=[("", "—")], required=False)
    dry_run = forms.BooleanField(label=_("dry run (check every row, write nothing)"), required=False)
    save_as = forms.CharField(label=_("save this mapping as"), max_length=100, required=False)
    shared = forms.BooleanField(label=_("share the saved mapping with everyone"), required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        choices = [("", _("— do not import —"))] + [(f.name, f.label) for f in fields_for(batch.target)]
        self.column_fields = []
        for index, column in enumerate(batch.columns):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(label=column, choices=choices, required=False,
                                                  widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
            self.column_fields.append(name)
        self.fields["key"].choices = [("", "—")] + [(k, ImportKey(k).label) for k in KEYS[batch.target]]

    def columns(self):
        return [(self[name], index) for index, name in enumerate(self.column_fields)]

    def mapping(self) -> dict[str, str]:
        return {self.batch.columns[i]: self.cleaned_data[n] for i, n in enumerate(self.column_fields) if self.cleaned_data.get(n)}
