"""URLs of the campaigns app. `backoffice_patterns` are mounted under /backoffice/campaigns/
(namespace "campaigns"); `public_patterns` at the venue's root (namespace "mail"): the
tracking and unsubscribe addresses of campaigns/addresses.py, surveys."""

from django.urls import path  # noqa: F401

backoffice_patterns: tuple[list, str] = ([], "campaigns")
public_patterns: tuple[list, str] = ([], "mail")

# Surveys and notices (campaigns/surveys, campaigns/notices).
from .notices import views as _notice_views  # noqa: E402
from .surveys import views as _survey_views  # noqa: E402

backoffice_patterns[0].extend(
    _survey_views.backoffice_urlpatterns + _notice_views.backoffice_urlpatterns
)
public_patterns[0].extend(_survey_views.public_urlpatterns)
