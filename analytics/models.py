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


class CampaignMonth(models.Model):
    """One sent campaign's emails (newsletters, mailings and journeys' emails alike) in one
    month of the venue's calendar: sent, opened and clicked are counted in the month the
    email was sent (rates over people), bounces, complaints and unsubscribes in the month
    they happened. Recomputed from campaigns' deliveries by
    analytics.communication_refresh (every quarter of an hour the recent campaigns, every
    night all of them): the page never counts millions of deliveries per view."""

    campaign_id = models.BigIntegerField()
    month = models.DateField()
    kind = models.CharField(max_length=12)
    targeted = models.BooleanField(default=False)
    sent = models.IntegerField(default=0)
    opened = models.IntegerField(default=0)
    clicked = models.IntegerField(default=0)
    bounced = models.IntegerField(default=0)
    complained = models.IntegerField(default=0)
    unsubscribed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign_id", "month"], name="analytics_campmonth_key")
        ]
        indexes = [models.Index(fields=["month"], name="analytics_campmonth_month")]


class JourneyFigures(models.Model):
    """A journey's figures as campaigns.journeys.selectors.journey_stats counts them (its
    conversions look up purchases in the timeline: too slow per page view on a big base)."""

    journey_id = models.BigIntegerField(primary_key=True)
    entered = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    opened = models.IntegerField(default=0)
    clicked = models.IntegerField(default=0)
    converted = models.IntegerField(default=0)


class CommunicationRefresh(models.Model):
    """When the communication figures were last recomputed: the recent campaigns, and all."""

    singleton = models.BooleanField(primary_key=True, default=True)
    recent_at = models.DateTimeField(null=True)
    full_at = models.DateTimeField(null=True)


class SibilPlaceType(models.TextChoices):
    """The place types of SIBIL's place referential (LieuDTO.typeLieu, API v2)."""

    THEATRE = "THEATRE", _("Theatre")
    ESPACE_POLYVALENT = "ESPACE_POLYVALENT", _("Multi-purpose venue")
    CASINO = "CASINO_DISCOTHEQUE_HOTEL_CAFE_RESTAURANT", _("Casino, club, hotel, café, restaurant")
    CONCERT = "SALLE_CONCERT_AUDITORIUM_OPERA_ZENITH", _("Concert hall, auditorium, opera house")
    CABARET = "CABARET_MUSIC_HALL", _("Cabaret, music hall")
    OUTDOOR = "PLEIN_AIR_PARC_LOISIRS_ATTRACTION", _("Open air, leisure park")
    TENT = "STRUCTURE_ITINERANTE_DEMONTABLE_CHAPITEAU", _("Touring structure, big top")
    WORSHIP = "LIEU_DE_CULTE", _("Place of worship")
    HEALTH = "LIEU_DE_SANTE", _("Health facility")
    OTHER = "AUTRE", _("Other")


class SibilSettings(models.Model):
    """What the culture ministry's ticketing returns (SIBIL) need that the venue profile
    does not hold. One row (pk 1), edited on the SIBIL page (docs/sibil.md)."""

    licence_number = models.CharField(
        _("performing-arts licence number"), max_length=40, blank=True
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    legal_name = models.CharField(_("legal name of the declaring body"), max_length=200, blank=True)
    place_type = models.CharField(
        _("type of place"),
        max_length=50,
        choices=SibilPlaceType.choices,
        default=SibilPlaceType.THEATRE,
    )
    insee_code = models.CharField(_("INSEE code of the commune"), max_length=5, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class SibilGenreDomain(models.Model):
    """A show genre (Show.genres) and the SIBIL domain it declares; a show takes the domain
    of the last of its genres that has one (analytics.reports.sibil.show_domain).
    `young_audience`: shows of this genre are declared "jeune public"."""

    genre = models.CharField(_("genre"), max_length=40, unique=True)
    domain = models.CharField(_("SIBIL domain"), max_length=40, blank=True)
    young_audience = models.BooleanField(_("young audience"), default=False)

    class Meta:
        ordering = ["genre"]


from .funnel_models import FunnelDay  # noqa: E402, F401 (the checkout funnel's aggregate)
from .goals.models import Goal, GoalDigest  # noqa: E402, F401 (the goals' tables)
