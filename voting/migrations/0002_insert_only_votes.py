"""On PostgreSQL, votes and ledger entries are insert-only: a trigger refuses UPDATE and
DELETE, so a tampered tally needs more than a stray query."""

from django.db import migrations

TABLES = ("voting_vote", "voting_ledgerentry")

FUNCTION = """
CREATE OR REPLACE FUNCTION voting_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'votes and ledger entries are insert-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION voting_refuse_change()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
