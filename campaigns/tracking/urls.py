"""Tracking's addresses: public (mounted at the venue's root by campaigns/urls.py) and back
office (under /backoffice/campaigns/)."""

from django.urls import path

from . import backoffice, views, webhooks

public = [
    path("m/o/<str:token>.gif", views.pixel, name="pixel"),
    path("m/c/<str:token>/<int:link_id>/<str:signature>/", views.click, name="click"),
    path("m/u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("m/p/<str:token>/", views.preferences, name="preferences"),
    path("l/<str:slug>/", views.short_link, name="short_link"),
    path("m/hooks/<str:provider>/tracking/", webhooks.provider_webhook, name="provider_webhook"),
]

backoffice_ = [
    path("operations/", backoffice.operation_list, name="operation_list"),
    path("operations/new/", backoffice.operation_edit, name="operation_new"),
    path("operations/<int:pk>/", backoffice.operation_detail, name="operation_detail"),
    path("operations/<int:pk>/edit/", backoffice.operation_edit, name="operation_edit"),
    path(
        "operations/<int:pk>/links/<int:link_pk>/qr.<str:fmt>",
        backoffice.operation_qr,
        name="operation_qr",
    ),
    path("<int:pk>/stats/", backoffice.campaign_stats, name="stats"),
    path("reports/targeting/", backoffice.targeting_report, name="targeting_report"),
]
