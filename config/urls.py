"""URLs of a venue host (<slug>.<base domain>)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from analytics import views as analytics_views
from campaigns import urls as campaigns_urls
from campaigns.dropoff import urls as dropoff_urls
from crm import api as crm_api
from crm import urls as crm_urls
from crm.dedup import views as dedup_views
from crm.imports import views as crm_imports_views
from crm.integrity import urls as integrity_urls
from crm.privacy import urls as privacy_urls
from crm.privacy import views as privacy_views
from crm.signup import urls as signup_urls
from tenants import api as tenants_api
from tenants.events import urls as events_urls
from tenants.views import backoffice, storefront, system
from tenants.views import devmail as devmail_views
from tenants.views import devsms as devsms_views
from tenants.views.auth import LoginView, LogoutView, invitation
from ticketing import api as ticketing_api
from ticketing import urls as ticketing_urls
from ticketing.api import door as door_api
from ticketing.api import tickets as tickets_api

accounts_patterns = (
    [
        path("login/", LoginView.as_view(), name="login"),
        path("logout/", LogoutView.as_view(), name="logout"),
        path("invitation/<str:uidb64>/<str:token>/", invitation, name="invitation"),
    ],
    "accounts",
)

backoffice_patterns = (
    [
        path("settings/", backoffice.settings_profile, name="settings_profile"),
        path("settings/staff/", backoffice.settings_staff, name="settings_staff"),
        path("settings/staff/<int:pk>/", backoffice.staff_update, name="staff_update"),
        path("settings/tokens/", backoffice.settings_tokens, name="settings_tokens"),
        path("settings/tokens/<int:pk>/revoke/", backoffice.token_revoke, name="token_revoke"),
        path("settings/audit/", backoffice.audit_log, name="audit_log"),
    ],
    "backoffice",
)

api_v1_endpoints = [
    path("me/", tenants_api.MeView.as_view(), name="me"),
    path("venue/", tenants_api.VenueView.as_view(), name="venue"),
    path("staff/", tenants_api.StaffListView.as_view(), name="staff"),
    path("shows/", ticketing_api.ShowList.as_view(), name="shows"),
    path("performances/", ticketing_api.PerformanceList.as_view(), name="performances"),
    path(
        "performances/<int:pk>/availability/",
        ticketing_api.PerformanceAvailability.as_view(),
        name="performance_availability",
    ),
    path(
        "performances/<int:pk>/seats/",
        ticketing_api.PerformanceSeats.as_view(),
        name="performance_seats",
    ),
    path("holds/", ticketing_api.HoldCreate.as_view(), name="holds"),
    path("holds/<uuid:token>/", ticketing_api.HoldDetail.as_view(), name="hold"),
    path("orders/", ticketing_api.OrderCreate.as_view(), name="orders"),
    path("orders/<str:reference>/", ticketing_api.OrderDetail.as_view(), name="order"),
    path("orders/<str:reference>/cancel/", ticketing_api.OrderCancel.as_view(), name="cancel"),
    path("orders/<str:reference>/refund/", ticketing_api.OrderRefund.as_view(), name="refund"),
    path(
        "orders/<str:reference>/exchange/",
        ticketing_api.OrderExchange.as_view(),
        name="exchange",
    ),
    path(
        "orders/<str:reference>/tickets.pdf",
        tickets_api.OrderTicketsPdf.as_view(),
        name="order_tickets_pdf",
    ),
    path("orders/<str:reference>/resend/", tickets_api.OrderResend.as_view(), name="resend"),
    path("tickets/public-key/", tickets_api.TicketPublicKey.as_view(), name="ticket_public_key"),
    path(
        "performances/<int:pk>/door-bundle/",
        tickets_api.DoorBundle.as_view(),
        name="door_bundle",
    ),
    path(
        "performances/<int:pk>/check-ins/",
        door_api.CheckInCreate.as_view(),
        name="check_in",
    ),
    path(
        "performances/<int:pk>/check-ins/sync/",
        door_api.CheckInSync.as_view(),
        name="check_in_sync",
    ),
    path(
        "performances/<int:pk>/door-counts/",
        door_api.DoorCounts.as_view(),
        name="door_counts",
    ),
    *events_urls.api_patterns,
    *crm_urls.api_patterns,
    *crm_api.api_patterns,
]
api_v1_patterns = (
    [
        path("", tenants_api.ApiRoot.as_view(patterns=tuple(api_v1_endpoints)), name="root"),
        *api_v1_endpoints,
        re_path(r"", tenants_api.not_found),  # any other address: a JSON 404
    ],
    "api",
)

urlpatterns = [
    path("", include(ticketing_urls.storefront_patterns)),
    path("space/", include(ticketing_urls.space_patterns)),
    path("", include(ticketing_urls.widget_patterns)),
    path("", storefront.home, name="storefront_home"),
    path("backoffice/", include(ticketing_urls.backoffice_patterns)),
    path("backoffice/", backoffice.dashboard, name="home"),
    path("backoffice/", include(backoffice_patterns)),
    path("backoffice/", include(events_urls.backoffice_patterns)),
    path("backoffice/privacy/", include(privacy_urls.backoffice_patterns)),
    path("backoffice/integrity/", include(integrity_urls.backoffice_patterns)),
    path("backoffice/signup-form/", include(signup_urls.backoffice_patterns)),
    path("inscription/", include(signup_urls.public_patterns)),
    path("donnees-personnelles/", privacy_views.privacy_notice, name="privacy_notice"),
    path("backoffice/contacts/duplicates/", include(dedup_views.urlpatterns)),
    path("backoffice/", include(crm_urls.backoffice_patterns)),
    path("backoffice/contacts/", include(crm_imports_views.backoffice_patterns)),
    path("backoffice/campaigns/", include(campaigns_urls.backoffice_patterns)),
    path("backoffice/statistics/", include((analytics_views.urlpatterns, "analytics"))),
    path("", include(campaigns_urls.public_patterns)),
    path("backoffice/campaigns/dropoff/", include(dropoff_urls.backoffice_patterns)),
    path("accounts/", include(accounts_patterns)),
    path("api/v1/", include(api_v1_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]),
        name="api_docs",
    ),
    path("healthz", system.healthz, name="healthz"),
    # Emails captured by `make run` (DEBUG only: 404 otherwise).
    path("dev/mail/", include(devmail_views.urlpatterns)),
    path("dev/sms/", include(devsms_views.urlpatterns)),
    path("media/<str:schema>/<path:path>", system.media, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
]
