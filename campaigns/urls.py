"""URLs of the campaigns app. `backoffice_patterns` are mounted under /backoffice/campaigns/
(namespace "campaigns"); `public_patterns` at the venue's root (namespace "mail"): the
tracking and unsubscribe addresses of campaigns/addresses.py, the post-show quiz. Each part
keeps its own list; this module only puts them together."""

from .composer import urls as composer_urls
from .journeys import urls as journeys_urls
from .notices import views as notice_views
from .sending import urls as sending_urls
from .surveys import views as survey_views
from .tracking import urls as tracking_urls

backoffice_patterns: tuple[list, str] = (
    [
        *composer_urls.backoffice_urlpatterns,
        *survey_views.backoffice_urlpatterns,
        *notice_views.backoffice_urlpatterns,
        *tracking_urls.backoffice_,
        *journeys_urls.backoffice,
        *sending_urls.backoffice,
    ],
    "campaigns",
)
public_patterns: tuple[list, str] = (
    [*survey_views.public_urlpatterns, *tracking_urls.public],
    "mail",
)
