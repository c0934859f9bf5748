from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DataCharter, NameStyle, RequiredField
from .services import MAX_INSTRUCTIONS


class CharterForm(forms.Form):
    required_fields = forms.MultipleChoiceField(
        label=_("Required when staff create or edit a contact"),
        choices=RequiredField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    name_style = forms.ChoiceField(
        label=_("Names are written"), choices=NameStyle.choices, widget=forms.RadioSelect
    )
    strict_postcode = forms.BooleanField(
        label=_("A French postcode must have five digits"), required=False
    )
    strict_phone = forms.BooleanField(
        label=_("A phone number must exist in the numbering plan (not only have the right length)"),
        required=False,
    )
    instructions = forms.CharField(
        label=_("Instructions for staff (shown in every contact form)"),
        required=False,
        max_length=MAX_INSTRUCTIONS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def for_charter(cls, charter: DataCharter, data=None) -> "CharterForm":
        initial = {
            "required_fields": charter.required_fields,
            "name_style": charter.name_style,
            "strict_postcode": charter.strict_postcode,
            "strict_phone": charter.strict_phone,
            "instructions": charter.instructions,
        }
        return cls(data, initial=initial)
