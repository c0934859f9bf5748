"""Deleting rows of a model whose table exists in the public schema *and* in every venue schema.

`accounts.User` lives in both (cooperative admins in public, each venue's staff in its
schema), and venue-only apps point at it (ticketing's Order.sold_by, Hold.created_by, …).
Django's deletion collector follows every reverse relation the project declares, whatever
the current schema: deleting a cooperative admin would UPDATE/DELETE rows of tables that do
not exist in the public schema ("relation does not exist"), and a schema that had them would
be the wrong one anyway. The collector below follows only the relations whose table the
router created in the current schema (the same rule that ran the migrations); within a
schema, every on_delete rule (CASCADE, SET_NULL, PROTECT, RESTRICT) applies unchanged.

A model in both schemas that an app of only one of them points at uses `SchemaScopedDeletion`
and `SchemaScopedQuerySet` (tests/tenants/test_user_deletion.py checks that none is missed).
Django's Model.delete() and QuerySet.delete() offer no way to choose the collector, so these
two run it themselves through Collector's public methods: check them when upgrading Django.
"""

from django.db import models, router
from django.db.models.deletion import Collector


def table_in_current_schema(model: type[models.Model], using: str) -> bool:
    """Whether `model`'s table exists in the schema `using`'s connection is set to."""
    opts = model._meta
    return router.allow_migrate(using, opts.app_label, model_name=opts.model_name) is not False


class SchemaScopedCollector(Collector):
    def related_objects(self, related_model, related_fields, objs):
        if not table_in_current_schema(related_model, self.using):
            # An empty queryset never reaches the database: nothing to cascade, set null,
            # protect or restrict in a table this schema does not have.
            return related_model._base_manager.using(self.using).none()
        return super().related_objects(related_model, related_fields, objs)


class SchemaScopedQuerySet(models.QuerySet):
    def delete(self):
        """Delete the rows with the schema-scoped collector. Querysets that Django refuses to
        delete (sliced, distinct on fields, values()) go to Django, which says why."""
        if self.query.is_sliced or self.query.distinct_fields or self._fields is not None:
            return super().delete()
        rows = self._chain()
        rows.query.clear_ordering(force=True)
        rows.query.select_related = False
        collector = SchemaScopedCollector(using=rows.db, origin=self)
        collector.collect(rows)
        self._result_cache = None
        return collector.delete()

    delete.alters_data = True
    delete.queryset_only = True


class SchemaScopedDeletion:
    """Mixin for the model: delete() with the schema-scoped collector."""

    def delete(self, using=None, keep_parents=False):
        if self.pk is None:
            return super().delete(using=using, keep_parents=keep_parents)  # Django says why
        collector = SchemaScopedCollector(
            using=using or router.db_for_write(type(self), instance=self), origin=self
        )
        collector.collect([self], keep_parents=keep_parents)
        return collector.delete()

    delete.alters_data = True
