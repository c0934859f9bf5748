"""`migrate_schemas` that also keeps the venue template schema current.

New venues are cloned from the template with their migrations marked applied, so a template
left behind by a deploy would give new venues an old structure. Migrating it with everybody
else removes that trap.
"""

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand


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

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options.get("skip_template") or options.get("schema_name"):
            return
        if options.get("shared") and not options.get("tenant"):
            return
        from tenants.services import ensure_template_schema

        ensure_template_schema(verbosity=options.get("verbosity", 1))
