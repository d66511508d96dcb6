"""First-party visitor counting, without a third-party tracker and without personal data.

A browser gets a cookie holding a random id, the traffic source class of its first request
(from the referrer's host or the UTM tags; the referrer itself is not kept) and the time we
last recorded it. It is counted from the first request that brings the cookie back, so a
client that ignores cookies (most bots, load generators) writes nothing. A visit is then
refreshed at most every ``VISIT_REFRESH_SECONDS``: one upsert of (visitor, day) with the
first and last time seen, which gives the daily uniques and the time spent on the site.
The privacy notice states this.
"""

import re
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError

from .models import TrafficSource, VisitDay, Visitor

COOKIE = "ozv"
COOKIE_AGE = 400 * 24 * 3600  # about 13 months, the longest browsers keep a cookie
ALMATY = ZoneInfo("Asia/Almaty")
COUNTED_PATHS = re.compile(r"^/(?!static/|media/|admin/|jury/|healthz|favicon)")
COOKIE_VALUE = re.compile(r"^([0-9a-f]{32})\.(direct|social|search|other)\.(\d{1,12})$")
SOCIAL_HOSTS = ("facebook.", "instagram.", "vk.com", "vk.ru", "t.me", "telegram.", "twitter.",
                "x.com", "youtube.", "youtu.be", "linkedin.", "ok.ru", "tiktok.", "whatsapp.",
                "l.facebook.com", "lm.facebook.com", "threads.")
SEARCH_HOSTS = ("google.", "yandex.", "bing.", "mail.ru", "duckduckgo.", "yahoo.", "ya.ru")
SOCIAL_UTM = {"facebook", "fb", "instagram", "ig", "vk", "telegram", "tg", "twitter", "youtube",
              "linkedin", "whatsapp", "tiktok", "social"}
SEARCH_UTM = {"google", "yandex", "bing", "search", "cpc"}


def _host_matches(host, patterns):
    return any(host == pattern.rstrip(".") or pattern in host for pattern in patterns)


def classify(referrer, utm_source="", utm_medium="", own_host=""):
    """The traffic source class of a first request."""
    tags = {value.lower() for value in (utm_source, utm_medium) if value}
    if tags & SOCIAL_UTM:
        return TrafficSource.SOCIAL
    if tags & SEARCH_UTM:
        return TrafficSource.SEARCH
    host = (urlsplit(referrer or "").hostname or "").lower().removeprefix("www.")
    if not host or host == own_host:
        return TrafficSource.OTHER if tags else TrafficSource.DIRECT
    if _host_matches(host, SOCIAL_HOSTS):
        return TrafficSource.SOCIAL
    if _host_matches(host, SEARCH_HOSTS):
        return TrafficSource.SEARCH
    return TrafficSource.OTHER


def visitor_id(request):
    """The random id of a returning browser, or '' (used to link a vote to a visit)."""
    match = COOKIE_VALUE.match(request.COOKIES.get(COOKIE, ""))
    return match.group(1) if match else ""


def record_visit(visitor, source, now):
    """Upsert the visitor and its day. Two statements, no read."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    Visitor.objects.bulk_create([Visitor(id=visitor, first_seen_at=moment, source=source)],
                                ignore_conflicts=True)
    VisitDay.objects.bulk_create(
        [VisitDay(visitor_id=visitor, day=moment.astimezone(ALMATY).date(), first_at=moment,
                  last_at=moment)],
        update_conflicts=True, unique_fields=["visitor", "day"], update_fields=["last_at"])


class VisitorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.method != "GET" or response.status_code != 200
                or not COUNTED_PATHS.match(request.path)
                or not response.get("Content-Type", "").startswith("text/html")):
            return response
        now = int(time.time())
        match = COOKIE_VALUE.match(request.COOKIES.get(COOKIE, ""))
        if match is None:
            source = classify(request.META.get("HTTP_REFERER", ""),
                              request.GET.get("utm_source", ""),
                              request.GET.get("utm_medium", ""),
                              own_host=request.get_host().split(":")[0].removeprefix("www."))
            self._set(response, secrets.token_hex(16), source, 0)
            return response
        visitor, source, last = match.group(1), match.group(2), int(match.group(3))
        if now - last < settings.VISIT_REFRESH_SECONDS:
            return response
        try:
            record_visit(visitor, source, now)
        except DatabaseError:
            return response  # statistics never break a page
        self._set(response, visitor, source, now)
        return response

    @staticmethod
    def _set(response, visitor, source, last):
        response.set_cookie(COOKIE, f"{visitor}.{source}.{last}", max_age=COOKIE_AGE,
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                            samesite="Lax")
