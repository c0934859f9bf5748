"""crm's codes in words: the audit codes crm records (registered with the audit trail's
labels, tenants/accounts/audit_labels.py) and the contact timeline's codes, each with a
plain-language label and a detail line made from the event's typed columns and data.

Timeline labels follow the audit registry's pattern: a lazy label per code, a detail that is
a lazy text formatted with the event's data or a function of the event. Apps that add
timeline codes (imports, merges, campaigns) register theirs with `register_timeline_labels`
from their AppConfig.ready; a code without a label is shown as itself.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tenants.accounts.audit_labels import register_labels

from .behaviour import CRITERIA
from .models import Affinity, Consent, RelationKind, Source

register_labels(
    {
        "crm.contact.viewed": gettext_lazy("Contact page viewed"),
        "crm.contact.tags_changed": gettext_lazy("Contact tags changed"),
        "crm.behaviour_settings.updated": gettext_lazy("Automatic criteria settings changed"),
    }
)

_TIMELINE_LABELS: dict[str, object] = {}
_TIMELINE_DETAILS: dict[str, object] = {}


def register_timeline_labels(labels: dict, details: dict | None = None) -> None:
    _TIMELINE_LABELS.update(labels)
    for code, detail in (details or {}).items():
        assert code in _TIMELINE_LABELS, f"a detail for a timeline code without a label: {code}"
        _TIMELINE_DETAILS[code] = detail


def timeline_label(code: str) -> str:
    label = _TIMELINE_LABELS.get(code)
    return str(label) if label is not None else code


def timeline_details(event) -> str:
    detail = _TIMELINE_DETAILS.get(event.code)
    if detail is None:
        return ""
    if callable(detail) and not isinstance(detail, Promise):
        return detail(event)
    try:
        return str(detail) % (event.data or {})
    except (KeyError, TypeError, ValueError):
        return ""


def euros(cents) -> str:
    """Integer cents as euros in the active language ("25,50 €")."""
    cents = int(cents or 0)
    places = 0 if cents % 100 == 0 else 2
    return f"{number_format(Decimal(cents) / 100, places, use_l10n=True)}\u00a0€"


def _tickets(n) -> str:
    return ngettext("%(n)s ticket", "%(n)s tickets", n or 0) % {"n": n or 0}


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p)


def _purchase(event) -> str:
    data = event.data or {}
    return _join(
        data.get("performance"),
        _tickets(data.get("tickets")),
        euros(data.get("amount_cents")),
        data.get("order"),
    )


def _attendance(event) -> str:
    return _join((event.data or {}).get("performance"), (event.data or {}).get("ticket"))


def _refund(event) -> str:
    data = event.data or {}
    return _join(_tickets(data.get("tickets")), euros(data.get("amount_cents")), data.get("order"))


def _exchange(event) -> str:
    data = event.data or {}
    difference = data.get("difference_cents") or 0
    money = ""
    if difference:
        money = (_("paid %(amount)s") if difference > 0 else _("credited %(amount)s")) % {
            "amount": euros(abs(difference))
        }
    return _join(
        _("to %(performance)s") % {"performance": data["performance"]}
        if data.get("performance")
        else "",
        _tickets(data.get("tickets")),
        money,
        data.get("order"),
    )


def _consent(event) -> str:
    data = event.data or {}
    channels = dict(Consent.Channel.choices)
    sources = dict(Source.choices)
    return _join(channels.get(data.get("channel"), ""), sources.get(data.get("source"), ""))


def _created(event) -> str:
    return str(dict(Source.choices).get((event.data or {}).get("source"), ""))


def _criteria(event) -> str:
    data = event.data or {}
    added = [str(CRITERIA.get(c, c)) for c in data.get("added") or []]
    removed = [str(CRITERIA.get(c, c)) for c in data.get("removed") or []]
    parts = []
    if added:
        parts.append(_("now: %(criteria)s") % {"criteria": ", ".join(added)})
    if removed:
        parts.append(_("no longer: %(criteria)s") % {"criteria": ", ".join(removed)})
    return _join(*parts)


def _tags(event) -> str:
    data = event.data or {}
    parts = [f"+ {t}" for t in data.get("added") or []] + [
        f"− {t}" for t in data.get("removed") or []
    ]
    return ", ".join(parts)


def _relation(event) -> str:
    kind = (event.data or {}).get("kind")
    return str(dict(RelationKind.choices).get(kind, kind or ""))


def _affinity(event) -> str:
    data = event.data or {}
    kind = dict(Affinity.Kind.choices).get(data.get("kind"), "")
    weight = data.get("weight") or 0
    return _join(kind, data.get("key"), f"{weight:+g}")


def _completed(event) -> str:
    return ", ".join((event.data or {}).get("fields") or [])


register_timeline_labels(
    {
        "crm.contact.created": gettext_lazy("Contact created"),
        "crm.contact.completed": gettext_lazy("Details completed"),
        "crm.consent.granted": gettext_lazy("Consent given"),
        "crm.consent.withdrawn": gettext_lazy("Consent withdrawn"),
        "ticketing.purchase": gettext_lazy("Purchase"),
        "ticketing.attendance": gettext_lazy("Came to a performance"),
        "ticketing.refund": gettext_lazy("Refund"),
        "ticketing.exchange": gettext_lazy("Exchange"),
        "crm.relation.added": gettext_lazy("Relation added"),
        "crm.favourite.added": gettext_lazy("Show added to favourites"),
        "crm.favourite.removed": gettext_lazy("Show taken off favourites"),
        "crm.criteria.changed": gettext_lazy("Automatic criteria changed"),
        "crm.tags.changed": gettext_lazy("Tags changed"),
        "crm.affinity.added": gettext_lazy("Affinity noted"),
    },
    details={
        "crm.contact.created": _created,
        "crm.contact.completed": _completed,
        "crm.consent.granted": _consent,
        "crm.consent.withdrawn": _consent,
        "ticketing.purchase": _purchase,
        "ticketing.attendance": _attendance,
        "ticketing.refund": _refund,
        "ticketing.exchange": _exchange,
        "crm.relation.added": _relation,
        "crm.criteria.changed": _criteria,
        "crm.tags.changed": _tags,
        "crm.affinity.added": _affinity,
    },
)
