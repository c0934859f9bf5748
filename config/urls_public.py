"""URLs of the cooperative host (the base domain itself)."""

from django.urls import include, path

from tenants.views import console, storefront, system
from tenants.views import devmail as devmail_views
from tenants.views.auth import LoginView, LogoutView

accounts_patterns = (
    [
        path("login/", LoginView.as_view(), name="login"),
        path("logout/", LogoutView.as_view(), name="logout"),
    ],
    "accounts",
)

console_patterns = (
    [
        path("", console.venue_list, name="venue_list"),
        path("new/", console.venue_create, name="venue_create"),
        path("<int:pk>/status/", console.venue_set_status, name="venue_set_status"),
        path("<int:pk>/kind/", console.venue_set_kind, name="venue_set_kind"),
        path("figures/", console.cooperative_figures, name="figures"),
    ],
    "console",
)

urlpatterns = [
    path("", storefront.cooperative_home, name="cooperative_home"),
    path("venues/", include(console_patterns)),
    path("venues/", console.venue_list, name="home"),
    path("accounts/", include(accounts_patterns)),
    path("healthz", system.healthz, name="healthz"),
    # Emails captured by `make run` (DEBUG only: 404 otherwise).
    path("dev/mail/", include(devmail_views.urlpatterns)),
    path("i18n/", include("django.conf.urls.i18n")),
]
