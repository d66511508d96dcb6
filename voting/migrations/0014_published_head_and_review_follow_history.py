"""On PostgreSQL two more rows of the vote hold whoever writes to them, the runtime role
included (it may UPDATE both tables, but may not switch a trigger off):

* **The published head is fixed.** Once ``head_published_at`` is set, the head's position,
  digest and time (and the row's programme) cannot change or be cleared, and the row cannot
  be deleted while the programme's ledger or checkpoints exist: clearing the head would open
  the ledger again (0009 appends only while no head is published), and a head published again
  over a longer chain would verify on its own. Setting them the first time (``publish_head``)
  stays allowed; deleting the row along with the ledger (the 2019 demo's reset, as the
  tables' owner) too.
* **A review's status follows its history.** ``voting_votereview.status`` decides whether a
  vote counts; the decisions are kept in the insert-only ``voting_votestatuschange``. A review
  is inserted or updated only with the status of its vote's last history row (the row
  inserted last; none means "counted"), so a decision needs its history row first
  (``review.py`` writes it first); a review is deleted only when that status is "counted"
  (its vote counts either way), and never moves to another vote.

  Why an immediate row trigger, not a deferred constraint trigger checked at commit: a
  deferred check is switched to immediate by ``SET CONSTRAINTS ALL IMMEDIATE``, which the demo
  and the tests run before ``ALTER TABLE``, and would then refuse the second of the two rows
  of any decision; it would also never run in a test that rolls back. Checked per statement,
  the rule holds the same everywhere. What it leaves out: a history row inserted without its
  review (the history then claims what was not applied; ``ledger.verify`` names it).

``ledger.verify`` checks both on any database (SQLite has no triggers), and a database
administrator can still switch these triggers off: the final checkpoint, signed outside the
database, and the verification are what catch that.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION voting_head_fixed() RETURNS trigger AS $$
BEGIN
    IF OLD.head_published_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM voting_ledgerentry e WHERE e.programme_id = OLD.programme_id)
           OR EXISTS (SELECT 1 FROM voting_checkpoint c
                      WHERE c.programme_id = OLD.programme_id) THEN
            RAISE EXCEPTION 'the published head of programme % is fixed: its settings stay '
                'while its ledger does', OLD.programme_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.head_sequence IS DISTINCT FROM OLD.head_sequence
       OR NEW.head_digest IS DISTINCT FROM OLD.head_digest
       OR NEW.head_published_at IS DISTINCT FROM OLD.head_published_at
       OR NEW.programme_id IS DISTINCT FROM OLD.programme_id THEN
        RAISE EXCEPTION 'the published head of programme % is fixed', OLD.programme_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_review_follows_history() RETURNS trigger AS $$
DECLARE
    recorded varchar;
    vote bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.vote_id IS DISTINCT FROM OLD.vote_id THEN
        RAISE EXCEPTION 'the review of vote % cannot move to another vote', OLD.vote_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        vote := OLD.vote_id;
    ELSE
        vote := NEW.vote_id;
    END IF;
    SELECT c.status INTO recorded FROM voting_votestatuschange c WHERE c.vote_id = vote
        ORDER BY c.id DESC LIMIT 1;
    recorded := COALESCE(recorded, 'counted');
    IF TG_OP = 'DELETE' THEN
        IF recorded <> 'counted' THEN
            RAISE EXCEPTION 'the review of vote % is in its history as %: it stays', vote,
                recorded USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.status <> recorded THEN
        RAISE EXCEPTION 'the review of vote % is % in its history, not %: a decision needs '
            'its history row first', vote, recorded, NEW.status
            USING ERRCODE = 'check_violation';
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
        "CREATE TRIGGER voting_votingsettings_head_fixed BEFORE UPDATE OR DELETE ON "
        "voting_votingsettings FOR EACH ROW EXECUTE FUNCTION voting_head_fixed()")
    schema_editor.execute(
        "CREATE TRIGGER voting_votereview_follows_history BEFORE INSERT OR UPDATE OR DELETE ON "
        "voting_votereview FOR EACH ROW EXECUTE FUNCTION voting_review_follows_history()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS voting_votingsettings_head_fixed ON voting_votingsettings")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS voting_votereview_follows_history ON voting_votereview")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_head_fixed()")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_review_follows_history()")


class Migration(migrations.Migration):
    dependencies = [("voting", "0013_no_vote_after_the_head")]

    operations = [migrations.RunPython(forwards, backwards)]
