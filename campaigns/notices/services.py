"""Programme-change notices (consumer of ticketing.performance.cancelled / .rescheduled).

Every holder of a valid ticket of the performance (the ticket's holder, else the order's
buyer) is told at once by email — a Campaign of kind "notice", not marketing (no consent
needed, no cap) — and by SMS where they consented and have a phone. Exactly once: one notice
per event (unique event id), one Delivery per (campaign, contact, occurrence), one NoticeSms
per (notice, contact), all written in the consumer's transaction; the sends are tasks sent on
commit that claim their row first."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import dateparse, formats, timezone, translation
from django.utils.translation import gettext as _

from crm.models import Contact
from tenants.events.services import send_task
from tenants.selectors import venue_url

from ..models import Campaign, Delivery
from .models import NoticeSms, ProgrammeNotice

log = logging.getLogger(__name__)

EMAIL_TASK = "campaigns.notices.send_emails"
SMS_TASK = "campaigns.notices.send_sms"
LANGUAGES = ("fr", "en")
ISSUED_ORDER_STATUSES = ("paid", "partially_refunded", "pending")


def holders_of(performance_id: int) -> list[int]:
    """Contact ids holding a valid ticket of the performance: the ticket's holder, else the
    order's buyer (refunded, cancelled or exchanged tickets tell nobody)."""
    from ticketing.models import Ticket

    rows = Ticket.objects.filter(
        performance_id=performance_id,
        status=Ticket.Status.VALID,
        order__status__in=ISSUED_ORDER_STATUSES,
    ).values_list("holder_contact_id", "order__contact_id")
    return sorted({holder or buyer for holder, buyer in rows if holder or buyer})


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return ""
    with timezone.override(tz):
        local = timezone.localtime(moment)
        return _("%(date)s at %(time)s") % {
            "date": formats.date_format(local, "l j F Y"),
            "time": formats.time_format(local, "H:i"),
        }


def notice_content(
    *, kind: str, show_title: str, old_starts_at, starts_at, venue, language: str
) -> dict:
    """Subject and blocks of the notice in one language (the venue's time zone)."""
    space = venue_url(venue, reverse("space:home"))
    phone = venue.contact_phone or venue.contact_email or ""
    with translation.override(language):
        when_before = _when(old_starts_at, venue.timezone)
        if kind == ProgrammeNotice.Kind.CANCELLED:
            subject = _("Cancelled: %(show)s on %(when)s") % {
                "show": show_title,
                "when": when_before,
            }
            lines = [
                _("Hello {{first_name}},"),
                _("We are sorry: the performance of %(show)s on %(when)s is cancelled.")
                % {"show": show_title, "when": when_before},
                _(
                    "Your ticket will be refunded, or exchanged for another date if you "
                    "prefer. Find your booking in your spectator space, or contact the box "
                    "office%(phone)s."
                )
                % {"phone": f" ({phone})" if phone else ""},
            ]
            button = _("My bookings")
        else:
            when_after = _when(starts_at, venue.timezone)
            subject = _("New date: %(show)s on %(when)s") % {"show": show_title, "when": when_after}
            lines = [
                _("Hello {{first_name}},"),
                _("The performance of %(show)s planned on %(before)s moves to %(after)s.")
                % {"show": show_title, "before": when_before, "after": when_after},
                _(
                    "Your ticket stays valid for the new date: you need do nothing. If the new "
                    "date does not suit you, ask for a refund from your spectator space or at "
                    "the box office%(phone)s."
                )
                % {"phone": f" ({phone})" if phone else ""},
            ]
            button = _("My bookings")
        sms = f"{venue.name}: {subject}. " + (
            _("Refund or exchange: %(url)s")
            if kind == ProgrammeNotice.Kind.CANCELLED
            else _("Your ticket stays valid. Details: %(url)s")
        ) % {"url": space}
    return {
        "subject": subject,
        "preheader": lines[1],
        "blocks": [
            {"type": "heading", "text": subject},
            *({"type": "text", "text": line} for line in lines),
            {"type": "button", "label": button, "url": space},
        ],
        "sms": sms,
    }


