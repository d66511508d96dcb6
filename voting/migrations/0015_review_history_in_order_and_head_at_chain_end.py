"""On PostgreSQL the review history and the vote's milestones hold against the runtime role
too, which may INSERT history rows and UPDATE the vote settings (0014 kept a review equal to
its history, but the history itself was whatever the role wrote):

* **A history row is dated by the database and follows the review.** Each new row of
  ``voting_votestatuschange`` gets ``at`` from the database's clock (``clock_timestamp()``,
  whatever the insert says; Django reads it back), its ``previous`` must be the review's
  current status ("counted" without a review, as ``review.py`` writes it), and no row is
  added while the programme's results are released (``results_released_at`` set; a withdrawn
  release clears it, then staff decide again). The last decision is the row with the latest
  ``at``, then the highest id: an id chosen by the inserter no longer makes a row the last
  for good. 0014's function is replaced with that order (``ledger._reviews_against_history``
  reads the same), and it also refuses to insert or change a review while the results are
  released (a history row put in before the release could otherwise be applied after it).
* **The head is published at the chain's end.** When ``head_published_at`` is first set
  (update or insert), the head must be the last entry of the programme's ledger, its position
  and leaf, or position 0 with the genesis digest when the ledger is empty
  (``results.publish_head``). The check takes the chain's lock (the programme's row, as
  ``ledger.lock_chain`` does), so a seal under way is waited for.
* **A withdrawal stays visible.** Clearing ``results_released_at`` needs a new
  ``release_withdrawn_at`` and a reason (``results.withdraw_release``), and a withdrawal's
  date is never cleared: the public results page shows it.

Going back restores 0014's review function and drops the rest. A database administrator can
still switch these triggers off; ``ledger.verify`` and the signed final checkpoint remain.
"""

import importlib

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION voting_status_change_in_order() RETURNS trigger AS $$
DECLARE
    current varchar;
BEGIN
    NEW.at := clock_timestamp();
    IF EXISTS (SELECT 1 FROM voting_vote v JOIN voting_votingsettings s
               ON s.programme_id = v.programme_id
               WHERE v.id = NEW.vote_id AND s.results_released_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the results of vote % are released: its review history is closed',
            NEW.vote_id USING ERRCODE = 'check_violation';
    END IF;
    SELECT r.status INTO current FROM voting_votereview r WHERE r.vote_id = NEW.vote_id;
    current := COALESCE(current, 'counted');
    IF NEW.previous IS DISTINCT FROM current THEN
        RAISE EXCEPTION 'the review of vote % is %, not %: a history row starts from it',
            NEW.vote_id, current, NEW.previous USING ERRCODE = 'check_violation';
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
        IF EXISTS (SELECT 1 FROM voting_vote v JOIN voting_votingsettings s
                   ON s.programme_id = v.programme_id
                   WHERE v.id = vote AND s.results_released_at IS NOT NULL) THEN
            RAISE EXCEPTION 'the results of vote % are released: its review is closed', vote
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    SELECT c.status INTO recorded FROM voting_votestatuschange c WHERE c.vote_id = vote
        ORDER BY c.at DESC, c.id DESC LIMIT 1;
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

CREATE OR REPLACE FUNCTION voting_settings_milestones() RETURNS trigger AS $$
DECLARE
    last_sequence bigint;
    last_leaf varchar;
BEGIN
    IF NEW.head_published_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.head_published_at IS NULL) THEN
        PERFORM 1 FROM ozgeris_programme p WHERE p.id = NEW.programme_id FOR NO KEY UPDATE;
        SELECT e.sequence, e.leaf INTO last_sequence, last_leaf FROM voting_ledgerentry e
            WHERE e.programme_id = NEW.programme_id ORDER BY e.sequence DESC LIMIT 1;
        IF NEW.head_sequence IS DISTINCT FROM COALESCE(last_sequence, 0)
           OR NEW.head_digest IS DISTINCT FROM COALESCE(last_leaf, repeat('0', 64)) THEN
            RAISE EXCEPTION 'the head of programme % is published at the end of its ledger '
                '(position %)', NEW.programme_id, COALESCE(last_sequence, 0)
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.release_withdrawn_at IS NOT NULL AND NEW.release_withdrawn_at IS NULL THEN
            RAISE EXCEPTION 'the withdrawal of the release of programme % stays',
                OLD.programme_id USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.results_released_at IS NOT NULL AND NEW.results_released_at IS NULL
           AND (NEW.release_withdrawn_at IS NOT DISTINCT FROM OLD.release_withdrawn_at
                OR btrim(NEW.release_withdrawal_reason) = '') THEN
            RAISE EXCEPTION 'the release of programme % is withdrawn with a date and a reason',
                OLD.programme_id USING ERRCODE = 'check_violation';
        END IF;
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
        "CREATE TRIGGER voting_votestatuschange_in_order BEFORE INSERT ON "
        "voting_votestatuschange FOR EACH ROW EXECUTE FUNCTION voting_status_change_in_order()")
    schema_editor.execute(
        "CREATE TRIGGER voting_votingsettings_milestones BEFORE INSERT OR UPDATE ON "
        "voting_votingsettings FOR EACH ROW EXECUTE FUNCTION voting_settings_milestones()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS voting_votestatuschange_in_order ON voting_votestatuschange")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS voting_votingsettings_milestones ON voting_votingsettings")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_status_change_in_order()")
    schema_editor.execute("DROP FUNCTION IF EXISTS voting_settings_milestones()")
    # 0014's functions as they stand there (its head function is unchanged here).
    previous = importlib.import_module(
        "voting.migrations.0014_published_head_and_review_follow_history")
    schema_editor.execute(previous.FUNCTIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [("voting", "0014_published_head_and_review_follow_history")]

    operations = [migrations.RunPython(forwards, backwards)]
