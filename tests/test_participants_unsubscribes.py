"""A meeting participant who unsubscribed under the mailbox rules before ozgeris 0013 is not
mailed again after it (events 0007 copies the unsubscribes of the people on the lists)."""

import hashlib
import importlib

import pytest
from django.apps import apps as django_apps

from events.models import RosterEntry
from ozgeris import segment_mail
from ozgeris.models import MailOptOut

MIGRATION = importlib.import_module(
    "events.migrations.0007_participants_unsubscribes_refolded")


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["Ivan.Petrov@yandex.ru", "aizhan+news@mail.ru"])
def test_a_participants_unsubscribe_under_the_rules_before_still_holds(meeting, address):
    RosterEntry.objects.create(meeting=meeting, name="Участник", contact=address, consent=True)
    RosterEntry.objects.create(meeting=meeting, name="По телефону", contact="+7 701 555 12 34",
                               consent=True)
    old_form = MIGRATION.rules.canonical_email_before(address)
    assert old_form != MIGRATION.rules.canonical_email(address)  # the rules moved it
    MailOptOut.objects.create(address_hash=hashlib.sha256(old_form.encode()).hexdigest())
    programme = meeting.programme

    def reached():
        return [person.email for person in segment_mail.audience(
            programme, "events.meeting_participants").recipients]

    assert address in reached()  # before the migration: written to again

    MIGRATION.forwards(django_apps, None)

    assert address not in reached()
