"""URLs of the campaigns app. `backoffice_patterns` are mounted under /backoffice/campaigns/
(namespace "campaigns"); `public_patterns` at the venue's root (namespace "mail"): the
tracking and unsubscribe addresses of campaigns/addresses.py, surveys."""

from django.urls import path  # noqa: F401

from .composer import urls as composer_urls

backoffice_patterns: tuple[list, str] = ([*composer_urls.backoffice_urlpatterns], "campaigns")
public_patterns: tuple[list, str] = ([], "mail")
