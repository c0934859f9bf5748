"""Writes on contacts, consents and the timeline (in the current venue's schema), one module
per sub-domain: identity (find or create a person), consents, reports (what ticketing
reports: purchases, attendances, refunds, exchanges), relations (relations, favourites,
affinities, tags), behaviour (the criteria's settings).

This module is the crm's service API for the other apps: they import from here, and crm's own
modules may import from the sub-modules."""

from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from .behaviour import update_behaviour_settings  # noqa: F401
from .consents import set_consent  # noqa: F401
from .identity import (  # noqa: F401
    _match_without_email,
    find_or_create_contact,
    note_contact_viewed,
)
from .relations import add_affinity, change_tags, relate_contacts, set_favourite  # noqa: F401
from .reports import (  # noqa: F401
    record_attendance,
    record_exchange,
    record_purchase,
    record_refund,
)
