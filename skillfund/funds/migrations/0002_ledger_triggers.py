"""On PostgreSQL the ledger holds its own invariants: transactions and postings refuse UPDATE and
DELETE (a mistake is reversed by a new transaction), and at commit every transaction has at least
two postings summing to zero. The checks are deferred constraint triggers because a transaction's
postings are written after it; `SET CONSTRAINTS ... IMMEDIATE` checks them earlier (the tests do)."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION funds_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows in %% are append-only (%% refused); post a reversal', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER funds_transaction_append_only
    BEFORE UPDATE OR DELETE ON funds_transaction
    FOR EACH ROW EXECUTE FUNCTION funds_append_only();
CREATE TRIGGER funds_posting_append_only
    BEFORE UPDATE OR DELETE ON funds_posting
    FOR EACH ROW EXECUTE FUNCTION funds_append_only();

CREATE OR REPLACE FUNCTION funds_transaction_balanced() RETURNS trigger AS $$
DECLARE
    txn bigint;
    lines integer;
    total numeric;
BEGIN
    txn := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;  -- the posting's transaction, or the transaction
    SELECT count(*), coalesce(sum(amount), 0) INTO lines, total FROM funds_posting WHERE transaction_id = txn;
    IF lines < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction %% is unbalanced: %% postings summing to %%', txn, lines, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER funds_posting_balanced
    AFTER INSERT ON funds_posting DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION funds_transaction_balanced('transaction_id');
CREATE CONSTRAINT TRIGGER funds_transaction_has_postings
    AFTER INSERT ON funds_transaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION funds_transaction_balanced('id');
"""
REVERSE = """
DROP TRIGGER IF EXISTS funds_transaction_has_postings ON funds_transaction;
DROP TRIGGER IF EXISTS funds_posting_balanced ON funds_posting;
DROP FUNCTION IF EXISTS funds_transaction_balanced();
DROP TRIGGER IF EXISTS funds_posting_append_only ON funds_posting;
DROP TRIGGER IF EXISTS funds_transaction_append_only ON funds_transaction;
DROP FUNCTION IF EXISTS funds_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
