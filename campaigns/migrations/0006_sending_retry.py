from django.db import migrations, models


class Migration(migrations.Migration):
    """campaigns/sending: a delivery that met a temporary error waits before its next try."""

    dependencies = [("campaigns", "0005_journeys_engine")]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
