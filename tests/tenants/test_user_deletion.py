"""Deleting a user. `accounts` has a table in the public schema (cooperative admins) and in
every venue schema (staff); venue-only apps point at it. A deletion only follows the relations
whose table exists in the current schema, and there applies their on_delete rules (the venue
side: tests/ticketing/test_staff_deletion.py)."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import DO_NOTHING
from django.db.models.deletion import get_candidate_relations_to_delete
from django.test.utils import CaptureQueriesContext

from tenants.accounts.models import ApiToken, User
from tenants.accounts.services import create_api_token, record_event
from tenants.deletion import SchemaScopedDeletion, SchemaScopedQuerySet
from tests.helpers import SHARED, TENANT, tables_of, touched

pytestmark = pytest.mark.django_db

BOTH = SHARED & TENANT


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_cooperative_admin_is_deleted_in_the_public_schema_only(coop_admin, how):
    other = User.objects.create_superuser("other@test.coop", "x" * 12)
    event = record_event(code="tenants.venue.created", actor=coop_admin)
    create_api_token(name="script", user=coop_admin, actor=other)

    with CaptureQueriesContext(connection) as queries:
        if how == "instance":
            coop_admin.delete()
        else:
            assert User.objects.filter(email="coop@test.coop").delete()[0] >= 1

    assert not User.objects.filter(email="coop@test.coop").exists()
    assert User.objects.filter(pk=other.pk).exists()
    # The public schema's own relations still follow their rules.
    event.refresh_from_db()
    assert event.actor is None and event.actor_label == "Coop Admin"
    assert not ApiToken.objects.filter(name="script").exists()
    assert touched(queries, tables_of(TENANT - SHARED)) == set()
    assert "accounts_auditevent" in touched(queries, tables_of(BOTH))


def test_every_model_in_both_schemas_pointed_at_from_one_deletes_schema_scoped():
    """A model whose table is in both schemas, referenced by an app installed in only one of
    them, would break (or reach the wrong tables) with Django's own deletion."""
    relations, missed = set(), []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in BOTH:
            continue
        for rel in get_candidate_relations_to_delete(model._meta):
            if rel.related_model._meta.app_label in BOTH or rel.on_delete is DO_NOTHING:
                continue
            relations.add(f"{rel.related_model._meta.label}.{rel.field.name}")
            scoped = issubclass(model, SchemaScopedDeletion) and isinstance(
                model._default_manager.all(), SchemaScopedQuerySet
            )
            if not scoped:
                missed.append(f"{rel.related_model._meta.label}.{rel.field.name}")
    assert "ticketing.Order.sold_by" in relations  # the check sees what it is about
    assert missed == []
