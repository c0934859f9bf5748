"""The post-show quiz on the contact's timeline ("campaigns.survey.answered"), written by
campaigns.surveys through this one function (crm owns its timeline). Idempotent: one event per
invitation (dedupe key). crm/engagement.py holds the other campaign events of the timeline."""

from __future__ import annotations

from datetime import datetime

from .models import TimelineEvent

SURVEY_ANSWERED = "campaigns.survey.answered"


def record_survey_answered(
    *,
    contact_id: int,
    invitation_id: int,
    survey_id: int,
    performance_id: int | None,
    show_id: int | None,
    rating: int | None,
    tastes: list[str],
    occurred_at: datetime,
) -> bool:
    """True when recorded now, False if this invitation's answer was already there."""
    rows = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                contact_id=contact_id,
                code=SURVEY_ANSWERED,
                occurred_at=occurred_at,
                performance_id=performance_id,
                show_id=show_id,
                dedupe_key=f"invitation:{invitation_id}",
                data={"survey_id": survey_id, "rating": rating, "tastes": tastes[:20]},
                actor_label="quiz",
            )
        ],
        ignore_conflicts=True,
    )
    return bool(rows and rows[0].pk)


def update_survey_answered(
    *, contact_id: int, invitation_id: int, rating: int | None, tastes: list[str]
) -> None:
    """The answer changed (within the quiz's edit window): its event says what it is now."""
    for event in TimelineEvent.objects.filter(
        contact_id=contact_id, code=SURVEY_ANSWERED, dedupe_key=f"invitation:{invitation_id}"
    ):
        event.data = {**event.data, "rating": rating, "tastes": tastes[:20], "changed": True}
        event.save(update_fields=["data"])
