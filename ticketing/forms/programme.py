"""Forms of the programme screens: shows, performances and their price plans, sales settings,
tariffs, allocations."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ticketing import selectors
from ticketing.models import Allocation, Extra, Layout, Performance, Tariff
from ticketing.models.orders import Channel
from ticketing.models.pricing import FeeBearer
from ticketing.services.programme import SHOW_FIELDS, CategoryPlan

from .fields import (
    DateTimeLocalField,
    IdListField,
    cents_to_input,
    euros_to_cents,
    int_list,
    parse_money,
)

PLAN_ROWS = 3
IMAGE_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_COLORS = ("#8a1538", "#1d4f91", "#2a7f62")


class ShowForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    artists = forms.CharField(
        label=_("Artists"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Cast and creative team, one per line."),
    )
    genres = forms.CharField(
        label=_("Genres"),
        required=False,
        help_text=_("Comma-separated, e.g. theatre, comedy."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=1440, required=False
    )
    age_guidance = forms.CharField(
        label=_("Age guidance"), max_length=60, required=False, help_text=_("e.g. From 12")
    )
    accessibility_notes = forms.CharField(
        label=_("Accessibility"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Surtitles, audio description, relaxed performance, wheelchair access…"),
    )
    image = forms.ImageField(
        label=_("Image"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 10 MB; smaller copies are made for phones."),
    )
    image_alt = forms.CharField(
        label=_("Image description"),
        max_length=200,
        required=False,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    video_url = forms.URLField(
        label=_("Video"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_("A YouTube or Vimeo address; loaded only when the spectator clicks."),
    )

    show_tax_rate_bp = forms.DecimalField(
        label=_("Show tax (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
        help_text=_(
            "The tax on ticket revenue excluding VAT (3.5 per cent for variety shows, and for "
            "theatre through the ASTP); 0 or empty: not subject. Shown on receipts statements."
        ),
    )

    def clean_show_tax_rate_bp(self) -> int:
        rate = self.cleaned_data.get("show_tax_rate_bp")
        return int((rate * 100).to_integral_value()) if rate else 0

    def clean_genres(self) -> list[str]:
        parts = [g.strip()[:40] for g in self.cleaned_data["genres"].split(",")]
        return list(dict.fromkeys(p for p in parts if p))

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and getattr(image, "size", 0) > IMAGE_MAX_BYTES:
            raise forms.ValidationError(_("This picture is too large (10 MB at most)."))
        return image


class ShowEditForm(ShowForm):
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)

    @classmethod
    def for_show(cls, show, data=None, files=None) -> ShowEditForm:
        initial = {name: getattr(show, name) for name in SHOW_FIELDS}
        initial["genres"] = ", ".join(show.genres)
        initial["show_tax_rate_bp"] = Decimal(show.show_tax_rate_bp) / 100
        return cls(data, files, initial=initial)

    def changes(self) -> dict:
        """The service's arguments (an image only when a new one was uploaded)."""
        data = self.cleaned_data
        fields = {name: data[name] for name in SHOW_FIELDS if name in data}
        if data.get("image"):
            fields["image"] = data["image"]
        fields["remove_image"] = bool(data.get("remove_image"))
        return fields


