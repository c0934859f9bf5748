"""An alert in words, in the reader's language: the reason ("came 3.1×/quarter from Sept 2019
to Aug 2025, 1.0×/quarter since") and the suggested action. Built from the facts stored on the
alert (`DropoffAlert.reason`), so the sentence follows the language, not the detection."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .models import DropoffAlert


def _month(iso: str) -> str:
    return date_format(date.fromisoformat(iso), "F Y") if iso else "?"


def _rate(value: float) -> str:
    return number_format(value, decimal_pos=1)


def reason_text(alert: DropoffAlert) -> str:
    facts = alert.reason or {}
    values = {
        "historical": _rate(facts.get("historical_rate", alert.historical_rate)),
        "recent": _rate(facts.get("recent_rate", alert.recent_rate)),
        "start": _month(facts.get("history_start", "")),
        "end": _month(facts.get("history_end", "")),
        "last": _month(facts.get("last_visit", "")),
        "months": max(1, round(facts.get("gap_days", 0) / 30.4)),
        "drop": facts.get("drop_percent", 0),
    }
    if alert.kind == DropoffAlert.Kind.STOPPED:
        return (
            _(
                "Came %(historical)s×/quarter from %(start)s to %(last)s, and not since: "
                "%(months)s months without a visit, far longer than their usual gap."
            )
            % values
        )
    return (
        _(
            "Came %(historical)s×/quarter from %(start)s to %(end)s, %(recent)s×/quarter "
            "since (%(drop)s %% less)."
        )
        % values
    )


def suggested_action(alert: DropoffAlert) -> str:
    if alert.kind == DropoffAlert.Kind.STOPPED:
        return _(
            "A personal word from the team (phone or letter): ask what kept them away and "
            "invite them to a show in line with what they used to see."
        )
    return _(
        "Keep the link: a personal recommendation for the next show of their favourite "
        "genre, or an offer to come back more often (a card, a subscription)."
    )
