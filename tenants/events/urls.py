"""URLs of the events app, mounted by config/urls.py: the back-office webhook screens and the
webhook API."""

from django.urls import path

from . import api, views

backoffice_patterns = (
    [
        path("webhooks/", views.webhook_list, name="webhook_list"),
        path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
        path("webhooks/<int:pk>/active/", views.webhook_set_active, name="webhook_set_active"),
        path("webhooks/<int:pk>/secret/", views.webhook_rotate_secret, name="webhook_rotate"),
        path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
        path(
            "webhooks/deliveries/<int:pk>/resend/",
            views.delivery_resend,
            name="delivery_resend",
        ),
    ],
    "events",
)

# Part of config/urls.py's /api/v1/ list (namespace "api").
api_patterns = [
    path("webhooks/", api.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", api.WebhookDetail.as_view(), name="webhook"),
    path(
        "webhooks/<int:pk>/deliveries/",
        api.WebhookDeliveries.as_view(),
        name="webhook_deliveries",
    ),
    path(
        "webhooks/deliveries/<int:pk>/resend/",
        api.DeliveryResend.as_view(),
        name="webhook_delivery_resend",
    ),
]
