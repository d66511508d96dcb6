"""Two-factor sign-in for programme staff and jurors (allauth.mfa: an authenticator app and
recovery codes).

allauth asks for a code at sign-in whenever an account has an authenticator; what this module
adds is that staff and jurors must have one. With ``MFA_REQUIRED_FOR_STAFF`` on (read on every
request), a signed-in staff member, superuser or juror reaches no page but the sign-in's own
(allauth's ``account_*`` and ``mfa_*`` pages, the language switch, the privacy notice) until

* they have an authenticator app: otherwise they are sent to set one up, and
* this session has passed the second step: signed in with a code, or confirmed one on
  allauth's reauthentication page. A session that signed in with the password alone (before
  the app was set up, here or elsewhere, or before the requirement came on) is asked for a
  code, so the first code after setting the app up also shows that it works.

The whole portal is held, not only /admin/ and /jury/: staff also release the vote's results
(/vote/YEAR/staff/) and build the report (/reports/). Voters and applicants are never asked.
While the requirement is on nobody it binds may remove their own authenticator; a superuser
resets a lost one with ``manage.py reset_two_factor EMAIL``.
"""

import re
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import audit
from .permissions import is_juror, is_reader

OPEN_URL_PREFIXES = ("account_", "mfa_")
OPEN_URL_NAMES = {"set_language", "privacy", "healthz"}


def is_required_for(user):
    """True when ``user`` must sign in with a second factor: staff (anyone the admin lets in),
    superusers, jurors and the read-only seats (observer, auditor), while
    MFA_REQUIRED_FOR_STAFF is on."""
    if not settings.MFA_REQUIRED_FOR_STAFF or not getattr(user, "is_authenticated", False):
        return False
    return user.is_active and (user.is_superuser or user.is_staff or is_juror(user)
                               or is_reader(user))


def has_authenticator_app(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def passed_second_factor(request):
    """This session's sign-in included a second factor: allauth records each step it takes in
    the session (the code at sign-in, or on its reauthentication page)."""
    records = get_authentication_records(request, request.user)  # this user's records only
    return any(isinstance(record, dict) and record.get("method") == "mfa" for record in records)


@transaction.atomic
def reset_two_factor(*, user, by=None):
    """Remove ``user``'s authenticator app and recovery codes, for a person who lost both.

    Side effects: their authenticators deleted, an audit entry. Their next sign-in asks for the
    password only, and, where the requirement binds them, for a new app before anything else.
    The number of authenticators removed."""
    removed, _by_type = Authenticator.objects.filter(user=user).delete()
    audit.record(by, "account.two_factor_reset", user, authenticators=removed)
    return removed


class TwoFactorRequiredMiddleware:
    """Holds a staff member or juror without a second factor at its set-up (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        url_name = request.resolver_match.url_name or ""
        if url_name.startswith(OPEN_URL_PREFIXES) or url_name in OPEN_URL_NAMES:
            return None
        if not is_required_for(request.user):
            return None
        if not has_authenticator_app(request.user):
            messages.warning(request, _(
                "Programme staff and jurors sign in with two-factor authentication. Set up an "
                "authenticator app to continue."))
            return redirect("mfa_activate_totp")
        if not passed_second_factor(request):
            messages.info(request, _(
                "Enter the code from your authenticator app to continue."))
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return None


class MFAAdapter(DefaultMFAAdapter):
    def build_totp_svg(self, url):
        """The QR code as an element of the page itself (no data: URL for the Content Security
        Policy to allow, no style): without the XML prolog, with a role and a name for screen
        readers."""
        svg = super().build_totp_svg(url)
        svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
        name = escape(_("QR code of the authenticator app's secret"))
        return svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)

    def can_delete_authenticator(self, authenticator):
        """Nobody the requirement binds switches their own second factor off."""
        return not is_required_for(authenticator.user)
