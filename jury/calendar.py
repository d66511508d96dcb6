"""The jury's part of a programme's calendar: the jury's sittings, in the personal feed
of the programme's jurors only (ozgeris.calendars)."""

from datetime import timedelta

from django.utils.translation import gettext as _

from ozgeris.models import localized
from ozgeris.registries import CalendarEvent

from .models import JuryMember, Sitting

SITTING_HOURS = 2


def sittings(programme, user):
    """The sittings of ``programme``'s jury for a juror seated on it; nothing for anyone
    else (the public feed included). A sitting is shown as two hours from its start."""
    if user is None or not JuryMember.objects.filter(programme=programme, user=user).exists():
        return []
    title = localized(programme, "title")
    return [CalendarEvent(
        uid=f"sitting-{sitting.pk}", starts=sitting.starts_at,
        ends=sitting.starts_at + timedelta(hours=SITTING_HOURS),
        summary=_("Jury sitting: %(subject)s") % {
            "subject": sitting.get_subject_display()},
        description=title, location=sitting.place,
    ) for sitting in Sitting.objects.filter(programme=programme).order_by("starts_at", "pk")]
