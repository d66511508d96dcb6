"""The table of the "auth" cache (settings.CACHES): allauth's sign-in limits and the TOTP codes
already used are kept in the database, so that a Redis outage does not lift them."""

from django.core.management import call_command
from django.db import migrations

TABLE = "ozgeris_auth_cache"


def create_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias,
                 verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ('ozgeris', '0007_staff_lose_account_permissions'),
    ]

    operations = [
        migrations.RunPython(create_table, drop_table),
    ]
