"""Analytics' own tables: aggregates of what ticketing records, kept up to date from its
events (analytics.consumers) and rebuilt from ticketing's tables on demand
(analytics.services.rebuild_sales_aggregates). The dashboard reads these, never the raw
tickets. Ids of other apps' rows are plain integers: an aggregate outlives nothing and
holds no foreign key that would slow ticketing's writes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Movement(models.TextChoices):
    """What happened to tickets. Amounts are signed: refunds and exchanges out are negative,
    so a sum over every movement is the net position (what the statements count)."""

    SALE = "sale", _("Sold")
    REFUND = "refund", _("Refunded")
    EXCHANGE_OUT = "exchange_out", _("Exchanged away")
    EXCHANGE_IN = "exchange_in", _("Received from an exchange")


class SalesFact(models.Model):
    """Tickets of one performance that moved on one day (venue time), per channel, tariff,
    price category, promo code and movement; invitations apart (`invitation`)."""

    performance_id = models.BigIntegerField()
    day = models.DateField()
    channel = models.CharField(max_length=20)
    tariff_id = models.BigIntegerField()
    category_id = models.BigIntegerField(default=0)  # 0: none
    promo_code = models.CharField(max_length=40, default="")
    movement = models.CharField(max_length=12, choices=Movement.choices)
    invitation = models.BooleanField(default=False)
    # Why it was offered (ticketing's InvitationReason), "" for a sale.
    invitation_reason = models.CharField(max_length=20, default="")
    tickets = models.IntegerField(default=0)
    # Orders are counted on the row of their first ticket (as the statements do).
    orders = models.IntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)
    fee_cents = models.BigIntegerField(default=0)  # paid by spectators on top of the price
    venue_fee_cents = models.BigIntegerField(default=0)  # borne by the venue

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "performance_id",
                    "day",
                    "channel",
                    "tariff_id",
                    "category_id",
                    "promo_code",
                    "movement",
                    "invitation",
                    "invitation_reason",
                ],
                name="analytics_salesfact_key",
            )
        ]
        indexes = [models.Index(fields=["day"], name="analytics_salesfact_day")]


class PerformanceSales(models.Model):
    """One row per performance that sold anything: what it is (show, hall, season, date,
    capacity) and its net totals, for the season and cross-season figures."""

    performance_id = models.BigIntegerField(primary_key=True)
    show_id = models.BigIntegerField(null=True)
    hall_id = models.BigIntegerField(null=True)
    starts_at = models.DateTimeField(null=True)
    season = models.CharField(max_length=9, default="", db_index=True)
    capacity = models.IntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    tickets = models.IntegerField(default=0)  # net, invitations apart
    web_tickets = models.IntegerField(default=0)  # net, sold online
    orders = models.IntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)
    fee_cents = models.BigIntegerField(default=0)
    venue_fee_cents = models.BigIntegerField(default=0)
    invitations = models.IntegerField(default=0)
    refunded = models.IntegerField(default=0)  # tickets refunded (positive)
    exchanged_out = models.IntegerField(default=0)
    exchanged_in = models.IntegerField(default=0)


class LeadTime(models.Model):
    """Net tickets (invitations apart) of a performance sold so many days before it (venue
    days; 0 = the day itself), for the J−x curve."""

    performance_id = models.BigIntegerField()
    days_before = models.IntegerField()
    tickets = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["performance_id", "days_before"], name="analytics_leadtime_key"
            )
        ]


class TypicalCurve(models.Model):
    """The venue's typical sales curve: at J−x, the median share of a performance's final
    sales already sold, over its recent past performances (services.refresh_typical_curve)."""

    days_before = models.IntegerField(primary_key=True)
    share = models.FloatField()
    performances = models.IntegerField()
    computed_at = models.DateTimeField()


# The audience (analytics.audience): recomputed whole by `refresh_audience` (a periodic
# task per venue), read by the "Public" page; spectators are contacts, never raw tickets.


class AudienceSeason(models.Model):
    """One row per season (the performances' season, crm.behaviour.season_of)."""

    season = models.CharField(max_length=9, primary_key=True)
    first_year = models.IntegerField()  # the season's first year: orders seasons
    performances = models.IntegerField(default=0)
    tickets = models.IntegerField(default=0)  # valid tickets of paid orders (invitations too)
    # Tickets whose spectator is known: those a named companion holds, plus one per order
    # with a known buyer and performance (the buyer's own seat).
    identified_tickets = models.IntegerField(default=0)
    companion_tickets = models.IntegerField(default=0)
    companions = models.IntegerField(default=0)  # distinct companions holding a ticket
    spectators = models.IntegerField(default=0)  # distinct known people (buyers, companions)
    seats = models.IntegerField(default=0)  # known people × performances they held a seat at
    new_spectators = models.IntegerField(default=0)  # whose first performance is this season
    # Of the new spectators, those who are spectators of the next season too.
    renewed_next = models.IntegerField(default=0)


class AudienceDepartment(models.Model):
    """Spectators of a season by where they live (crm's département of their postcode;
    analytics.geography.ABROAD, or "" when unknown)."""

    season = models.CharField(max_length=9)
    department = models.CharField(max_length=3)
    spectators = models.IntegerField(default=0)
    new_spectators = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["season", "department"], name="analytics_audiencedept_key"
            )
        ]


class AudiencePerformance(models.Model):
    """Per performance that sold anything: its known spectators and first-timers (people
    whose first performance at the venue it is)."""

    performance_id = models.BigIntegerField(primary_key=True)
    season = models.CharField(max_length=9, db_index=True)
    starts_at = models.DateTimeField()
    title = models.CharField(max_length=300, default="")
    tickets = models.IntegerField(default=0)
    identified_tickets = models.IntegerField(default=0)
    spectators = models.IntegerField(default=0)
    first_timers = models.IntegerField(default=0)


class AudienceRefresh(models.Model):
    """When the audience tables were last recomputed (the page's freshness)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    computed_at = models.DateTimeField()
    duration_ms = models.IntegerField(default=0)
