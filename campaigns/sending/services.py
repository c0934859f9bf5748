"""Sending: a campaign's life (schedule, start, pause, resume, cancel) and single deliveries.

The campaign services (keyword-only, atomic, audited):

- `schedule_campaign(campaign_id=, when=, actor=)`: draft → scheduled; the periodic task
  `campaigns.start_due_campaigns` starts it when its time has come (exactly once: the start
  locks the row and checks its status);
- `start_campaign(campaign_id=, actor=)`: freezes the audience (audience.recipients(), the one
  owner of who receives it) into Delivery rows with one INSERT … SELECT, records the counts,
  and hands the rows to the senders (engine.py: batches, rate limit, retries, the sweep);
- `pause_campaign`, `resume_campaign`, `cancel_campaign`.

Single deliveries (journeys, notices):

`deliver(delivery_id=…)` is the one way a delivery leaves (newsletters in batches, journeys
one by one). A first, unbatched version; campaigns/sending grows batches, the rate limit and
retries around it without changing its contract:

- claims the row with a conditional UPDATE (pending → sending): of two workers, one wins;
- builds the message (campaigns/rendering.py) and sends it;
- marks it sent. A worker that dies between send and mark leaves `sending`: the sweeper
  re-sends it with the same Message-ID (at least once to the server, once in the inbox)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tenants.accounts.audit import record_event
from tenants.selectors import venue_url

from ..models import Campaign, Delivery
from ..rendering import build_message, compile_campaign
from . import engine
from .audience import audience_preview, recipients
from .errors import CampaignStateError, ScheduleInPast

# The delivery's token, made by PostgreSQL for the rows of a frozen audience: 122 random bits
# (gen_random_uuid, a CSPRNG) in the same URL-safe alphabet and length (22) as new_token().
_SQL_TOKEN = "translate(rtrim(encode(uuid_send(gen_random_uuid()), 'base64'), '='), '+/', '-_')"
# Constant SQL: the audience is the ORM's query, with its parameters.
_FREEZE = f"""
INSERT INTO campaigns_delivery
    (campaign_id, contact_id, occurrence, token, email, language, status, attempts,
     error, opens, clicks, created_at)
SELECT %s, r.id, '', {_SQL_TOKEN}, r.email, r.language, 'pending', 0, '', 0, 0, %s
  FROM ({{audience}}) AS r (id, email, language)
