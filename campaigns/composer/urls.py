from django.urls import path

from . import views

backoffice_urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("settings/", views.communication_settings, name="communication_settings"),
    path("<int:pk>/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/audience/", views.campaign_audience, name="campaign_audience"),
    path("<int:pk>/preview/", views.campaign_preview, name="campaign_preview"),
    path(
        "<int:pk>/preview/<str:language>.html",
        views.campaign_preview_html,
        name="campaign_preview_html",
    ),
    path("<int:pk>/test/", views.campaign_test, name="campaign_test"),
    path("<int:pk>/send/", views.campaign_send, name="campaign_send"),
]
