"""Application.status_since / approved_at / granted: the latest step's time, the latest approval's
and Σ granted over its claims, stored (by review._move and claims.actions.store_granted) so the
queues and finance's payable list sort and sum columns, not a subquery per row; filled here from
the steps and grants already recorded."""

from decimal import Decimal

import django.db.models.functions.comparison
from django.db import migrations, models
from django.db.models import DecimalField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Application = apps.get_model("claims", "Application")
    ApplicationEvent = apps.get_model("claims", "ApplicationEvent")
    Grant = apps.get_model("claims", "Grant")
    money = DecimalField(max_digits=14, decimal_places=2)

    def latest(**step):
        rows = ApplicationEvent.objects.filter(application_id=OuterRef("pk"), **step).order_by()
        return Subquery(rows.values("application_id").annotate(at=Max("at")).values("at"))

    def total(field):
        rows = Grant.objects.filter(claim__application_id=OuterRef("pk")).order_by().values("claim__application_id")
        return Coalesce(
            Subquery(rows.annotate(total=Sum(field)).values("total"), output_field=money),
            Value(Decimal("0.00")),
            output_field=money,
        )

    Application.objects.update(
        status_since=latest(),
        approved_at=latest(step="approve"),
        granted=total("amount") + total("decision__living_allowance"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_field_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="approved_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="approved at"),
        ),
        migrations.AddField(
            model_name="application",
            name="granted",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                db_default=Decimal("0.00"),
                editable=False,
                max_digits=14,
                verbose_name="granted (CNY)",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="status_since",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="in its status since"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["status", "approved_at", "id"], name="application_status_approved"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("status_since", "created_at"),
                models.F("id"),
                name="application_waiting_since",
            ),
        ),
    ]
