"""The public vote's part of a programme's calendar: when the vote opens and closes, in every
feed (ozgeris.calendars)."""

from django.utils.translation import gettext as _

from ozgeris.models import localized
from ozgeris.registries import CalendarEvent


def vote_window(programme, user):
    title = localized(programme, "title")
    return [
        CalendarEvent(uid=f"vote-opens-{programme.pk}", starts=programme.voting_opens_at,
                      summary=_("Public vote opens: %(title)s") % {"title": title}),
        CalendarEvent(uid=f"vote-closes-{programme.pk}", starts=programme.voting_closes_at,
                      summary=_("Public vote closes: %(title)s") % {"title": title}),
    ]