ON CONFLICT DO NOTHING
"""  # noqa: S608


def claim(delivery_id: int) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    )


def deliver(
    *,
    delivery_id: int,
    site: str | None = None,
    extra: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    compiled_cache: dict | None = None,
    mail_connection=None,
) -> bool:
    """Send one pending delivery now; False if another worker had it or it was not pending.
    `extra`: slots of this occurrence (a journey's performance details, survey link);
    `attachments`: (filename, content, mimetype), e.g. a reminder's .ics. A caller sending
    many (a journeys tick) passes `compiled_cache` (a dict kept across calls: each message
    compiled once per language) and an open `mail_connection`. A refusal is
    recorded as the bulk sender does (4xx: pending again after a pause, 5xx or the last
    attempt: failed with the server's words), then raised to the caller."""
    from django.db import connection

    if not claim(delivery_id):
        return False
    delivery = Delivery.objects.select_related("campaign", "contact").get(pk=delivery_id)
    try:
        key = (delivery.campaign_id, delivery.language)
        compiled = (compiled_cache or {}).get(key)
        if compiled is None:
            compiled = compile_campaign(delivery.campaign, language=delivery.language)
            if compiled_cache is not None:
                compiled_cache[key] = compiled
        site = site if site is not None else venue_url(connection.tenant, "")
        first_name = delivery.contact.first_name if delivery.contact_id else ""
        message = build_message(
            delivery,
            compiled,
            site=site,
            first_name=first_name,
            extra=extra,
            connection_=mail_connection,
        )
        for attachment in attachments or ():
            message.attach(*attachment)
        message.send()
    except Exception as error:
        outcome = engine.classify(error)
        engine.mark_failed(
            delivery_id=delivery_id,
            attempts=delivery.attempts,
            error=outcome.text,
            temporary=outcome.temporary,
        )
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    return True


# --- A campaign's life -------------------------------------------------------------------------
def _locked(campaign_id: int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _audit(code: str, campaign: Campaign, actor, **data) -> None:
    record_event(code=code, actor=actor, obj=campaign, data={"name": campaign.name, **data})


@transaction.atomic
def schedule_campaign(*, campaign_id: int, when: datetime, actor=None) -> Campaign:
    """Send it at `when` (a draft, or a scheduled campaign moved to another time)."""
    campaign = _locked(campaign_id)
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        raise CampaignStateError()
    if when is None or when <= timezone.now() - timedelta(seconds=5):
        raise ScheduleInPast()
    old = campaign.scheduled_at
    campaign.status, campaign.scheduled_at = Campaign.Status.SCHEDULED, when
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    record_event(
        code="campaigns.campaign.scheduled",
        actor=actor,
        obj=campaign,
        changes={"scheduled_at": (old, when)},
        data={"name": campaign.name},
    )
    return campaign


@transaction.atomic
def unschedule_campaign(*, campaign_id: int, actor=None) -> Campaign:
    """Back to draft (no longer sent at its time)."""
    campaign = _locked(campaign_id)
    if campaign.status != Campaign.Status.SCHEDULED:
        raise CampaignStateError()
    campaign.status = Campaign.Status.DRAFT
    campaign.save(update_fields=["status", "updated_at"])
    _audit("campaigns.campaign.unscheduled", campaign, actor)
    return campaign


def _freeze_audience(campaign: Campaign, now: datetime) -> int:
    """One INSERT … SELECT of the recipients' delivery rows; returns how many were written
    (a row already there for a contact is left alone: ON CONFLICT DO NOTHING)."""
    audience = recipients(campaign, now=now).order_by().values_list("pk", "email", "language")
    sql, params = audience.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_FREEZE.format(audience=sql), [campaign.pk, now, *params])
        return cursor.rowcount


@transaction.atomic
def start_campaign(*, campaign_id: int, actor=None) -> Campaign:
    """Send it now: the audience is decided at this moment (consent, cap), written as one
    pending Delivery per recipient, then sent by the workers. Exactly once: the row is locked
    and must be draft or scheduled (a second start, a late scheduler tick, raise)."""
    campaign = _locked(campaign_id)
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        raise CampaignStateError()
    now = timezone.now()
    preview = audience_preview(campaign=campaign, now=now)
    written = _freeze_audience(campaign, now)
    campaign.status = Campaign.Status.SENDING if written else Campaign.Status.SENT
    campaign.started_at = now
    campaign.finished_at = None if written else now
    campaign.recipients = written
    campaign.excluded_cap = preview.capped
    campaign.excluded_consent = preview.no_consent
    campaign.save(
        update_fields=[
            "status",
            "started_at",
            "finished_at",
            "recipients",
            "excluded_cap",
            "excluded_consent",
            "updated_at",
        ]
    )
    _audit(
        "campaigns.campaign.started",
        campaign,
        actor,
        recipients=written,
        excluded_cap=preview.capped,
        excluded_consent=preview.no_consent,
        no_address=preview.no_address,
    )
    if written:
        engine.kick(campaign.pk)
    return campaign


@transaction.atomic
def pause_campaign(*, campaign_id: int, actor=None) -> Campaign:
    """Stop after the batches in hand (each sender reads the status at its next claim)."""
    campaign = _locked(campaign_id)
    if campaign.status != Campaign.Status.SENDING:
        raise CampaignStateError()
    campaign.status = Campaign.Status.PAUSED
    campaign.save(update_fields=["status", "updated_at"])
    _audit("campaigns.campaign.paused", campaign, actor)
    return campaign


@transaction.atomic
def resume_campaign(*, campaign_id: int, actor=None) -> Campaign:
    campaign = _locked(campaign_id)
    if campaign.status != Campaign.Status.PAUSED:
        raise CampaignStateError()
    campaign.status = Campaign.Status.SENDING
    campaign.save(update_fields=["status", "updated_at"])
    _audit("campaigns.campaign.resumed", campaign, actor)
    if not engine.finish_if_done(campaign_id=campaign.pk):
        engine.kick(campaign.pk)
    return campaign


@transaction.atomic
def cancel_campaign(*, campaign_id: int, actor=None) -> Campaign:
    """Nothing more is sent: deliveries not sent yet are skipped (a batch in a sender's hands
    finishes)."""
    campaign = _locked(campaign_id)
    if campaign.status not in (
        Campaign.Status.SCHEDULED,
        Campaign.Status.SENDING,
        Campaign.Status.PAUSED,
    ):
        raise CampaignStateError()
    skipped = Delivery.objects.filter(campaign=campaign, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED
    )
    campaign.status, campaign.finished_at = Campaign.Status.CANCELLED, timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    _audit("campaigns.campaign.cancelled", campaign, actor, skipped=skipped)
    return campaign


def start_due_campaigns(*, now: datetime | None = None) -> int:
    """Every minute, per venue: start the scheduled campaigns whose time has come. Two ticks
    at once start each campaign once (start_campaign locks and checks the status)."""
    now = now or timezone.now()
    started = 0
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)
    for campaign_id in due.order_by("scheduled_at").values_list("pk", flat=True):
        try:
            start_campaign(campaign_id=campaign_id, actor=None)
        except CampaignStateError:
            continue  # another tick started it, or someone cancelled it meanwhile
        started += 1
    return started
