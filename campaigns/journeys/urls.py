"""Journeys' back-office URLs, added to campaigns' backoffice_patterns (/backoffice/campaigns/)."""

from django.urls import path

from . import views

backoffice = [
    path("journeys/", views.journey_list, name="journey_list"),
    path("journeys/new/", views.journey_form, name="journey_new"),
    path("journeys/<int:pk>/", views.journey_detail, name="journey_detail"),
    path("journeys/<int:pk>/edit/", views.journey_form, name="journey_edit"),
    path("journeys/<int:pk>/switch/", views.journey_switch, name="journey_switch"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
]
