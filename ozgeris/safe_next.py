"""Where a ``?next=`` (or a Referer) may take a person: a page of this site, and nothing else.

Every place that sends someone back to a page it was told about asks here: allauth's sign-in,
sign-up and sign-out (ozgeris.accounts.AccountAdapter.is_safe_url), the admin's and the jurors'
sign-in, the language switch, revoking a calendar address, the CSRF page's way back
(tests/test_safe_next.py checks that no other module makes the check itself).
"""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, url):
    """``url`` if it is a page of this site, else "".

    A page of this site is a path ("/registry/", not "//elsewhere/") or an address on the
    request's own host, over HTTPS when the request came over HTTPS. Refused: another site,
    another scheme (``javascript:``), plain HTTP under HTTPS, and a bare word such as ``home``:
    a relative path, which ``django.shortcuts.redirect()`` would first try as a URL name (and
    answer 500 for a name that needs arguments). Redirect to the answer with
    ``HttpResponseRedirect``, never with ``redirect()``."""
    if not isinstance(url, str) or not url:
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return ""  # checked first: it also refuses what urlsplit cannot read ("http://[::1")
    if not (url.startswith("/") or urlsplit(url).netloc):
        return ""
    return url
