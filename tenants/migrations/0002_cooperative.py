"""The cooperative itself is the public-schema row that the base host resolves to."""

from django.db import migrations


def create_cooperative(apps, schema_editor):
    Venue = apps.get_model("tenants", "Venue")
    Venue.objects.get_or_create(
        schema_name="public",
        defaults={"name": "Coopérative Parterre", "slug": "cooperative"},
    )


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunPython(create_cooperative, migrations.RunPython.noop)]
