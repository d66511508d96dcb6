"""On PostgreSQL the review history is insert-only too: a reviewer's decision is a new row,
never an edit of an old one."""

from django.db import migrations

TABLE = "voting_votestatuschange"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_insert_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION voting_refuse_change()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_insert_only ON {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("voting", "0003_review_results_visitors")]

    operations = [migrations.RunPython(forwards, backwards)]
