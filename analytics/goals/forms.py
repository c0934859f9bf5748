"""The goal form: what the venue types (a share in percent, money in euros) turned into
the indicator's scale; the rules themselves are the services' (services._check)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import indicators
from . import selectors
from .models import Goal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LIMIT = Decimal("9999999999")


def _scale(kind: str, mode: str) -> Decimal:
    """How many of the indicator's units one typed unit is worth."""
    if mode == Goal.Mode.PERCENT:
        return Decimal(1)
    return {"percent": Decimal("0.01"), "money": Decimal(100)}.get(kind, Decimal(1))


def _typed(value: Decimal) -> Decimal:
    """30.0000 → 30, 0.3000 → 0.3 (never "3E+1" in the field)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class GoalForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    season = forms.ChoiceField(label=_("Season"))
    mode = forms.ChoiceField(label=_("Target"), choices=Goal.Mode.choices)
    amount = forms.DecimalField(
        label=_("Value"),
        max_digits=14,
        decimal_places=2,
        min_value=-LIMIT,
        max_value=LIMIT,
        help_text=_(
            "A share in percent (30 for 30 %), an amount in euros; a growth in percent "
            "(10 for +10 %) or in the indicator's unit (0.3 seats, 5 points of share)."
        ),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    label = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=Goal._meta.get_field("label").max_length,
    )

    def __init__(self, *args, goal: Goal | None = None, **kwargs):
        if goal is not None and "initial" not in kwargs:
            kind = indicators.get(goal.indicator).kind if indicators.get(goal.indicator) else ""
            kwargs["initial"] = {
                "indicator": goal.indicator,
                "season": goal.season,
                "mode": goal.mode,
                "amount": _typed(goal.amount / _scale(kind, goal.mode)),
                "starts_on": goal.starts_on,
                "deadline": goal.deadline,
                "label": goal.label,
            }
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicators.choices()
        seasons = selectors.season_choices()
        if goal is not None and goal.season not in seasons:
            seasons.append(goal.season)
        self.fields["season"].choices = [(s, s) for s in seasons]
        if goal is None and not self.is_bound:
            season = seasons[1]
            first, last = selectors.season_bounds(season)
            self.initial.setdefault("season", season)
            self.initial.setdefault("starts_on", max(first, timezone.localdate()))
            self.initial.setdefault("deadline", last)

    def goal_fields(self) -> dict:
        """The cleaned fields in the services' terms (the indicator's scale)."""
        data = dict(self.cleaned_data)
        found = indicators.get(data["indicator"])
        data["amount"] = data["amount"] * _scale(found.kind if found else "", data["mode"])
        return data
