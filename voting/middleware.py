"""The vote's busiest page, answered early.

During the vote most requests are anonymous visitors opening the finalists' cards, which
``views.finalists`` keeps rendered in the process's memory. This middleware answers such a
request from that memory before sessions, CSRF, accounts and messages run: it sits after
LocaleMiddleware (the page's language is known) and inside the headers' and the visitor
statistics' middleware, which still wrap it. Anyone with a session or a message waiting goes
the usual way, as does a page not kept yet.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from .views import fixed_path, kept_finalists_page


class AnonymousFinalistsPage:
    def __init__(self, get_response):
        self.get_response = get_response
        self.personal_cookies = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name}

    def __call__(self, request):
        if (request.method == "GET" and request.path == fixed_path("voting:finalists")
                and not self.personal_cookies & request.COOKIES.keys()):
            html = kept_finalists_page(request)
            if html is not None:
                response = HttpResponse(html)
                # What the usual way says too: a signed-in person gets another page.
                patch_vary_headers(response, ("Cookie",))
                return response
        return self.get_response(request)

