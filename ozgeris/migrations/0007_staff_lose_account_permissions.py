"""Programme staff lose every permission over accounts and privileges (issue 15).

Until now the staff group was granted add, change and delete on users, and the user admin let
a staff member tick "superuser" on themselves. ``ozgeris.roles`` no longer grants them; this
takes them back from databases migrated before. Removed from the group only (a superuser may
still grant a person something by hand): add, change and delete on users, and anything of the
apps that hold privileges or identities (auth's groups and permissions, allauth's email
addresses, confirmations, social accounts, their apps and tokens and second factors, content
types, sessions).
"""

from django.db import migrations
from django.db.models import Q

STAFF_GROUP = "Programme staff"
ACCOUNT_APPS = ["auth", "account", "socialaccount", "mfa", "contenttypes", "sessions"]
USER_CODENAMES = ["add_user", "change_user", "delete_user"]


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is None:
        return
    dangerous = Permission.objects.filter(
        Q(content_type__app_label__in=ACCOUNT_APPS)
        | Q(content_type__app_label="ozgeris", content_type__model="user",
            codename__in=USER_CODENAMES))
    group.permissions.remove(*dangerous)


class Migration(migrations.Migration):
    dependencies = [
        ("ozgeris", "0006_worker_heartbeat"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Nothing to give back: the grant after each migration (ozgeris.roles) gives staff what
    # they need, and the rest was never theirs to hold.
    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
