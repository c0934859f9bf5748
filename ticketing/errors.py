from django.utils.translation import gettext_lazy as _

from tenants.errors import Conflict, ParterreError, ValidationFailed


class SeatsUnavailable(Conflict):
    code = "ticketing.seats_unavailable"

    def __init__(self, message=None, *, seats: list[str] | None = None):
        super().__init__(message or _("Some of these seats were just taken: choose others."))
        self.seats = seats or []


class NotEnoughPlaces(Conflict):
    code = "ticketing.not_enough_places"


class HoldExpired(Conflict):
    code = "ticketing.hold_expired"

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Your reservation expired and its seats were released. "
                "Please choose your seats again."
            )
        )


class HoldNotActive(Conflict):
    """A cart already confirmed, released or expired cannot be released again."""

    code = "ticketing.hold_not_active"


class NotOnSale(Conflict):
    code = "ticketing.not_on_sale"


class ExtraSoldOut(Conflict):
    code = "ticketing.extra_sold_out"


class InvalidRequest(ValidationFailed):
    code = "ticketing.invalid"


class CashSessionClosed(Conflict):
    """A counter payment needs its desk's cash session open (it was closed meanwhile)."""

    code = "ticketing.cash_session_closed"

    def __init__(self, message=None):
        super().__init__(
            message or _("This desk's cash session is closed: open a session to take payments.")
        )


__all__ = [
    "CashSessionClosed",
    "ExtraSoldOut",
    "HoldExpired",
    "HoldNotActive",
    "InvalidRequest",
    "NotEnoughPlaces",
    "NotOnSale",
    "ParterreError",
    "SeatsUnavailable",
]
