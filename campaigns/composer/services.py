"""The composer's writes: a campaign created and edited (content validated by
campaigns.composer.blocks), a test sent to a staff address, the venue's communication
settings. Sending for real is campaigns.sending's (start_campaign, schedule_campaign)."""

from __future__ import annotations

import secrets

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.models import Segment
from tenants.accounts.audit import changed_fields, record_event
from tenants.accounts.models import User
from tenants.errors import Conflict, ParterreError

from ..models import Campaign, CommunicationSettings, Operation
from ..rendering import fill
from . import blocks as B
from .render import render_campaign

EDITABLE = (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED)
COMPOSED_KINDS = (Campaign.Kind.NEWSLETTER, Campaign.Kind.PRESS, Campaign.Kind.RELAY)


class CampaignLocked(Conflict):
    code = "campaigns.campaign.locked"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise B.BlockError(
            _("Give the campaign a name."), code="campaigns.name.required", field="name"
        )
    if len(name) > 120:
        raise B.BlockError(
            _("Too long: %(max)s characters at most.") % {"max": 120},
            code="campaigns.name.too_long",
            field="name",
        )
    return name


def _clean_kind(kind: str) -> str:
    if kind not in COMPOSED_KINDS:
        raise B.BlockError(_("Choose a kind."), code="campaigns.kind.invalid", field="kind")
    return kind


@transaction.atomic
def create_campaign(*, name: str, kind: str, actor: User | None) -> Campaign:
    kind = _clean_kind(kind)
    campaign = Campaign.objects.create(
        name=_clean_name(name),
        kind=kind,
        marketing=kind == Campaign.Kind.NEWSLETTER,
        content={"fr": {"subject": "", "preheader": "", "blocks": []}},
        created_by=actor,
    )
    record_event(
        code="campaigns.campaign.created", actor=actor, obj=campaign, data={"name": campaign.name}
    )
    return campaign


