from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Cooperative and venues")

    def ready(self) -> None:
        from .accounts.models import ApiToken, User
        from .generations import PUBLIC, bump_on_write
        from .models import Domain, Venue
        from .navigation import NavItem, register

        # What VenueMiddleware and API authentication keep in each process (generations.py).
        bump_on_write(Venue, Domain, schema=PUBLIC)
        bump_on_write(User, ApiToken)

        register(NavItem("dashboard", _("Dashboard"), "home", "backoffice.view", order=0))
        register(
            NavItem(
                "settings",
                _("Venue"),
                "backoffice:settings_profile",
                "venue.manage",
                order=900,
                group=_("Settings"),
            )
        )
        register(
            NavItem(
                "staff",
                _("Staff"),
                "backoffice:settings_staff",
                "staff.manage",
                order=910,
                group=_("Settings"),
            )
        )
        register(
            NavItem(
                "tokens",
                _("API tokens"),
                "backoffice:settings_tokens",
                "tokens.manage",
                order=920,
                group=_("Settings"),
            )
        )
        register(
            NavItem(
                "audit",
                _("Audit trail"),
                "backoffice:audit_log",
                "audit.view",
                order=930,
                group=_("Settings"),
            )
        )
