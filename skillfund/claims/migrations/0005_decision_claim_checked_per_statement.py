"""A decision's claim exists — checked once per statement instead of once per row.

A foreign key checks each inserted row with its own look-up and row lock: 11 s of a batch that
stores a million decisions. On PostgreSQL a statement trigger checks every row an INSERT or
UPDATE wrote with one anti-join, and claims refuse DELETE (they are records of the programme: a
claim is withdrawn, never deleted), so no claim can vanish under a decision and no lock is needed.
On SQLite, one writer at a time, a row trigger checks. (SQLite drops a table's triggers when a
migration rebuilds the table: a later migration that alters claims_decision must recreate them.)
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION claims_decision_claim_exists() RETURNS trigger LANGUAGE plpgsql
    SET work_mem = '256MB'  -- a batch's million claim ids are hashed in memory
AS $$
BEGIN
    IF EXISTS (SELECT FROM decided d LEFT JOIN claims_claim c ON c.id = d.claim_id
               WHERE d.claim_id IS NOT NULL AND c.id IS NULL) THEN
        RAISE EXCEPTION 'a decision names a claim that does not exist' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER claims_decision_claim_exists AFTER INSERT ON claims_decision
    REFERENCING NEW TABLE AS decided FOR EACH STATEMENT EXECUTE FUNCTION claims_decision_claim_exists();
CREATE TRIGGER claims_decision_claim_exists_update AFTER UPDATE ON claims_decision
    REFERENCING NEW TABLE AS decided FOR EACH STATEMENT EXECUTE FUNCTION claims_decision_claim_exists();

CREATE FUNCTION claims_claim_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'claims are records of the programme: withdraw a claim, do not delete it'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER claims_claim_kept BEFORE DELETE ON claims_claim
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_kept();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER claims_claim_kept ON claims_claim;
DROP FUNCTION claims_claim_kept();
DROP TRIGGER claims_decision_claim_exists_update ON claims_decision;
DROP TRIGGER claims_decision_claim_exists ON claims_decision;
DROP FUNCTION claims_decision_claim_exists();
"""
SQLITE = [
    f"""CREATE TRIGGER claims_decision_claim_exists_{event} BEFORE {event} ON claims_decision
    WHEN NEW.claim_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM claims_claim WHERE id = NEW.claim_id)
    BEGIN SELECT RAISE(ABORT, 'a decision names a claim that does not exist'); END"""
    for event in ("insert", "update")
]
SQLITE_REVERSE = [f"DROP TRIGGER claims_decision_claim_exists_{event}" for event in ("insert", "update")]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": [POSTGRESQL], "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": [POSTGRESQL_REVERSE], "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0004_alter_application_kind_alter_claim_kind_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="decision",
            name="claim",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="claims.claim",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="decided_at",
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name="decided at"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
