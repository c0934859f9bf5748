"""The venue's key indicators: one registry that goals, the monthly digest, the season
reports and the cooperative comparison all read, so "online share" means one thing
everywhere.

An indicator measures a season ("2026-2027", the venue's season naming, crm.behaviour) from
analytics' aggregates or crm's kept counts, never from raw tickets. Indicators of the
contact base (integrity) measure the base as it is now: their `per_season` is False and the
season they are given is ignored. Each module that owns figures registers its own
indicators here (sales below; the audience in analytics.audience)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A figure's kind, as analytics_ui.cell_text writes it: "int", "percent" (0..1), "decimal",
# "money" (cents).
KINDS = ("int", "percent", "decimal", "money")


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    kind: str
    measure: Callable[[str], float | None]
    per_season: bool = True
    # The list or page behind the figure, for a season (a URL name resolved by the caller's
    # reverse, kept as a callable so this module needs no URLconf at import time).
    link: Callable[[str], str] | None = None
    help: str | Promise = ""


_REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.kind not in KINDS:
        raise ValueError(f"unknown kind {indicator.kind!r} for indicator {indicator.key!r}")
    _REGISTRY[indicator.key] = indicator
    return indicator


def get(key: str) -> Indicator | None:
    return _REGISTRY.get(key)


def all_indicators() -> list[Indicator]:
    return list(_REGISTRY.values())


def choices() -> list[tuple[str, str]]:
    return [(i.key, str(i.label)) for i in _REGISTRY.values()]


def measure(key: str, season: str) -> float | None:
    indicator = _REGISTRY[key]
    return indicator.measure(season)


# Sales: one row of selectors.seasons_overview (aggregates, one grouped query).


def _season_figure(name: str) -> Callable[[str], float | None]:
    def figure(season: str) -> float | None:
        from .selectors import seasons_overview

        for row in seasons_overview():
            if row["season"] == season:
                value = row[name]
                return float(value) if value is not None else None
        return None

    figure.__name__ = f"season_{name}"
    return figure


def _sales_link(season: str) -> str:
    from django.urls import reverse

    return f"{reverse('analytics:sales')}?season={season}"


def _integrity(_season: str) -> float | None:
    from crm.integrity.models import IntegritySnapshot

    latest = IntegritySnapshot.objects.order_by("-day").first()
    if latest is None or not latest.contacts:
        return None
    return latest.complete / latest.contacts


def _integrity_link(_season: str) -> str:
    from django.urls import reverse

    return reverse("crm_integrity:dashboard")


for _key, _label, _kind, _field in (
    ("tickets", _("Tickets sold"), "int", "tickets"),
    ("revenue", _("Ticket revenue"), "money", "revenue_cents"),
    ("online_share", _("Online share"), "percent", "online_share"),
    ("fill_rate", _("Fill rate"), "percent", "fill"),
    ("basket_seats", _("Seats per order"), "decimal", "basket_seats"),
):
    register(Indicator(_key, _label, _kind, _season_figure(_field), link=_sales_link))

register(
    Indicator(
        "integrity",
        _("Integrity rate of the contact base"),
        "percent",
        _integrity,
        per_season=False,
        link=_integrity_link,
    )
)
