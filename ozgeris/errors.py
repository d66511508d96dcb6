"""The error pages (400, 403, 404, 500 and a failed CSRF check): one table of what each page
says, rendered into one frame, templates/error_page.html, which shows the title both in the
browser's <title> and as the heading, so the two cannot drift apart.

The root URLconf's handler400/403/404/500 and settings.CSRF_FAILURE_VIEW point here. 400 and
500 are rendered without the request, as django.views.defaults.server_error renders 500: no
context processor runs, so neither page touches the database, the session or the user. A
request refused before the authentication middleware (a bad Host header) has no user, and
the portal's context processor would fail on it, turning the 400 into a 500."""

import logging
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from .safe_next import safe_next_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorPage:
    """What one error page says. ``lead`` and ``advice`` are the two paragraphs under the
    heading; a page whose explanation depends on the request (403) or adds links (404) has a
    template of its own that extends error_page.html."""

    status: int
    title: str
    lead: str = ""
    advice: str = ""
    template: str = "error_page.html"


PAGES = {
    "bad_request": ErrorPage(
        400, _("The request could not be processed"),
        lead=_("The portal received a request it cannot handle: the link may be damaged, or a "
               "form sent more than the portal accepts at once."),
        advice=_("Go back, reload the page and try again. If it happens again, write to the "
                 "programme's team and say what you were doing.")),
    "permission_denied": ErrorPage(403, _("No access to this page"), template="403.html"),
    "csrf_failure": ErrorPage(
        403, _("The form has expired"),
        lead=_("For your safety the portal checks that every form comes from its own page, and "
               "this check failed. Usually the page was open for a long time, you signed in or "
               "out in another tab, or the browser blocks cookies for this site."),
        advice=_("Go back, reload the page and send the form again. Nothing was saved.")),
    "page_not_found": ErrorPage(
        404, _("Page not found"),
        lead=_("The address may be mistyped, or the page has moved or been removed."),
        advice=_("These pages may help:"), template="404.html"),
    "server_error": ErrorPage(
        500, _("Something went wrong on our side"),
        lead=_("The error has been recorded and the team will look into it. Nothing you did "
               "caused it."),
        advice=_("Please try again in a few minutes. If you were sending a form, check "
                 "afterwards whether it was saved before you send it again.")),
}


def error_response(name, request=None, **context):
    """The page PAGES[name] as a response with its status. Without ``request`` the template
    is rendered with a plain context: no context processor runs."""
    page = PAGES[name]
    content = loader.render_to_string(page.template, {"page": page, **context}, request)
    return HttpResponse(content, status=page.status)


def bad_request(request, exception):
    """handler400, rendered without the request (see the module's docstring)."""
    return error_response("bad_request")


def permission_denied(request, exception):
    """handler403: with the request, so the page can offer the signed-in person their way."""
    return error_response("permission_denied", request)


def page_not_found(request, exception):
    return error_response("page_not_found", request)


def server_error(request):
    """handler500: rendered without the request; if even that fails (a broken template or
    URLconf), Django's own plain body, so the visitor still gets a 500 and not a dropped
    connection."""
    try:
        return error_response("server_error")
    except Exception:
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError("<h1>Server Error (500)</h1>")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the portal's page, with the header of whoever is signed in, instead
    of Django's bare one. ``reason`` is never shown: Django's middleware has logged it. A link
    back is offered only to a page of this site."""
    back = safe_next_url(request, request.META.get("HTTP_REFERER"))
    return error_response("csrf_failure", request, back=back)
