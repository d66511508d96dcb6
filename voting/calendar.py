"""The public vote's part of a programme's calendar: when the vote opens and closes, in every
feed (ozgeris.calendars)."""

from django.utils.translation import gettext as _

from ozgeris.calendars import window_events


def vote_window(programme, user):
    return window_events(
        programme, "vote", opens_at=programme.voting_opens_at,
        closes_at=programme.voting_closes_at, opens=_("Public vote opens: %(title)s"),
        closes=_("Public vote closes: %(title)s"))
