"""Conditions on the contact's own columns (fields, types, tags, criteria, consent, counters
and dates) and on its affinities."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from ...models import Affinity
from .base import CompilerBase
from .schema import CONSENT_CHANNELS


class ContactFieldConditions(CompilerBase):
    @staticmethod
    def _array(field: str, values: list[str], match: str) -> Q:
        lookup = "contains" if match == "all" else "overlap"
        return Q(**{f"{field}__{lookup}": values})

    def c_contact_type(self, c):
        return self._array("contact_types", c["values"], c["match"])

    def c_accessibility(self, c):
        return self._array("accessibility_needs", c["values"], c["match"])

    def c_tag(self, c):
        return self._array("tags", c["values"], c["match"])

    def c_criterion(self, c):
        return self._array("criteria", c["values"], c["match"])

    def c_department(self, c):
        return Q(department__in=c["values"])

    def c_postcode(self, c):
        q = Q(postcode__startswith=c["prefixes"][0])
        for prefix in c["prefixes"][1:]:
            q |= Q(postcode__startswith=prefix)
        return q

    def c_language(self, c):
        return Q(language__in=c["values"])

    def c_source(self, c):
        return Q(first_source__in=c["values"])

    def c_has(self, c):
        present = {
            "email": ~Q(email=""),
            "phone": ~Q(phone=""),
            "postcode": ~Q(postcode=""),
            "address": ~Q(address_line1="") & ~Q(postcode="") & ~Q(city=""),
        }[c["field"]]
        return present if c["value"] else ~present

    def c_consent(self, c):
        column = CONSENT_CHANNELS[c["channel"]]
        if c["state"] == "unknown":
            return Q(**{f"{column}__isnull": True})
        return Q(**{column: c["state"] == "granted"})

    def c_number(self, c):
        q = Q()
        if c.get("min") is not None:
            q &= Q(**{f"{c['field']}__gte": c["min"]})
        if c.get("max") is not None:
            q &= Q(**{f"{c['field']}__lte": c["max"]})
        return q

    def c_date(self, c):
        field, op = c["field"], c["when"]
        if op == "never":
            return Q(**{f"{field}__isnull": True})
        if op == "ever":
            return Q(**{f"{field}__isnull": False})
        recent = Q(**{f"{field}__gte": self.ago(c["days"])})
        # "not within": before the window or never (NULL) — "no attendance for 40 days".
        return recent if op == "within_days" else ~recent | Q(**{f"{field}__isnull": True})

    def c_affinity(self, c):
        rows = Affinity.objects.filter(
            contact=OuterRef("pk"), kind=c["kind"], key__in=c["keys"], weight__gte=c["min_weight"]
        )
        return Q(Exists(rows))
