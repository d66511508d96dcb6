"""The ceremony in a programme's calendar, in every feed (ozgeris.calendars): the ceremony
staff recorded (its time and venue) or, before they record one, the programme's date."""

from datetime import timedelta

from django.utils.translation import gettext as _

from ozgeris.models import localized
from ozgeris.registries import CalendarEvent

from .models import Ceremony

CEREMONY_HOURS = 3


def ceremony(programme, user):
    """One event whose UID names the programme, not the ceremony record, so recording the
    ceremony later moves the event instead of adding another."""
    recorded = Ceremony.objects.filter(programme=programme).first()
    starts, location = programme.ceremony_at, ""
    if recorded:
        starts = recorded.held_at
        location = ", ".join(part for part in (recorded.venue, recorded.city) if part)
    return [CalendarEvent(
        uid=f"ceremony-{programme.pk}", starts=starts,
        ends=starts + timedelta(hours=CEREMONY_HOURS),
        summary=_("Award ceremony: %(title)s") % {"title": localized(programme, "title")},
        location=location,
    )]
