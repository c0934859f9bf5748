"""What the contacts API reads and answers. Inputs carry the model's limits (lengths,
choices, list sizes) so that bad input is a 400 with a code, never a database error."""

from rest_framework import serializers

from crm.charter.models import NameStyle, RequiredField
from crm.imports.mapping import FIELDS_BY_CODE
from crm.imports.models import ContactExport, ContactImport, ImportRow
from crm.models import AccessibilityNeed, Consent, Contact, ContactType, Language, Source


def _max(name: str) -> int:
    return Contact._meta.get_field(name).max_length


def _text(name: str, **kwargs):
    return serializers.CharField(
        max_length=_max(name), required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "other_phone",
            "address_line1",
            "address_line2",
            "postcode",
            "city",
            "country",
            "department",
            "language",
            "contact_types",
            "accessibility_needs",
            "tags",
            "notes",
            "criteria",
            "first_source",
            "first_seen_at",
            "email_consent",
            "sms_consent",
            "purchase_count",
            "attendance_count",
            "last_purchase_at",
            "last_attended_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContactInputSerializer(serializers.Serializer):
    """A contact's writable fields; normalised by the service (names, E.164, département)."""

    first_name = _text("first_name")
    last_name = _text("last_name")
    email = serializers.EmailField(max_length=_max("email"), required=False, allow_blank=True)
    # As typed ("06 12 34 56 78"): the service turns it into E.164 or answers crm.phone_invalid.
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    other_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address_line1 = _text("address_line1")
    address_line2 = _text("address_line2")
    postcode = _text("postcode")
    city = _text("city")
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    contact_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactType.choices), max_length=10, required=False
    )
    accessibility_needs = serializers.ListField(
        child=serializers.ChoiceField(choices=AccessibilityNeed.choices),
        max_length=10,
        required=False,
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=50, required=False
    )
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs):
        for name, value in attrs.items():
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and "\x00" in t for t in texts):
                raise serializers.ValidationError({name: "NUL characters are not allowed."})
        return attrs


class ContactCharterSerializer(serializers.Serializer):
    """The venue's data-entry charter (crm.charter), read only."""

    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=RequiredField.choices)
    )
    name_style = serializers.ChoiceField(choices=NameStyle.choices)
    strict_postcode = serializers.BooleanField()
    strict_phone = serializers.BooleanField()
    instructions = serializers.CharField()
    always_applied = serializers.ListField(child=serializers.CharField())


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "channel", "granted", "recorded_at", "source", "actor_label"]
        read_only_fields = fields


class ConsentInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Consent.Channel.choices)
    granted = serializers.BooleanField()
    source = serializers.ChoiceField(choices=Source.choices, default=Source.BACKOFFICE)


class ContactImportSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ContactImport
        fields = [
            "id",
            "file_name",
            "file_format",
            "status",
            "headers",
            "mapping",
            "mode",
            "consent_declared",
            "consent_declaration",
            "total_rows",
            "processed_rows",
            "percent",
            "created_count",
            "merged_count",
            "updated_count",
            "rejected_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


FIELD_CODES = [(f.code, str(f.label)) for f in FIELDS_BY_CODE.values()]


class ContactImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    mapping = serializers.DictField(
        child=serializers.ChoiceField(choices=FIELD_CODES, allow_blank=True),
        required=False,
        help_text="Column index (as text) → field code; guessed from the headers if absent",
    )
    mode = serializers.ChoiceField(choices=ContactImport.Mode.choices, default="fill")
    consent_declared = serializers.BooleanField(default=False)
    consent_declaration = serializers.CharField(max_length=500, required=False, allow_blank=True)
    start = serializers.BooleanField(default=True, help_text="Start the import at once")

    def validate_mapping(self, value):
        if len(value) > 100 or any(len(k) > 3 or not k.isdigit() for k in value):
            raise serializers.ValidationError("Keys are column indexes (0–99).")
        return value


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = ["row_number", "outcome", "contact", "reason_code", "reason", "values"]
        read_only_fields = fields


class ContactExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactExport
        fields = ["id", "file_format", "filters", "status", "row_count", "error", "created_at",
                  "finished_at"]  # fmt: skip
        read_only_fields = fields
