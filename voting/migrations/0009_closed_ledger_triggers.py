"""On PostgreSQL the ledger closes in the database too, whoever writes to it:

* a vote is inserted only while its programme's vote is open by the database's clock, and is
  dated by that clock (a row forged after the close, or dated back into the vote, is refused);
* no ledger entry is appended once the programme's head digest is published.

The portal's own statement already checks the window (voting/statement.py); these triggers
hold against anything else that can insert. The 2019 demo, which replays a past vote, switches
the window trigger off inside its own transaction, as the table's owner.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION voting_vote_in_window() RETURNS trigger AS $$
BEGIN
    NEW.cast_at := statement_timestamp();
    IF NOT EXISTS (SELECT 1 FROM ozgeris_programme p WHERE p.id = NEW.programme_id
                   AND p.voting_opens_at <= statement_timestamp()
                   AND statement_timestamp() < p.voting_closes_at) THEN
        RAISE EXCEPTION 'the public vote of programme % is not open', NEW.programme_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_ledger_open() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM voting_votingsettings s WHERE s.programme_id = NEW.programme_id
               AND s.head_published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the ledger of programme % is closed: its head is published',
            NEW.programme_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    schema_editor.execute(
        "CREATE TRIGGER voting_vote_in_window BEFORE INSERT ON voting_vote "
        "FOR EACH ROW EXECUTE FUNCTION voting_vote_in_window()")
    schema_editor.execute(
        "CREATE TRIGGER voting_ledgerentry_open BEFORE INSERT ON voting_ledgerentry "
        "FOR EACH ROW EXECUTE FUNCTION voting_ledger_open()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS voting_vote_in_window ON voting_vote")
    schema_editor.execute("DROP TRIGGER IF EXISTS voting_ledgerentry_open ON voting_ledgerentry")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_vote_in_window()")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_ledger_open()")


class Migration(migrations.Migration):
    dependencies = [("voting", "0008_mailbox_release_withdrawal")]

    operations = [migrations.RunPython(forwards, backwards)]
