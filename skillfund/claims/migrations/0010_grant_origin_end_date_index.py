"""An index on the grants' (origin, end_date): the public disclosure and the dashboards count the
policy grants of a period, which scanned every grant (3,000,000 in the benchmark) per request."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_application_stored_status_since_approved_granted"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="grant",
            index=models.Index(fields=["origin", "end_date"], name="grant_origin_end_date"),
        ),
    ]
