"""The reports page's choices (a season or a period) and the SIBIL settings."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SibilPlaceType, SibilSettings
from .data import MAX_PERIOD_DAYS
from .sibil import DOMAINS, siret_is_valid

FORMATS = (("pdf", "PDF"), ("xlsx", "XLSX"))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end comes before the start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of three years at most."))
        for name in ("start", "end"):
            value = data.get(name)
            if value and not (date(2000, 1, 1) <= value <= date(2100, 12, 31)):
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        return data


class ReportForm(PeriodForm):
    """A season, or a period when `scope` is "period"."""

    scope = forms.ChoiceField(
        label=_("Report on"),
        choices=(("season", _("a season")), ("period", _("a period"))),
        initial="season",
        widget=forms.RadioSelect,
    )
    season = forms.ChoiceField(label=_("Season"), required=False)
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="pdf")

    def __init__(self, *args, seasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].choices = [(s, s) for s in reversed(seasons)]
        self.fields["start"].required = self.fields["end"].required = False

    def clean(self):
        data = super().clean()
        if data.get("scope") == "season":
            if not data.get("season"):
                self.add_error("season", _("Choose a season."))
        else:
            for name in ("start", "end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data


def last_quarter(today: date) -> tuple[date, date]:
    """The calendar quarter before today's (SIBIL's returns are quarterly)."""
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first - timedelta(days=1)
    return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


class SibilSettingsForm(forms.ModelForm):
    class Meta:
        model = SibilSettings
        fields = ["licence_number", "siret", "legal_name", "place_type", "insee_code"]
        help_texts = {
            "licence_number": _("As on the licence receipt, e.g. PLATESV-R-2024-001234."),
            "insee_code": _("5 characters (not the postcode), e.g. 69123 for Lyon."),
        }

    place_type = forms.ChoiceField(label=_("type of place"), choices=SibilPlaceType.choices)
    # Typed with spaces ("732 829 320 00074"): the model's 14 is checked once they are gone.
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=20,
        required=False,
        help_text=_("14 digits, the establishment that holds the ticketing."),
    )

    def clean_licence_number(self):
        # Older numberings exist: an unusual one is accepted, and flagged on the list.
        return " ".join(self.cleaned_data["licence_number"].split()).upper()

    def clean_siret(self):
        value = "".join(self.cleaned_data["siret"].split())
        if value and not siret_is_valid(value):
            raise forms.ValidationError(_("Enter the 14 digits of a valid SIRET."))
        return value

    def clean_insee_code(self):
        value = self.cleaned_data["insee_code"].strip().upper()
        if value and not (len(value) == 5 and (value.isdigit() or value[:2] in ("2A", "2B"))):
            raise forms.ValidationError(_("An INSEE code has 5 characters, e.g. 69123."))
        return value


class GenreDomainsForm(forms.Form):
    """One domain choice and one "young audience" box per genre of the programme."""

    def __init__(self, *args, genres: list[str], current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.genres = genres
        choices = [("", "—"), *DOMAINS]
        for index, genre in enumerate(genres):
            row = current.get(genre)
            self.fields[f"domain_{index}"] = forms.ChoiceField(
                label=genre, choices=choices, required=False, initial=row.domain if row else ""
            )
            self.fields[f"young_{index}"] = forms.BooleanField(
                label=_("young audience"),
                required=False,
                initial=row.young_audience if row else False,
            )

    def rows(self):
        """(genre, domain field, young-audience field, the domain's label) per genre."""
        labels = dict(DOMAINS)
        return [
            (
                genre,
                self[f"domain_{i}"],
                self[f"young_{i}"],
                labels.get(self[f"domain_{i}"].value() or "", ""),
            )
            for i, genre in enumerate(self.genres)
        ]

    def mapping(self) -> dict[str, tuple[str, bool]]:
        return {
            genre: (self.cleaned_data[f"domain_{i}"], self.cleaned_data[f"young_{i}"])
            for i, genre in enumerate(self.genres)
        }
