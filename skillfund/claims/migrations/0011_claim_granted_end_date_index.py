"""A partial index on the granted claims' end_date: the dashboards (reports/progress.py) count the
granted claims of the programme's years, which scanned every claim (4,000,000 in the benchmark) on
each cold computation. Only granted claims are in it, so loading a batch of submitted claims does
not touch it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_grant_origin_end_date_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status", "granted")), fields=["end_date"], name="claim_granted_end_date"
            ),
        ),
    ]
