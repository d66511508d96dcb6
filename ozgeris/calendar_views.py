"""The calendar feeds (``ozgeris.calendars``): a programme's public feed and a person's own,
which calendar apps fetch without a session through the signed token in its address, and the
button that revokes a person's addresses."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .calendars import build_calendar, revoke_personal_feeds, user_for_token
from .languages import asked_language, cache_for
from .models import Programme
from .permissions import is_juror
from .safe_next import safe_next_url

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _feed_response(content, filename, language):
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Language"] = language
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def public_feed(request, year):
    """Everyone's events of the published edition ``year``: its dates, never a person's."""
    programme = Programme.objects.published_or_404(year)
    # Shared caches may keep a feed whose language its address names (the pages' links give
    # ?lang=); one in the reader's own language is theirs alone.
    language = asked_language(request)
    response = _feed_response(build_calendar(programme, language=language.code),
                              f"ozgeris-{year}.ics", language.code)
    return cache_for(response, language, max_age=900)


@require_GET
def personal_feed(request, year, token):
    """The events of ``year`` for the person the token names (their organisation's extension,
    their jury's sittings), in their language. A forged or altered token gets a 404, as an
    unknown address would."""
    user = user_for_token(token)
    if user is None:
        raise Http404("Unknown calendar.")
    programme = Programme.objects.published_or_404(year)
    language = asked_language(request, user.preferred_language or settings.LANGUAGE_CODE).code
    response = _feed_response(build_calendar(programme, user, language=language),
                              f"ozgeris-{year}-personal.ics", language)
    response["Cache-Control"] = "private, max-age=300"  # the token's person's, whatever ?lang=
    return response


@login_required
@require_POST
def revoke_personal(request):
    """The person's own feed addresses stop working (a leaked one included); they go back to
    the page they came from, which shows the new address, else to the page that shows it: a
    juror's panel, an applicant's dashboard."""
    revoke_personal_feeds(request.user)
    messages.success(request, _("Your old calendar address no longer works. Subscribe again "
                                "with the new one."))
    default = "jury_panel:index" if is_juror(request.user) else "applications:dashboard"
    return HttpResponseRedirect(safe_next_url(request, request.POST.get("next"))
                                or reverse(default))