class PerformanceForm(forms.Form):
    """A performance and its price plan: up to PLAN_ROWS categories, each with the seat ranks
    and/or general-admission zones it covers and one price per tariff (in euros)."""

    layout = forms.ModelChoiceField(label=_("Hall and layout"), queryset=Layout.objects.none())
    starts_at = DateTimeLocalField(label=_("Date and time"))
    doors_open_time = forms.TimeField(
        label=_("Doors open at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    sale_opens_at = DateTimeLocalField(
        label=_("Online sale opens"), required=False, help_text=_("Empty: at once.")
    )
    sale_closes_at = DateTimeLocalField(
        label=_("Online sale closes"), required=False, help_text=_("Empty: when it starts.")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Performance.Status.ON_SALE, _("On sale")),
            (Performance.Status.DRAFT, _("Draft (not visible)")),
        ],
    )
    access_info = forms.CharField(
        label=_("Access (transport, parking)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    MAIN_FIELDS = (
        "layout",
        "starts_at",
        "doors_open_time",
        "sale_opens_at",
        "sale_closes_at",
        "status",
        "access_info",
    )

    def __init__(self, *args, tariffs: list[Tariff], **kwargs):
        super().__init__(*args, **kwargs)
        self.tariffs = [t for t in tariffs if t.is_active]
        self.fields["layout"].queryset = selectors.layouts_with_hall()
        self.fields["layout"].label_from_instance = lambda layout: (
            f"{layout.hall.name} — {layout.name}"
        )
        for i in range(PLAN_ROWS):
            self.fields[f"cat{i}_name"] = forms.CharField(
                label=_("Category name"),
                max_length=60,
                required=False,
                initial=_("Cat. %(n)s") % {"n": i + 1} if i == 0 else "",
            )
            self.fields[f"cat{i}_ranks"] = forms.CharField(
                label=_("Seat ranks"),
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"placeholder": "1, 2"}),
            )
            self.fields[f"cat{i}_zones"] = forms.CharField(
                label=_("Zones"),
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"list": "zone-names"}),
            )
            self.fields[f"cat{i}_color"] = forms.RegexField(
                label=_("Colour"),
                regex=r"^#[0-9a-fA-F]{6}$",
                initial=DEFAULT_COLORS[i % len(DEFAULT_COLORS)],
                widget=forms.TextInput(attrs={"type": "color"}),
            )
            for tariff in self.tariffs:
                self.fields[f"cat{i}_price_{tariff.code}"] = forms.DecimalField(
                    label=tariff.name,
                    required=False,
                    min_value=0,
                    max_digits=8,
                    decimal_places=2,
                    widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
                )

    def main_fields(self):
        return [self[name] for name in self.MAIN_FIELDS]

    def plan_rows(self):
        return [
            {
                "number": i + 1,
                "fields": [self[f"cat{i}_{name}"] for name in ("name", "ranks", "zones", "color")],
                "prices": [self[f"cat{i}_price_{t.code}"] for t in self.tariffs],
            }
            for i in range(PLAN_ROWS)
        ]

    def clean(self):
        data = super().clean()
        plan = []
        for i in range(PLAN_ROWS):
            name = (data.get(f"cat{i}_name") or "").strip()
            prices = {
                t.code: euros_to_cents(data.get(f"cat{i}_price_{t.code}"))
                for t in self.tariffs
                if data.get(f"cat{i}_price_{t.code}") is not None
            }
            if not name:
                if prices:
                    self.add_error(f"cat{i}_name", _("Name this category or clear its prices."))
                continue
            if not prices:
                self.add_error(
                    f"cat{i}_name", _("Give at least one price for %(name)s.") % {"name": name}
                )
                continue
            try:
                ranks = set(int_list(data.get(f"cat{i}_ranks") or "", field_label=name))
            except forms.ValidationError as error:
                self.add_error(f"cat{i}_ranks", error)
                continue
            zones = {z.strip() for z in (data.get(f"cat{i}_zones") or "").split(",") if z.strip()}
            plan.append(
                CategoryPlan(
                    name=name,
                    prices=prices,
                    ranks=ranks,
                    zones=zones,
                    color=data.get(f"cat{i}_color") or DEFAULT_COLORS[i],
                )
            )
        if not plan and not self.errors:
            self.add_error("cat0_name", _("A performance needs at least one price category."))
        data["plan"] = plan
        layout, starts_at = data.get("layout"), data.get("starts_at")
        if layout is not None:
            known = set(layout.zones.values_list("name", flat=True))
            for item in plan:
                unknown = item.zones - known
                if unknown:
                    self.add_error(
                        None,
                        _("Unknown zone “%(zone)s” in this layout (zones: %(known)s).")
                        % {"zone": sorted(unknown)[0], "known": ", ".join(sorted(known)) or "—"},
                    )
        opens, closes = data.get("sale_opens_at"), data.get("sale_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("sale_closes_at", _("The sale must close after it opens."))
        if starts_at and data.get("doors_open_time"):
            doors = starts_at.replace(
                hour=data["doors_open_time"].hour, minute=data["doors_open_time"].minute
            )
            if doors > starts_at:
                self.add_error("doors_open_time", _("Doors must open before the performance."))
            data["doors_open_at"] = doors
        else:
            data["doors_open_at"] = None
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Performance.Status.DRAFT, _("Draft")),
            (Performance.Status.ON_SALE, _("On sale")),
            (Performance.Status.SOLD_OUT, _("Sold out")),
        ],
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (told to ticket holders)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class RescheduleForm(forms.Form):
    starts_at = DateTimeLocalField(label=_("New date and time"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class AllocationForm(forms.Form):
    seats = IdListField(label=_("Seats"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Allocation.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("e.g. Press night"))


class SalesSettingsForm(forms.Form):
    fee = forms.DecimalField(
        label=_("Fixed fee per ticket (€)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("Shown separately to buyers; never charged on free tickets."),
    )
    fee_percent = forms.DecimalField(
        label=_("Fee as a share of the price (%)"), min_value=0, max_value=100, decimal_places=2
    )
    hold_minutes = forms.IntegerField(
        label=_("Cart hold (minutes)"),
        min_value=2,
        max_value=60,
        help_text=_("How long seats stay reserved while a buyer pays."),
    )
    single_price_mode = forms.BooleanField(
        label=_("One single price for everyone"),
        required=False,
        help_text=_("Online, only the single-price tariff is offered where it has a price."),
    )

    fee_bearer = forms.ChoiceField(
        label=_("Who bears the booking fee"),
        choices=FeeBearer.choices,
        initial=FeeBearer.SPECTATOR,
        required=False,  # (a form posted without it: the spectator, as before)
        help_text=_(
            "The spectator pays it on top of the price; the venue takes it off its revenue. "
            "A channel or a tariff may say otherwise."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel, label in Channel.choices:
            self.fields[f"fee_bearer_{channel}"] = forms.ChoiceField(
                label=_("Booking fee, %(channel)s") % {"channel": label},
                choices=[("", _("As above")), *FeeBearer.choices],
                required=False,
            )

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "fee_cents": euros_to_cents(data["fee"]),
            "fee_percent_bp": int((data["fee_percent"] * 100).to_integral_value()),
            "hold_minutes": data["hold_minutes"],
            "single_price_mode": data["single_price_mode"],
            "fee_bearer": data.get("fee_bearer") or FeeBearer.SPECTATOR,
            "fee_bearer_by_channel": {
                channel: data[f"fee_bearer_{channel}"]
                for channel in Channel.values
                if data.get(f"fee_bearer_{channel}")
            },
        }


class TariffForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Tariff.Kind.choices)
    tax_rate = forms.DecimalField(
        label=_("VAT (%)"), min_value=0, max_value=100, decimal_places=2, initial=Decimal("5.5")
    )
    public = forms.BooleanField(label=_("Sold online"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    fee_bearer = forms.ChoiceField(
        label=_("Booking fee borne by"),
        choices=[("", _("As the settings say")), *FeeBearer.choices],
        required=False,
    )

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "kind": data["kind"],
            "tax_rate_bp": int((data["tax_rate"] * 100).to_integral_value()),
            "public": data["public"],
            "is_active": data["is_active"],
            "fee_bearer": data.get("fee_bearer") or "",
        }


TariffFormSet = forms.formset_factory(TariffForm, extra=1)


class ExtraForm(forms.Form):
    """An extra offered with the tickets of a performance (price and stock as staff type them)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Extra.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    price = forms.CharField(label=_("Price (€)"), max_length=12)
    vat = forms.CharField(label=_("VAT (%)"), max_length=6, initial="20")
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Leave empty when not limited."),
    )
    public = forms.BooleanField(label=_("Sold online"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def clean_price(self) -> int:
        return self._amount("price", _("“%(value)s” is not a price (e.g. 4,50)."))

    def clean_vat(self) -> int:
        """A rate in percent → basis points ("5,5" → 550): the same two decimals as money."""
        return self._amount("vat", _("“%(value)s” is not a rate (e.g. 5,5)."))

    def _amount(self, name: str, message) -> int:
        typed = self.cleaned_data[name]
        try:
            value = parse_money(typed)
        except ValueError:
            value = None
        if value is None:
            raise forms.ValidationError(message % {"value": typed[:12]})
        return value

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"].strip(),
            "description": data["description"].strip(),
            "price_cents": data["price"],
            "tax_rate_bp": data["vat"],
            "stock": data["stock"],
            "public": data["public"],
            "is_active": data["is_active"],
        }

    @classmethod
    def for_extra(cls, extra: Extra, **kwargs) -> ExtraForm:
        return cls(
            initial={
                "kind": extra.kind,
                "name": extra.name,
                "description": extra.description,
                "price": cents_to_input(extra.price_cents),
                "vat": cents_to_input(extra.tax_rate_bp),
                "stock": extra.stock,
                "public": extra.public,
                "is_active": extra.is_active,
            },
            prefix=f"extra{extra.pk}",
            **kwargs,
        )
