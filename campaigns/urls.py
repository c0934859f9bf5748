"""URLs of the campaigns app. `backoffice_patterns` are mounted under /backoffice/campaigns/
(namespace "campaigns"); `public_patterns` at the venue's root (namespace "mail"): the
tracking and unsubscribe addresses of campaigns/addresses.py, surveys."""

from django.urls import path  # noqa: F401

from .sending import urls as sending_urls

backoffice_patterns: tuple[list, str] = ([], "campaigns")
public_patterns: tuple[list, str] = ([], "mail")
backoffice_patterns[0].extend(sending_urls.backoffice)
