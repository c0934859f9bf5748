"""Errors of the sending services (a code for the API, a sentence for people)."""

from django.utils.translation import gettext_lazy as _

from tenants.errors import Conflict, ValidationFailed


class CampaignStateError(Conflict):
    """The campaign is not in a state that allows this (start a sent campaign…)."""

    code = "campaigns.wrong_status"

    def __init__(self, message=None):
        super().__init__(message or _("This campaign cannot do that in its present state."))


class ScheduleInPast(ValidationFailed):
    code = "campaigns.schedule_in_past"

    def __init__(self, message=None):
        super().__init__(message or _("Choose a time in the future."), field="when")
