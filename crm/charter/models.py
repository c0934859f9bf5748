from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RequiredField(models.TextChoices):
    """What a charter may require of a contact entered by staff."""

    EMAIL_OR_PHONE = "email_or_phone", _("An email or a phone number")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    FIRST_NAME = "first_name", _("First name")
    LAST_NAME = "last_name", _("Last name")
    POSTCODE = "postcode", _("Postcode")
    CITY = "city", _("Town")
    ADDRESS = "address_line1", _("Postal address")


class NameStyle(models.TextChoices):
    CAPITALISE = "capitalise", _("Capitalised: Jean-Pierre de la Fontaine")
    UPPER_LAST = "upper_last", _("Last name in capitals: Jean-Pierre DE LA FONTAINE")
    AS_TYPED = "as_typed", _("As typed")


class DataCharter(models.Model):
    """One row per venue (its schema), owned by the data steward: read by crm.charter.rules
    only. A venue that never saved one gets the defaults (nothing more required than an
    identity, names capitalised)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    required_fields = ArrayField(
        models.CharField(max_length=20, choices=RequiredField.choices),
        verbose_name=_("required fields"),
        default=list,
        blank=True,
    )
    name_style = models.CharField(
        _("names"), max_length=12, choices=NameStyle.choices, default=NameStyle.CAPITALISE
    )
    strict_postcode = models.BooleanField(_("a French postcode has five digits"), default=False)
    strict_phone = models.BooleanField(
        _("phone numbers must exist in the numbering plan"), default=False
    )
    instructions = models.TextField(_("instructions for staff"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_label = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("data-entry charter")
        verbose_name_plural = _("data-entry charters")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="crm_data_charter_one"),
        ]

    def __str__(self) -> str:
        return "data-entry charter"
