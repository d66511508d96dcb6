"""Language: a signed-in person sees the portal in the language saved in their profile."""

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """After LocaleMiddleware: when the browser has made no choice of its own (no language
    cookie), a signed-in user's preferred language wins over Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        use_preferred_language(request, getattr(request, "user", None))
        return self.get_response(request)


def use_preferred_language(request, user, **kwargs):
    """The rule of this module, for a request and its user: also connected to
    ``user_logged_in``, so that what the sign-in itself says ("Signed in as …") is in the
    language of the pages that follow it, not in the browser's Accept-Language."""
    if (
        user is not None
        and user.is_authenticated
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        and user.preferred_language
    ):
        translation.activate(user.preferred_language)
        request.LANGUAGE_CODE = user.preferred_language
