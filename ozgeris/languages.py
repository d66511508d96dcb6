"""The language of a response that an address may name (``?lang=``: a calendar feed, a share
card), and how long and by whom it may be kept: one rule for every such view.

    language = asked_language(request)
    response = HttpResponse(...)
    cache_for(response, language, max_age=900)
"""

from typing import NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class AskedLanguage(NamedTuple):
    code: str
    in_address: bool  # the address names it: the same address always gets the same language


def asked_language(request, default=None):
    """``?lang=`` when it names one of the portal's languages, else ``default`` (else the
    request's own: its language cookie, the signed-in person's profile, Accept-Language)."""
    asked = request.GET.get("lang", "")
    if asked in dict(settings.LANGUAGES):
        return AskedLanguage(asked, True)
    return AskedLanguage(default or translation.get_language() or settings.LANGUAGE_CODE, False)


def cache_for(response, language, *, max_age):
    """Shared caches may keep ``response`` for ``max_age`` seconds only when its address names
    its language; otherwise it is the reader's alone, and a browser keeps it apart per cookie
    and Accept-Language (Django's LocaleMiddleware reads the language cookie but names only
    Accept-Language in ``Vary``)."""
    if language.in_address:
        response["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response["Cache-Control"] = f"private, max-age={max_age}"
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response
