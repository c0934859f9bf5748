"""Mounted under /backoffice/campaigns/dropoff/ by config/urls.py (namespace "dropoff")."""

from django.urls import path

from . import views

backoffice_patterns = (
    [
        path("", views.dropoff_page, name="page"),
        path("<int:pk>/dismiss/", views.alert_dismiss, name="dismiss"),
        path("<int:pk>/done/", views.alert_done, name="done"),
    ],
    "dropoff",
)
