"""Outreach's mail segment (ozgeris.segment_mail): the people on the information meetings'
rosters who agreed to be contacted and left an email address."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ozgeris import registries
from ozgeris.links import portal_link
from ozgeris.registries import SegmentRecipient

from .models import RosterEntry


def contact_email(contact):
    """The roster's contact if it is an email address (it may be a phone number), else ""."""
    contact = contact.strip()
    try:
        validate_email(contact)
    except ValidationError:
        return ""
    return contact


def meeting_participants(programme):
    """Participants of ``programme``'s information meetings with an email address. They have no
    account, so no language of their own: Russian. Only those who consented are reached (the
    others are counted as left out). ``{deadline}`` is the application deadline, ``{link}`` the
    place to apply. One query."""
    link = portal_link("applications:dashboard")
    entries = RosterEntry.objects.filter(meeting__programme=programme).order_by("pk")
    return [SegmentRecipient(email=email, name=entry.name, organisation=entry.organisation,
                             deadline=programme.intake_closes_at, link=link,
                             consented=entry.consent)
            for entry in entries if (email := contact_email(entry.contact))]


def register():
    registries.register_mail_segment("events.meeting_participants",
                                     _("Participants of information meetings who agreed to be "
                                       "contacted"), meeting_participants, order=70)
