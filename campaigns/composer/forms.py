"""The editor's forms: the campaign's settings (a Django form), its blocks as flat fields
(`b-<i>-<field>`, read back in order; kept as typed until saved, so the editor works with or
without JavaScript) and the communication settings."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, ContactType, Segment

from ..models import Campaign, CommunicationSettings, Operation
from . import blocks as B

BLOCK_FIELD = re.compile(r"^b-(\d{1,2})-type$")
FIELDS = {
    "heading": ("text",),
    "text": ("text",),
    "image": ("src", "alt", "url"),
    "button": ("label", "url"),
    "show": ("show_id",),
    "performances": ("show_id", "limit"),
    "divider": (),
    "quotes": ("title", "show_id", "limit"),
}
NEW_BLOCK = {
    "heading": {"text": ""},
    "text": {"text": ""},
    "image": {"src": "", "alt": "", "url": ""},
    "button": {"label": "", "url": ""},
    "show": {"show_id": ""},
    "performances": {"show_id": "", "limit": 6},
    "divider": {},
    "quotes": {"title": "", "show_id": "", "limit": 3},
}
AUDIENCES = (
    ("all", _("All consenting contacts")),
    ("segment", _("A saved segment")),
    ("list", _("A fixed list (press, relay)")),
)
LIST_TYPES = (ContactType.PRESS, ContactType.RELAY)
MAX_LIST = 500


def blocks_from_post(data) -> list[dict]:
    """The blocks as posted, in order, each limited to its kind's fields (values as typed,
    cut at a generous length: validation says what is wrong)."""
    indexes = sorted(int(m.group(1)) for k in data if (m := BLOCK_FIELD.match(k)))
    blocks = []
    for i in indexes[: B.MAX_BLOCKS + 1]:
        kind = data.get(f"b-{i}-type", "")
        if kind not in FIELDS:
            continue
        block = {"type": kind}
        for name in FIELDS[kind]:
            block[name] = str(data.get(f"b-{i}-{name}", ""))[: B.MAX_TEXT + 1]
        blocks.append(block)
    return blocks


def apply_action(blocks: list[dict], action: str) -> tuple[list[dict], int | None]:
    """`add:<kind>`, `up:<i>`, `down:<i>`, `remove:<i>` → the blocks and the one to focus."""
    verb, _sep, arg = (action or "").partition(":")
    blocks = list(blocks)
    if verb == "add" and arg in NEW_BLOCK and len(blocks) < B.MAX_BLOCKS:
        blocks.append({"type": arg, **NEW_BLOCK[arg]})
        return blocks, len(blocks) - 1
    if not (arg.isascii() and arg.isdigit()) or int(arg) >= len(blocks):
        return blocks, None
    i = int(arg)
    if verb == "up" and i > 0:
        blocks[i - 1], blocks[i] = blocks[i], blocks[i - 1]
        return blocks, i - 1
    if verb == "down" and i < len(blocks) - 1:
        blocks[i + 1], blocks[i] = blocks[i], blocks[i + 1]
        return blocks, i + 1
    if verb == "remove":
        del blocks[i]
        return blocks, min(i, len(blocks) - 1) if blocks else None
    return blocks, i


def list_contacts():
    return (
        Contact.objects.filter(contact_types__overlap=list(LIST_TYPES), merged_into__isnull=True)
        .exclude(email="")
        .order_by("last_name", "first_name", "id")
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (k.value, k.label)
            for k in (Campaign.Kind.NEWSLETTER, Campaign.Kind.PRESS, Campaign.Kind.RELAY)
        ],
    )
    subject = forms.CharField(label=_("Subject"), max_length=B.MAX_SUBJECT, required=False)
    preheader = forms.CharField(
        label=_("Preheader"),
        max_length=B.MAX_PREHEADER,
        required=False,
        help_text=_("The line mail apps show after the subject."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=AUDIENCES, widget=forms.RadioSelect, initial="all"
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.order_by("name"), required=False
    )
    list_contacts = forms.ModelMultipleChoiceField(
        label=_("Press and relay contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    operation = forms.ModelChoiceField(
        label=_("Operation"),
        queryset=Operation.objects.order_by("-created_at"),
        required=False,
        help_text=_("To measure its return with the operation's other channels."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The first MAX_LIST press and relay contacts (a subquery: still filterable when
        # the posted choices are checked).
        first = list_contacts().values("pk")[:MAX_LIST]
        self.fields["list_contacts"].queryset = list_contacts().filter(pk__in=first)

    @classmethod
    def initial_for(cls, campaign: Campaign, language: str) -> dict:
        content = (campaign.content or {}).get(language, {})
        audience = (
            "segment" if campaign.segment_id else "list" if campaign.list_contact_ids else "all"
        )
        return {
            "name": campaign.name,
            "kind": campaign.kind,
            "subject": content.get("subject", ""),
            "preheader": content.get("preheader", ""),
            "audience": audience,
            "segment": campaign.segment_id,
            "list_contacts": campaign.list_contact_ids,
            "operation": campaign.operation_id,
        }


class CommunicationSettingsForm(forms.ModelForm):
    class Meta:
        model = CommunicationSettings
        fields = (
            "cap_count",
            "cap_days",
            "silence_days",
            "rate_per_minute",
            "attribution_days",
            "from_name",
            "reply_to",
        )

    BOUNDS = {
        "cap_count": (1, 50),
        "cap_days": (1, 365),
        "silence_days": (7, 1000),
        "rate_per_minute": (0, 100_000),
        "attribution_days": (1, 90),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in self.BOUNDS.items():
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators += [
                MinValueValidator(low),
                MaxValueValidator(high),
            ]
            field.widget.attrs.update(min=low, max=high)
        self.fields["cap_count"].help_text = _(
            "Ni trop: no one receives more marketing emails than this in the period below."
        )
        self.fields["silence_days"].help_text = _(
            "Ni trop peu: consenting contacts who heard nothing for this long are flagged."
        )
