"""Forms of the ticketing screens, by sub-domain: they parse and validate input; services do
the rest. `halls` (seat maps), `programme` (shows, performances, prices, tariffs), `sale`
(the counter), `orders` (refunds, payments, exchanges), `buyers`, `storefront`; the places
and tariffs of a sale are read by the one cart parser, ticketing.carts."""

from .fields import DateTimeLocalField, IdListField, euros_to_cents
from .halls import (
    HallForm,
    LayoutForm,
    LayoutImportForm,
    SeatAttributesForm,
    SectionForm,
    ZoneForm,
)
from .programme import (
    AllocationForm,
    CancelForm,
    ExtraForm,
    PerformanceForm,
    RescheduleForm,
    SalesSettingsForm,
    ShowEditForm,
    ShowForm,
    StatusForm,
    TariffForm,
    TariffFormSet,
)

__all__ = [
    "AllocationForm",
    "CancelForm",
    "DateTimeLocalField",
    "ExtraForm",
    "HallForm",
    "IdListField",
    "LayoutForm",
    "LayoutImportForm",
    "PerformanceForm",
    "RescheduleForm",
    "SalesSettingsForm",
    "SeatAttributesForm",
    "SectionForm",
    "ShowEditForm",
    "ShowForm",
    "StatusForm",
    "TariffForm",
    "TariffFormSet",
    "ZoneForm",
    "euros_to_cents",
]
