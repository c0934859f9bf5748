"""`migrate_schemas` that skips up-to-date venues and keeps the venue template schema current.

- Migrating every venue one after the other costs a migrate run per schema even when nothing
  is to apply (28 s for 200 venues on a quiet 2-core machine, 150 s on a busy one). When it
  is asked to migrate every venue, this command first finds, in one query, the venue schemas
  whose django_migrations already hold every tenant migration on disk, and migrates only the
  others. `--all-venues` migrates them all, as django-tenants does (e.g. to re-run
  post_migrate handlers everywhere).
- New venues are cloned from the template with their migrations marked applied, so a template
  left behind by a deploy would give new venues an old structure. Migrating it (and refreshing
  its snapshot) with everybody else removes that trap.
"""

from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_migration_order,
    get_tenant_model,
    has_multi_type_tenants,
)

# Options under which a venue without pending migrations could still be changed or reported
# on: then every selected schema goes through migrate, as in django-tenants.
NEEDS_EVERY_SCHEMA = (
    "schema_name",
    "app_label",
    "migration_name",
    "fake",
    "plan",
    "prune",
    "check_unapplied",
)


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--skip-template",
            action="store_true",
            dest="skip_template",
            default=False,
            help="Do not migrate the venue template schema afterwards.",
        )
        parser.add_argument(
            "--all-venues",
            action="store_true",
            dest="all_venues",
            default=False,
            help="Run migrate in every venue schema, even those with nothing to apply.",
        )

    def handle(self, *args, **options):
        if self.skips_up_to_date_venues(options):
            self.migrate_pending_venues(*args, **options)
        else:
            super().handle(*args, **options)
        if options.get("skip_template") or options.get("schema_name"):
            return
        if options.get("shared") and not options.get("tenant"):
            return
        from tenants.services import ensure_template_schema

        ensure_template_schema(verbosity=options.get("verbosity", 1))

    @staticmethod
    def skips_up_to_date_venues(options) -> bool:
        if options.get("all_venues") or has_multi_type_tenants():
            return False
        return not any(options.get(name) for name in NEEDS_EVERY_SCHEMA)

    def migrate_pending_venues(self, *args, **options) -> None:
        """MigrateSchemasCommand.handle without --schema, with up-to-date venues left out."""
        from tenants.schema_clone import schemas_with_pending_migrations

        SyncCommon.handle(self, *args, **options)
        public = get_public_schema_name()
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=[public])
        if not self.sync_tenant:
            return
        venues = get_tenant_model().objects.exclude(schema_name=public)
        order = get_tenant_migration_order()
        if order is not None:
            venues = venues.order_by(*order)
        schemas = list(venues.values_list("schema_name", flat=True))
        pending = schemas_with_pending_migrations(schemas)
        if int(options.get("verbosity", 1)) >= 1:
            self.stdout.write(
                f"{len(schemas) - len(pending)} venue schemas up to date, {len(pending)} to migrate"
            )
        if pending:
            executor.run_migrations(tenants=pending)
