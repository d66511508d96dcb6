"""The unsubscribes of the people on the events' lists (meeting rosters, ceremony guests), under
the mailbox rules of ozgeris 0013.

An unsubscribe (``MailOptOut``) is the hash of the canonical address. ozgeris 0013 refolded the
accounts' forms and copied their unsubscribes; the people on these lists have no account, but
their addresses are here, in ``contact``: each one's unsubscribe under the form of the rules
before is copied to its form now, so that a participant who unsubscribed is not mailed again.
The rules are 0013's own copy (a migration must not import code that changes). Backwards
nothing is removed: the copied unsubscribes stay, as 0013's do.
"""

import importlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import migrations

rules = importlib.import_module("ozgeris.migrations.0013_refold_canonical_emails")


def _addresses(apps):
    for model in ("RosterEntry", "CeremonyGuest"):
        for contact in apps.get_model("events", model).objects.exclude(contact="").values_list(
                "contact", flat=True).iterator():
            contact = contact.strip()
            try:
                validate_email(contact)
            except ValidationError:
                continue  # a phone number
            yield contact


def forwards(apps, schema_editor):
    rules.copy_unsubscribes(apps, [(rules.canonical_email_before(address),
                                    rules.canonical_email(address))
                                   for address in _addresses(apps)])


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_field_labels"),
        ("ozgeris", "0013_refold_canonical_emails"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
