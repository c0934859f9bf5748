"""Privacy URLs: back office (namespace crm_privacy) and the public notice."""

from django.urls import path

from . import views

backoffice_patterns = (
    [
        path("", views.privacy_overview, name="overview"),
        path("retention/", views.run_retention, name="retention"),
        path("requests/<int:pk>/", views.decide_erasure, name="decide"),
        path("contacts/<int:pk>/data.json", views.contact_data_export, name="export"),
        path("contacts/<int:pk>/anonymise/", views.contact_anonymise, name="anonymise"),
    ],
    "crm_privacy",
)
