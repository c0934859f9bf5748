"""The venue's behaviour settings (the thresholds of the automatic criteria)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.models import User
from tenants.errors import ValidationFailed

from ..charter.rules import normalize_email, normalize_phone  # noqa: F401 (their old home)
from ..models import (
    BehaviourSettings,
)


def update_behaviour_settings(*, actor: User | None = None, **values) -> BehaviourSettings:
    """Change the venue's season start and criteria thresholds; every contact's criteria are
    re-decided once committed (Celery, crm.refresh_all_criteria)."""
    from tenants.accounts.audit import changed_fields, record_event

    current = BehaviourSettings.objects.select_for_update().get_or_create(singleton=True)[0]
    editable = {
        f.name for f in BehaviourSettings._meta.concrete_fields if f.editable and not f.primary_key
    }
    unknown = set(values) - editable
    if unknown:
        raise ValidationFailed(
            _("Unknown setting “%(name)s”.") % {"name": sorted(unknown)[0]},
            code="crm.setting_unknown",
        )
    changes = changed_fields(current, values)
    if not changes:
        return current
    for name, value in values.items():
        setattr(current, name, value)
    try:
        current.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(messages[0], code="crm.setting_invalid", field=field) from None
    current.save(update_fields=[*changes, "updated_at"])
    record_event(code="crm.behaviour_settings.updated", actor=actor, obj=current, changes=changes)
    from ..tasks import refresh_all_criteria_task

    # robust: the settings are saved whatever the broker does; the hourly pass and every
    # event re-decide contacts anyway.
    transaction.on_commit(lambda: refresh_all_criteria_task.delay(), robust=True)
    return current
