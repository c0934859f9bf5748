"""Extra slots of journey emails ({{survey_url}}, {{performance_title}}…), per run. Their
names are registered with the composer (MESSAGE_SLOTS) so that a journey email's text may
carry them; any other message keeps "{{" as typed."""

from __future__ import annotations

from campaigns.surveys.services import survey_url_for

NAMES = frozenset(
    {
        "performance_title",
        "performance_date",
        "access_info",
        "buy_url",
        "show_performance_title",
        "show_performance_date",
        "show_access_info",
        "show_buy_url",
        "survey_url",
        "ics_url",
        "seats_status",
    }
)


def survey_url(*, contact_id: int, performance_id: int | None) -> str:
    """The contact's post-show quiz for a performance (an invitation made once)."""
    if performance_id is None:
        return ""
    return survey_url_for(contact_id=contact_id, performance_id=performance_id)
