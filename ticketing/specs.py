"""What a sale asks for and what it took: plain values passed between the channels (API, counter,
storefront), the selectors that price and choose seats, and the services that write.

No behaviour lives here, so both reads (selectors) and writes (services) can use these types
without one depending on the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Places per cart or order, whatever the channel.
MAX_PER_HOLD = 20


@dataclass
class HoldRequest:
    seat_ids: list[int] = field(default_factory=list)  # Seat ids of the performance's layout
    zones: dict[int, int] = field(default_factory=dict)  # PerformanceZone id -> quantity
    best_available: int = 0  # number of seats chosen by best available
    category_id: int | None = None  # restrict best available to a price category
    wheelchair: int = 0
    # The spectator's declared needs (ticketing.bestseat.NEEDS): best available looks among
    # the seats that fit them first.
    needs: tuple[str, ...] = ()

    @property
    def places(self) -> int:
        return len(self.seat_ids) + self.best_available + sum(self.zones.values())


@dataclass
class TariffChoice:
    default: int  # Tariff id for every place without its own choice
    seats: dict[int, int] = field(default_factory=dict)  # Seat id -> Tariff id
    # Standing places: PerformanceZone id -> {Tariff id: number of places}; the places of a
    # zone not covered by its split take `default`.
    zones: dict[int, dict[int, int]] = field(default_factory=dict)

    def tariff_ids(self) -> set[int]:
        """Every tariff this choice may use (the prices an order reads)."""
        return {
            self.default,
            *self.seats.values(),
            *(tariff for split in self.zones.values() for tariff in split),
        }


@dataclass
class PaymentSpec:
    method: str
    amount_cents: int | None  # None: whatever is still due (see services.orders.settle_payments)
    reference: str = ""


@dataclass
class Buyer:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    postcode: str = ""
    language: str = "fr"
    newsletter: bool | None = None
    contact_id: int | None = None  # a contact picked at the counter: linked as is


@dataclass(frozen=True)
class TakenSeat:
    """A seat just taken (for a cart or straight into an order)."""

    seat_id: int
    category_id: int
    label: str


@dataclass(frozen=True)
class TakenPlaces:
    """Standing places just taken in one zone of the performance."""

    zone_id: int  # PerformanceZone id
    category_id: int
    quantity: int


@dataclass(frozen=True)
class OrderTerms:
    """How an order is settled when it is not a plain sale: a reservation or a phone sale
    (`pay_by`: pending, seats taken, paid by then or released) or an invitation
    (`invitation_reason`: free tickets, no payment; `invited_by_id`: the contact who invites)."""

    pay_by: object = None  # an aware datetime
    invitation_reason: str = ""
    invited_by_id: int | None = None

    @property
    def invitation(self) -> bool:
        return bool(self.invitation_reason)
