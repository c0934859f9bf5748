from django.urls import path

from . import views

backoffice_patterns = (
    [
        path("", views.dashboard, name="dashboard"),
        path("refresh/", views.refresh, name="refresh"),
        path("<slug:code>/", views.to_fix, name="to_fix"),
    ],
    "crm_integrity",
)
