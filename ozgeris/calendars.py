"""A programme's calendar as an iCalendar (``.ics``) feed that calendar apps subscribe to.

The events come from the calendar sources the apps registered (``ozgeris.registries``): the
programme's application window (here), an organisation's extension (applications), the jury's
sittings (jury), the vote window (voting) and the ceremony (events). The public feed asks each
source with no user, and the sources then give only what anyone may see; a personal feed asks
with the user a signed token names, so a calendar app can fetch it without a session; the
person may revoke the addresses given out so far (a version signed into the token).

Times are written in ``Asia/Almaty`` with the zone's own definition (a VTIMEZONE built from
zoneinfo), so 2019's events stay at +06:00 and those after 1 March 2024 at +05:00. An event's
UID names what it is (``sitting-12@host``), never its title or date: when staff move a date,
the next fetch replaces the event instead of adding a second one.
"""

from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from .models import localized
from .registries import CalendarEvent, calendar_sources

ALMATY = ZoneInfo("Asia/Almaty")
TOKEN_SALT = "ozgeris.calendars.personal-feed"  # noqa: S105 - a signing salt, not a secret
PRODUCT_ID = "-//Ozgeris Ustasy//Programme calendar//EN"
# The span the feed's VTIMEZONE describes: the portal's editions, from the first (2019).
ZONE_FROM, ZONE_UNTIL = date(2015, 1, 1), date(2040, 1, 1)


# Personal feeds -----------------------------------------------------------------------------


def personal_token(user):
    """The signed token in ``user``'s personal feed address. It names the user and the
    version of their address (``User.calendar_feed_version``) and nothing else; Django's
    signing (SECRET_KEY) makes it unforgeable."""
    return signing.dumps({"user": user.pk, "version": user.calendar_feed_version},
                         salt=TOKEN_SALT)


def user_for_token(token):
    """The active user ``token`` was made for, or None for a forged, altered or revoked one.
    An address from before versions (no ``version``) is version 0, the first."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_pk, version = payload.get("user"), payload.get("version", 0)
    if not (isinstance(user_pk, int) and isinstance(version, int)):
        return None
    return get_user_model().objects.filter(pk=user_pk, is_active=True,
                                           calendar_feed_version=version).first()


def revoke_personal_feeds(user):
    """Make every personal feed address given to ``user`` so far answer 404; the next page
    shows a new one. Side effect: ``user.calendar_feed_version`` goes up by one."""
    get_user_model().objects.filter(pk=user.pk).update(
        calendar_feed_version=F("calendar_feed_version") + 1)
    user.refresh_from_db(fields=["calendar_feed_version"])


# The feed -----------------------------------------------------------------------------------


def uid_host():
    """The host in every UID: where the portal lives (``PORTAL_URL``), never the host a
    request happened to name, so the same event keeps the same UID whoever fetches it."""
    return urlsplit(settings.PORTAL_URL).hostname or "ozgeris.kz"


def events_for(programme, user=None):
    """Every source's events for ``programme`` (the public ones with no ``user``), in the
    active language, ordered by time."""
    events = []
    for name in sorted(calendar_sources.names()):
        events.extend(calendar_sources.get(name)(programme, user))
    return sorted(events, key=lambda event: (event.starts, event.uid))


def build_calendar(programme, user=None, *, language=None, now=None):
    """The ``.ics`` bytes of ``programme``'s feed (``user``'s personal one when given), its
    titles in ``language`` (the active one when None)."""
    with translation.override(language or translation.get_language()):
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODUCT_ID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = programme.title if user is None else _("%(title)s: my calendar") % {
            "title": programme.title}
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Asia/Almaty")
        host = uid_host()
        stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        for event in events_for(programme, user):
            calendar.add_component(_vevent(event, host, stamp))
        calendar.add_missing_timezones(first_date=ZONE_FROM, last_date=ZONE_UNTIL)
        return calendar.to_ical()


def _vevent(event, host, stamp):
    """DTSTAMP is when the feed was built: the portal keeps no revision counter, so SEQUENCE
    stays 0 and a subscribed app takes each fetch's copy as the current one (RFC 5545 with
    METHOD:PUBLISH)."""
    vevent = icalendar.Event()
    vevent.add("uid", f"{event.uid}@{host}")
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", 0)
    vevent.add("summary", event.summary)
    vevent.add("dtstart", event.starts.astimezone(ALMATY))
    if event.ends is not None:
        vevent.add("dtend", event.ends.astimezone(ALMATY))
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("transp", "TRANSPARENT")
    return vevent


# The programme's own dates ------------------------------------------------------------------


def window_events(programme, name, *, opens_at, closes_at, opens, closes, closes_note=""):
    """The two events of one of ``programme``'s windows (``name``: ``"intake"``, ``"vote"``):
    when it opens and when it closes, with UIDs ``{name}-opens-{pk}`` and
    ``{name}-closes-{pk}``. ``opens`` and ``closes`` are the summaries, translated, with a
    ``%(title)s`` placeholder for the programme's title."""
    title = {"title": localized(programme, "title")}
    return [
        CalendarEvent(uid=f"{name}-opens-{programme.pk}", starts=opens_at, summary=opens % title),
        CalendarEvent(uid=f"{name}-closes-{programme.pk}", starts=closes_at,
                      summary=closes % title, description=closes_note),
    ]


def application_window(programme, user):
    """When applications open and when they close: public."""
    return window_events(
        programme, "intake", opens_at=programme.intake_opens_at,
        closes_at=programme.intake_closes_at, opens=_("Applications open: %(title)s"),
        closes=_("Applications close: %(title)s"),
        closes_note=_("The deadline for submitting an application."))