@transaction.atomic
def notify_programme_change(
    *, event_id: int, kind: str, performance_id: int, starts_at: str = "", old_starts_at: str = ""
) -> ProgrammeNotice | None:
    """Write the notice, its deliveries and text messages (once per event); the sends leave
    after the commit."""
    from ticketing.models import Performance
    from ticketing.tickets.pdf import current_venue

    performance = Performance.objects.select_related("show").filter(pk=performance_id).first()
    if performance is None:
        return None
    venue = current_venue()
    notice = ProgrammeNotice.objects.filter(event_id=event_id).first()
    if notice is None:
        old = dateparse.parse_datetime(old_starts_at) if old_starts_at else None
        new = dateparse.parse_datetime(starts_at) if starts_at else None
        if kind == ProgrammeNotice.Kind.CANCELLED:
            old = old or performance.starts_at
        title = performance.show.title
        content = {
            lang: notice_content(
                kind=kind,
                show_title=title,
                old_starts_at=old,
                starts_at=new,
                venue=venue,
                language=lang,
            )
            for lang in LANGUAGES
        }
        campaign = Campaign.objects.create(
            name=f"{ProgrammeNotice.Kind(kind).label} — {title}"[:120],
            kind=Campaign.Kind.NOTICE,
            marketing=False,
            status=Campaign.Status.SENDING,
            content=content,
            started_at=timezone.now(),
        )
        notice = ProgrammeNotice.objects.create(
            event_id=event_id,
            kind=kind,
            performance_id=performance_id,
            show_id=performance.show_id,
            show_title=title[:200],
            old_starts_at=old,
            starts_at=new,
            campaign=campaign,
        )
    campaign = notice.campaign
    contacts = list(
        Contact.objects.filter(pk__in=holders_of(performance_id), anonymised_at__isnull=True)
    )
    occurrence = f"performance:{performance_id}"
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=campaign,
                contact=c,
                occurrence=occurrence,
                email=c.email,
                language=c.language if c.language in LANGUAGES else "fr",
            )
            for c in contacts
            if c.email
        ],
        ignore_conflicts=True,
    )
    NoticeSms.objects.bulk_create(
        [
            NoticeSms(
                notice=notice,
                contact=c,
                phone=c.phone,
                language=c.language if c.language in LANGUAGES else "fr",
            )
            for c in contacts
            if c.sms_consent is True and c.phone
        ],
        ignore_conflicts=True,
    )
    notice.holders = len(contacts)
    notice.save(update_fields=["holders"])
    campaign.recipients = campaign.deliveries.count()
    campaign.save(update_fields=["recipients"])
    schema = connection.schema_name
    notice_id = notice.pk
    transaction.on_commit(lambda: _queue(notice_id, schema), robust=True)
    return notice


def _queue(notice_id: int, schema: str) -> None:
    for name in (EMAIL_TASK, SMS_TASK):
        try:
            send_task(name, args=[notice_id], headers={"_schema_name": schema})
        except Exception:  # the broker is away: sending again later finds the pending rows
            log.warning("notices: could not queue %s for %s", name, notice_id, exc_info=True)


def send_notice_emails(*, notice_id: int) -> int:
    """Send the notice's pending deliveries (each claimed first: run twice, sends once)."""
    from ..sending.services import deliver

    notice = ProgrammeNotice.objects.select_related("campaign").get(pk=notice_id)
    site = venue_url(connection.tenant, "")
    sent = 0
    ids = notice.campaign.deliveries.filter(status=Delivery.Status.PENDING).values_list(
        "id", flat=True
    )
    for delivery_id in list(ids):
        try:
            sent += deliver(delivery_id=delivery_id, site=site)
        except Exception as error:  # one bad address does not stop the others
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.FAILED, error=str(error)[:300]
            )
    if not notice.campaign.deliveries.filter(
        Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING)
    ).exists():
        from ticketing.models import ProgrammeChange

        now = timezone.now()
        # Once: a second run (a redelivered event) keeps the first finishing time.
        Campaign.objects.filter(pk=notice.campaign_id).exclude(status=Campaign.Status.SENT).update(
            status=Campaign.Status.SENT, finished_at=now
        )
        # The programme's own record of the change says its holders were told.
        ProgrammeChange.objects.filter(
            performance_id=notice.performance_id,
            kind=notice.kind,
            created_at__lte=notice.created_at,
            notified_at__isnull=True,
        ).update(notified_at=now)
    return sent


def send_notice_sms(*, notice_id: int) -> int:
    """Send the notice's pending text messages, each claimed by a conditional UPDATE."""
    from tenants.sms import send_sms

    notice = ProgrammeNotice.objects.select_related("campaign").get(pk=notice_id)
    sent = 0
    for sms in list(notice.sms.filter(status=NoticeSms.Status.PENDING)):
        claimed = NoticeSms.objects.filter(pk=sms.pk, status=NoticeSms.Status.PENDING).update(
            status=NoticeSms.Status.SENDING, claimed_at=timezone.now()
        )
        if not claimed:
            continue
        content = notice.campaign.content.get(sms.language) or notice.campaign.content["fr"]
        try:
            send_sms(to=sms.phone, body=content["sms"])
        except Exception as error:
            NoticeSms.objects.filter(pk=sms.pk).update(
                status=NoticeSms.Status.FAILED, error=str(error)[:300]
            )
            continue
        NoticeSms.objects.filter(pk=sms.pk).update(
            status=NoticeSms.Status.SENT, sent_at=timezone.now()
        )
        sent += 1
    return sent
