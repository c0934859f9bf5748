"""What each staff role may do. One table, read by page decorators and API permissions."""

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
BOX_OFFICE = "box_office"
COMMUNICATION = "communication"
READ_ONLY = "read_only"
# Owns the quality of the contact base: the merge queue, integrity, the data-entry charter.
DATA_STEWARD = "data_steward"
# Scans tickets at the door and sees the live count; nothing else.
DOOR = "door"
ALL_ROLES = frozenset({ADMIN, BOX_OFFICE, COMMUNICATION, READ_ONLY, DATA_STEWARD, DOOR})

# capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    "backoffice.view": ALL_ROLES,
    "venue.manage": frozenset({ADMIN}),
    "staff.manage": frozenset({ADMIN}),
    "tokens.manage": frozenset({ADMIN}),
    "webhooks.manage": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN}),
    "sales.sell": frozenset({ADMIN, BOX_OFFICE}),
    "door.scan": frozenset({ADMIN, BOX_OFFICE, DOOR}),
    "sales.view": ALL_ROLES,
    "programme.manage": frozenset({ADMIN}),
    "contacts.view": frozenset({ADMIN, BOX_OFFICE, COMMUNICATION, READ_ONLY, DATA_STEWARD}),
    "contacts.manage": frozenset({ADMIN, COMMUNICATION, DATA_STEWARD}),
    "contacts.dedup": frozenset({ADMIN, DATA_STEWARD}),
    "contacts.charter": frozenset({ADMIN, DATA_STEWARD}),
    "campaigns.manage": frozenset({ADMIN, COMMUNICATION}),
}

CAPABILITY_LABELS = {
    "backoffice.view": _("Open the back office"),
    "venue.manage": _("Edit the venue profile"),
    "staff.manage": _("Manage staff accounts"),
    "tokens.manage": _("Manage API tokens"),
    "audit.view": _("Read the audit trail"),
    "contacts.dedup": _("Review and merge duplicate contacts"),
    "contacts.charter": _("Edit the data-entry charter"),
    "door.scan": _("Scan tickets at the door"),
}


def user_can(user, capability: str) -> bool:
    """Venue staff only: a cooperative admin has no rights inside a venue's back office."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in CAPABILITIES[capability]
