"""The venue's comparison with the cooperative (back office): each of its key indicators
against the anonymised median of the venues of its kind and of all venues. The medians come
from tenants' shared figures (tenants.selectors.medians): never another venue's name or
figure, and nothing when fewer than three venues have one."""

from django.db import connection
from django.shortcuts import render
from django.urls import path

from tenants.accounts.permissions import capability_required
from tenants.figures import MIN_VENUES, SHAREABLE_FIGURES
from tenants.selectors import venue_comparison

from .cooperative import activity_figures, seasons_to_publish, shared_indicators, venue_today
from .templatetags.analytics_ui import cell_text


def _median_text(value, kind: str) -> str:
    # A median of an even number of venues falls between two: whole euros are enough.
    if kind == "money" and value is not None:
        value = round(value, -2)
    return cell_text(value, kind)


def _row(key, label, kind, own, of_kind, of_all) -> dict:
    return {
        "key": key,
        "label": label,
        "own": cell_text(own, kind),
        "kind_median": _median_text(of_kind.value, kind),
        "kind_venues": of_kind.venues,
        "all_median": _median_text(of_all.value, kind),
        "all_venues": of_all.venues,
    }


def comparison(*, season: str, actor=None) -> list[dict]:
    """The current venue's indicators of `season` and of now, each with its medians."""
    venue = connection.tenant
    today = venue_today(venue)
    compared = [i for i in shared_indicators() if SHAREABLE_FIGURES[i.key].compared]
    activity = {
        k: v
        for k, v in activity_figures(today).items()
        if k in SHAREABLE_FIGURES and SHAREABLE_FIGURES[k].compared
    }
    # (label, kind, value) per key, per period: the season's, then now's.
    periods = {
        season: {i.key: (i.label, i.kind, i.measure(season)) for i in compared if i.per_season},
        "": {
            **{i.key: (i.label, i.kind, i.measure("")) for i in compared if not i.per_season},
            **{
                k: (SHAREABLE_FIGURES[k].label, SHAREABLE_FIGURES[k].kind, v)
                for k, v in activity.items()
            },
        },
    }
    found = venue_comparison(
        venue=venue, keys_by_season={p: list(f) for p, f in periods.items()}, actor=actor
    )
    return [
        {
            "season": period,
            "rows": [
                _row(
                    key,
                    label,
                    kind,
                    value,
                    found[period]["kind"][key],
                    found[period]["all"][key],
                )
                for key, (label, kind, value) in figures.items()
            ],
        }
        for period, figures in periods.items()
    ]


@capability_required("sales.view")
def compare(request):
    venue = request.tenant
    seasons = seasons_to_publish(venue_today(venue))
    season = request.GET.get("season", "")
    if season not in seasons:
        season = seasons[0]
    return render(
        request,
        "analytics/compare.html",
        {
            "season": season,
            "seasons": seasons,
            "sections": comparison(season=season, actor=request.user),
            "kind_label": venue.get_kind_display(),
            "min_venues": MIN_VENUES,
        },
    )


urlpatterns = [path("compare/", compare, name="compare")]
