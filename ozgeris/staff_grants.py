"""The programme-staff group may manage every model of the portal's own apps in the admin.

Granted after each migration, so a model added by a later part is covered at once.
Jurors get no admin permissions here: their panel (/jury/) decides what they see.

Staff manage the programme, never accounts or their privileges (issue 15): they may look
people up (the jury admin's person picker needs it) but not add, change or delete an account.
Groups, permissions and allauth's email addresses are outside the portal's apps, so they
are never granted; migration 0007 took the account permissions back from existing databases.
"""

from django.apps import apps

from .permissions import STAFF_GROUP

PORTAL_APPS = ("ozgeris", "applications", "jury", "voting", "events", "reporting")
# Read-only for staff: written by services, never edited by hand; and the accounts, which only
# superusers change (whoever edits a user can make anyone a superuser or take the account).
READ_ONLY_MODELS = {("ozgeris", "auditevent"), ("ozgeris", "outboxmessage"), ("ozgeris", "user")}


def grant_staff_permissions(**kwargs):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is None:
        return
    labels = [label for label in PORTAL_APPS if apps.is_installed(label)]
    permissions = Permission.objects.filter(content_type__app_label__in=labels)
    allowed = [
        permission
        for permission in permissions.select_related("content_type")
        if (permission.content_type.app_label, permission.content_type.model)
        not in READ_ONLY_MODELS
        or permission.codename.startswith("view_")
    ]
    group.permissions.add(*allowed)
