from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ticketing", "0016_orders_follow_merges"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="marketing_ref",
            field=models.CharField(blank=True, db_default="", default="", max_length=32),
        ),
    ]
