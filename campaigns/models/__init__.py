"""Campaigns' tables, one module per sub-domain. The core (messages.py) is shared by
newsletters and journeys: a Campaign is a message (a newsletter, a press mailing, or the email
of a journey step), a Delivery is that message to one contact, written before it is sent."""

from campaigns.journeys.models import Journey, JourneyRun, StaffTask  # noqa: F401

from ..dropoff.models import DropoffAlert, DropoffDigest, DropoffRun, DropoffSettings  # noqa: F401
from ..notices.models import NoticeSms, ProgrammeNotice  # noqa: F401
from ..surveys.models import (  # noqa: F401
    SpectatorWord,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from ..tracking.models import Attribution  # noqa: F401
from .messages import (  # noqa: F401
    Campaign,
    CommunicationSettings,
    Delivery,
    LinkClick,
    Operation,
    TrackedLink,
)
