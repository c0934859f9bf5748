"""The import wizard's forms: the file, then the columns."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .mapping import FIELDS, IGNORE
from .models import ContactImport
from .reading import MAX_FILE_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Contact file"),
        help_text=_("CSV (any separator, UTF-8 or Windows) or Excel .xlsx; first row: headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": MAX_FILE_BYTES >> 20}
            )
        return upload


FIELD_CHOICES = [(IGNORE, _("— Ignore this column —"))] + [(f.code, f.label) for f in FIELDS]


class MappingForm(forms.Form):
    """One choice per column of the file (`column_<index>`), the mode and the consent
    declaration."""

    mode = forms.ChoiceField(
        label=_("Contacts already in the base"),
        choices=ContactImport.Mode.choices,
        widget=forms.RadioSelect,
    )
    consent_declared = forms.BooleanField(
        label=_("I declare that the people in this file agreed to receive the newsletter"),
        required=False,
    )
    consent_declaration = forms.CharField(
        label=_("Where and how were the consents collected?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the file has a consent column but no column giving its source "
            "(e.g. “sign-up sheet at the 2025 open day”). Recorded with your name."
        ),
    )

    def __init__(self, *args, headers: list[str], samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=FIELD_CHOICES,
                required=False,
            )
            seen = [row[index] for row in samples if index < len(row) and row[index]]
            examples = list(dict.fromkeys(seen))[:3]
            self.columns.append({"name": name, "index": index, "examples": examples})

    def bound_columns(self):
        return [{**column, "field": self[column["name"]]} for column in self.columns]

    def mapping(self) -> dict[str, str]:
        return {
            str(column["index"]): self.cleaned_data.get(column["name"]) or ""
            for column in self.columns
        }