@transaction.atomic
def update_campaign(
    *,
    campaign: Campaign,
    name: str,
    kind: str,
    language: str,
    language_content: dict,
    audience: str,
    segment: Segment | None = None,
    list_contact_ids: list[int] | None = None,
    operation: Operation | None = None,
    actor: User | None,
) -> Campaign:
    """Save what the editor shows: the campaign's settings and one language's content (the
    other language is kept as it was). Only drafts and scheduled campaigns change."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in EDITABLE:
        raise CampaignLocked(_("This campaign has been sent: it can no longer be changed."))
    if language not in B.LANGUAGES:
        raise B.BlockError(_("Unknown language."), code="campaigns.content.bad_language")
    content = dict(campaign.content or {})
    content[language] = language_content
    if language != B.REQUIRED_LANGUAGE and not (
        language_content.get("subject") or language_content.get("blocks")
    ):
        content.pop(language, None)  # an emptied translation is removed
    content = B.clean_content(content)
    kind = _clean_kind(kind)
    values = {
        "name": _clean_name(name),
        "kind": kind,
        "marketing": kind == Campaign.Kind.NEWSLETTER,
        "content": content,
        "operation": operation,
        "segment": segment if audience == "segment" else None,
        "audience_definition": None,
        "list_contact_ids": sorted(set(list_contact_ids or [])) if audience == "list" else [],
    }
    if audience == "segment" and segment is None:
        raise B.BlockError(
            _("Choose a segment."), code="campaigns.audience.segment", field="segment"
        )
    if audience == "list" and not values["list_contact_ids"]:
        raise B.BlockError(
            _("Choose at least one contact."), code="campaigns.audience.list", field="list_contacts"
        )
    changes = changed_fields(campaign, {k: v for k, v in values.items() if k != "content"})
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.save(update_fields=[*values, "updated_at"])
    record_event(
        code="campaigns.campaign.updated",
        actor=actor,
        obj=campaign,
        data={"name": campaign.name, "language": language},
        changes={k: (str(a), str(b)) for k, (a, b) in changes.items()},
    )
    return campaign


MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
EMAIL_IMAGE_WIDTH = 1200  # twice the 600 px column, sharp on high-density screens


def store_campaign_image(*, upload, field: str = "image") -> str:
    """Keep an uploaded picture for a newsletter in the venue's media (MEDIA_ROOT/<schema>/
    campaigns/, served on the venue's own host without login, as emails need) and answer
    its path. The picture is decoded and re-encoded (JPEG, or PNG when transparent), at most
    1200 px wide: what is stored is an image and nothing else (no script in an SVG, no
    polyglot file, no EXIF location of the photographer)."""
    import hashlib
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image, ImageOps, UnidentifiedImageError

    def refuse(message, code):
        raise B.BlockError(message, code=code, field=field)

    if upload.size > MAX_IMAGE_BYTES:
        refuse(_("The picture is too big (5 MB at most)."), "campaigns.image.too_big")
    data = upload.read(MAX_IMAGE_BYTES + 1)
    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.format not in ("JPEG", "PNG", "GIF", "WEBP"):
                refuse(_("Use a JPEG, PNG, GIF or WebP picture."), "campaigns.image.format")
            if original.width * original.height > MAX_IMAGE_PIXELS:
                refuse(_("The picture is too big (5 MB at most)."), "campaigns.image.too_big")
            picture = ImageOps.exif_transpose(original)
            transparent = picture.mode in ("RGBA", "LA", "P") and "transparency" in picture.info
            picture = picture.convert("RGBA" if transparent or picture.mode == "RGBA" else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        refuse(_("Use a JPEG, PNG, GIF or WebP picture."), "campaigns.image.format")
    if picture.width > EMAIL_IMAGE_WIDTH:
        height = max(1, round(picture.height * EMAIL_IMAGE_WIDTH / picture.width))
        picture = picture.resize((EMAIL_IMAGE_WIDTH, height), Image.LANCZOS)
    buffer = io.BytesIO()
    if picture.mode == "RGBA":
        picture.save(buffer, "PNG", optimize=True)
        extension = "png"
    else:
        picture.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
        extension = "jpg"
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()[:20]
    name = f"{B.IMAGE_FOLDER}/{digest}.{extension}"  # same picture, same file
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(buffer.getvalue()))
    return default_storage.url(name)


PREVIEW_NAME = "Camille"


def preview_values(compiled, *, site: str, first_name: str = PREVIEW_NAME) -> dict[str, str]:
    """Slots of a message looked at by staff (preview, test): links go straight to their
    destination (nothing is counted), no pixel."""
    values = {
        "first_name": first_name,
        "first_name_spaced": f" {first_name}" if first_name else "",
        "pixel_url": "",
        "unsubscribe_url": site + "/",
        "preferences_url": site + "/",
    }
    values.update({f"link:{pk}": url for pk, url in compiled.links.items()})
    return values


def preview_html(campaign: Campaign, *, language: str, site: str) -> tuple[object, str, str]:
    compiled = render_campaign(campaign, language=language)
    values = preview_values(compiled, site=site)
    return (
        compiled,
        fill(compiled.html, values, escape=True),
        fill(compiled.text, values, escape=False),
    )


def send_test(*, campaign: Campaign, language: str, to: str, site: str, actor: User | None) -> None:
    """The message as a contact would get it, to one address typed by staff: subject marked
    [TEST], links straight to their destination, no delivery written (stats untouched)."""
    to = (to or "").strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ParterreError(
            _("Give a valid email address."), code="campaigns.test.bad_address", field="to"
        ) from None
    try:
        B.clean_content(campaign.content or {})
    except B.BlockError as error:
        raise ParterreError(error.message, code=error.code, field=error.field) from None
    first_name = (getattr(actor, "full_name", "") or "").split(" ")[0]
    compiled = render_campaign(campaign, language=language)
    values = preview_values(compiled, site=site, first_name=first_name)
    sender = communication_sender()
    message = EmailMultiAlternatives(
        subject="[TEST] " + fill(compiled.subject, values, escape=False),
        body=fill(compiled.text, values, escape=False),
        from_email=sender["from_email"],
        to=[to],
        reply_to=[sender["reply_to"]] if sender["reply_to"] else None,
        headers={"Message-ID": f"<test-{secrets.token_hex(8)}@parterre>"},
    )
    message.attach_alternative(fill(compiled.html, values, escape=True), "text/html")
    message.send()
    record_event(
        code="campaigns.campaign.test_sent",
        actor=actor,
        obj=campaign,
        data={"name": campaign.name, "to": to, "language": compiled.language},
    )


def communication_sender() -> dict[str, str]:
    from email.utils import formataddr, parseaddr

    settings = CommunicationSettings.objects.filter(singleton=True).first()
    address = parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1] or django_settings.DEFAULT_FROM_EMAIL
    name = settings.from_name if settings and settings.from_name else ""
    return {
        "from_email": formataddr((name, address)) if name else django_settings.DEFAULT_FROM_EMAIL,
        "reply_to": settings.reply_to if settings else "",
    }


SETTINGS_FIELDS = (
    "cap_count",
    "cap_days",
    "silence_days",
    "rate_per_minute",
    "attribution_days",
    "from_name",
    "reply_to",
)


@transaction.atomic
def update_communication_settings(*, values: dict, actor: User | None) -> CommunicationSettings:
    settings, _created = CommunicationSettings.objects.select_for_update().get_or_create(
        singleton=True
    )
    values = {k: v for k, v in values.items() if k in SETTINGS_FIELDS}
    changes = changed_fields(settings, values)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save(update_fields=list(values))
    if changes:
        record_event(code="campaigns.settings.updated", actor=actor, obj=settings, changes=changes)
    return settings
