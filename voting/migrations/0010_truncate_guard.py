"""On PostgreSQL the insert-only tables refuse TRUNCATE too.

The row triggers of 0002 and 0004 refuse UPDATE and DELETE, but TRUNCATE fires no row
trigger: it would empty the votes, the ledger or the review history in one statement. A
statement trigger BEFORE TRUNCATE now refuses it on the same tables.

Who could truncate at all: the runtime role (gunicorn, Celery) is never granted TRUNCATE
(ozgeris/dbroles.py), so only the owner or a superuser can, and they are the ones this
trigger stops by mistake or by a careless script (they can still drop the trigger: the
database roles, not this trigger, keep them away from the internet-facing processes).

One exception: Django's ``flush``, which pytest-django runs between transactional tests,
empties every table with TRUNCATE. The trigger lets a TRUNCATE through when the setting
``ozgeris.allow_truncate`` is ``on``; the test set-up (tests/conftest.py) sets it on the test
database with ``ALTER DATABASE ... SET``. No production database has it, and setting it would
need the owner anyway.

The tables are the ones in ozgeris.dbroles.INSERT_ONLY_TABLES as of this migration, copied
here so that the migration stays what it was when later tables join that list.
"""

from django.db import migrations

TABLES = ("voting_vote", "voting_ledgerentry", "voting_votestatuschange")

FUNCTION = """
CREATE OR REPLACE FUNCTION voting_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('ozgeris.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is insert-only: TRUNCATE refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION voting_refuse_truncate()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_refuse_truncate()")


class Migration(migrations.Migration):
    dependencies = [("voting", "0009_closed_ledger_triggers")]

    operations = [migrations.RunPython(forwards, backwards)]
