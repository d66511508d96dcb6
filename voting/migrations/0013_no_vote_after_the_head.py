"""On PostgreSQL a vote is refused once its programme's head digest is published, whoever
inserts it: the ledger is closed then (0009 refuses any entry after the head), so a vote
stored afterwards would be receipted and never counted. Before, the trigger checked only
the window, which staff could open again after the publication.

The function of 0009 is replaced with the same window check and date, plus this one; going
back restores 0009's function. The check reads the vote settings in a statement of its own,
so it sees a publication committed while the vote's statement was under way.
"""

from django.db import migrations

# 0009's window check and dating, as they stand there; the head check is this migration's.
WINDOW_CHECK = """
    IF NOT EXISTS (SELECT 1 FROM ozgeris_programme p WHERE p.id = NEW.programme_id
                   AND p.voting_opens_at <= statement_timestamp()
                   AND statement_timestamp() < p.voting_closes_at) THEN
        RAISE EXCEPTION 'the public vote of programme % is not open', NEW.programme_id
            USING ERRCODE = 'check_violation';
    END IF;"""
HEAD_CHECK = """
    IF EXISTS (SELECT 1 FROM voting_votingsettings s WHERE s.programme_id = NEW.programme_id
               AND s.head_published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the public vote of programme % is closed: its head is published',
            NEW.programme_id USING ERRCODE = 'check_violation';
    END IF;"""


def vote_in_window(*checks):
    """The trigger function with ``checks`` in order, after dating the vote by the database."""
    return f"""
CREATE OR REPLACE FUNCTION voting_vote_in_window() RETURNS trigger AS $$
BEGIN
    NEW.cast_at := statement_timestamp();{"".join(checks)}
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(vote_in_window(WINDOW_CHECK, HEAD_CHECK), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(vote_in_window(WINDOW_CHECK), params=None)


class Migration(migrations.Migration):
    dependencies = [("voting", "0012_field_labels")]

    operations = [migrations.RunPython(forwards, backwards)]
