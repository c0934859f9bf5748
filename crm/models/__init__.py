"""Contacts of one venue, their consents and their timeline (in the venue's schema).

crm keeps its own behaviour columns (purchases, attendance, refunds) and timeline: ticketing
reports to it through `crm.services.record_*` and crm never reads ticketing tables.
"""

from .behaviour import (  # noqa: F401
    Affinity,
    BehaviourSettings,
    GenreStats,
    QuarterStats,
    SeasonStats,
)
from .contacts import (  # noqa: F401
    AccessibilityNeed,
    Contact,
    ContactEmail,
    ContactRelation,
    ContactType,
    Favourite,
    Language,
    RelationKind,
    Source,
)
from .segments import Segment  # noqa: F401
from .spectators import SignInLink, SpectatorAccount  # noqa: F401
from .timeline import Consent, TimelineEvent  # noqa: F401

# isort: split
# Models of the crm's sub-packages, registered with the app (they import Contact from here).
from crm.charter.models import DataCharter
from crm.dedup.models import (
    ContactMatchKey,
    DedupSettings,
    DuplicateCandidate,
    Merge,
)
from crm.imports.models import ContactExport, ContactImport, ImportRow
from crm.integrity.models import IntegritySnapshot
from crm.privacy.models import ErasureRequest, PrivacySettings
from crm.signup.models import PendingSignup, SignupSettings

__all__ = [
    "ContactExport",
    "ContactImport",
    "ContactMatchKey",
    "DataCharter",
    "DedupSettings",
    "DuplicateCandidate",
    "ErasureRequest",
    "ImportRow",
    "IntegritySnapshot",
    "Merge",
    "PendingSignup",
    "PrivacySettings",
    "SignupSettings",
]
