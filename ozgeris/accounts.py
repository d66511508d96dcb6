"""django-allauth adapters and the sign-in's rules: who may sign up (a registered mailbox is
answered like a new one), which social emails we trust, where the sign-in limits are kept, and
the admin's sign-in (allauth's)."""

from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import outbox
from .clients import client_ip
from .emails import canonical_email, is_disposable
from .links import portal_address
from .models import User
from .permissions import is_juror, is_programme_staff, is_reader
from .reader_seats import landing_url as reader_landing_url
from .safe_next import safe_next_url


def disposable_refusal(address):
    if is_disposable(address):
        return _(
            "Addresses at temporary mailbox services are not accepted. "
            "Please use an address you will keep."
        )
    return None


def mailbox_owner(address):
    """The account registered with ``address`` or another spelling of its mailbox, if any."""
    try:
        return User.objects.get_by_natural_key(address)  # by the canonical form, as sign-in
    except User.DoesNotExist:
        return None


def duplicate_refusal(address):
    if mailbox_owner(address) is not None:
        return _(
            "An account with this email address (or another spelling of the same "
            "mailbox) already exists. Log in or reset your password."
        )
    return None


def keep_sign_in_limits_in_the_database():
    """Point allauth's rate limits and its record of used TOTP codes at the "auth" cache.

    allauth counts failed logins and second-factor codes, password resets and sign-ups in
    Django's default cache, read through each module's ``cache``. Ours is Redis failing open
    (ozgeris/cache.py): while Redis hangs every read is a miss, so every sign-in limit would
    let everything through and a used code could be replayed. The "auth" cache is the database,
    which is up whenever anyone can sign in at all. Refuses to start if allauth moved them.
    The limits per address are then keyed on the mailbox (``key_mail_limits_on_the_mailbox``)."""
    from allauth.core.internal import ratelimit
    from allauth.mfa.totp.internal import auth as totp
    from django.core.cache import caches
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.connection import ConnectionProxy

    for module in (ratelimit, totp):
        if not hasattr(module, "cache"):
            raise ImproperlyConfigured(
                f"{module.__name__} keeps no module-level cache any more: the sign-in limits "
                "would fall back to the cache that fails open (see ozgeris/accounts.py).")
        module.cache = ConnectionProxy(caches, "auth")
    key_mail_limits_on_the_mailbox()


# allauth's limits counted per address: the key is the address as typed, lower-cased, so each
# spelling of one mailbox (a +tag, a Yandex domain, a full-width letter) would count afresh.
# ``login_failed`` is keyed by the adapter (``_get_login_attempts_cache_key``).
MAILBOX_KEYED_LIMITS = {"reset_password", "confirm_email", "request_login_code"}


def key_mail_limits_on_the_mailbox():
    """Count MAILBOX_KEYED_LIMITS per mailbox: three password resets an hour, one confirmation
    or "account already exists" mail in three minutes, for all spellings of a mailbox together,
    which is also what keeps a sign-up form from mail-bombing an address through its +tags.

    allauth passes the address as typed to ``ratelimit.get_cache_key`` and has no hook for the
    key, so that function is wrapped to put the canonical form in its place (it is idempotent,
    so a key that is one already stays). Refuses to start if allauth changed the function."""
    import inspect

    from allauth.core.internal import ratelimit
    from django.core.exceptions import ImproperlyConfigured

    get_cache_key = getattr(ratelimit, "get_cache_key", None)
    if getattr(get_cache_key, "keys_the_mailbox", False):
        return
    if get_cache_key is None or list(inspect.signature(get_cache_key).parameters) != [
            "request", "app", "action", "rate", "key", "user"]:
        raise ImproperlyConfigured(
            "allauth.core.internal.ratelimit.get_cache_key changed: the per-address limits "
            "would count each spelling of a mailbox afresh (see ozgeris/accounts.py).")

    def mailbox_cache_key(request, *, app, action, rate, key=None, user=None):
        if action in MAILBOX_KEYED_LIMITS and isinstance(key, str) and "@" in key:
            key = canonical_email(key)
        return get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user)

    mailbox_cache_key.keys_the_mailbox = True
    ratelimit.get_cache_key = mailbox_cache_key


def admin_login(request):
    """/admin/login/: Django's admin sign-in form counts no failed attempts and asks for no
    second factor, so the admin sends everyone to allauth's sign-in page (its limits, its
    code step) and back. A signed-in person the admin does not let in gets 403, not a loop."""
    from django.contrib import admin
    from django.http import HttpResponseRedirect
    from django.urls import reverse
    from django.utils.http import urlencode

    target = safe_next_url(request, request.GET.get("next")) or reverse("admin:index")
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def on_portal(url):
    """``url``, a link allauth built from the request's Host, at the same path on PORTAL_URL
    (its query and fragment kept). Anything but an address is left as it is."""
    if not isinstance(url, str) or not url:
        return url
    parts = urlsplit(url)
    return portal_address(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


def note_email_confirmed(request, email_address, **kwargs):
    """Remember when a login email was confirmed (allauth keeps no time of it)."""
    type(email_address.user).objects.filter(pk=email_address.user_id).update(
        email_verified_at=timezone.now())


# Account mail waits in the outbox as JSON: what allauth passes is frozen when it is queued and
# thawed when it is sent (a model as its label and key, fetched again; a time as ISO 8601).
FROZEN_MODEL = "$model"
FROZEN_TIME = "$datetime"


def _frozen(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, models.Model):
        return {FROZEN_MODEL: value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {FROZEN_TIME: value.isoformat()}
    return str(value)


def _thawed(value):
    if isinstance(value, dict) and FROZEN_MODEL in value:
        return apps.get_model(value[FROZEN_MODEL])._default_manager.get(pk=value["pk"])
    if isinstance(value, dict) and FROZEN_TIME in value:
        return datetime.fromisoformat(value[FROZEN_TIME])
    return value


def render_account_mail(*, template, to, context, language):
    """(subject, text, HTML) of allauth's mail ``template``, rendered by allauth in
    ``language`` when the outbox sends it (ozgeris.outbox)."""
    with translation.override(language):
        message = get_account_adapter().render_mail(
            template, to, {key: _thawed(value) for key, value in context.items()})
    html_body = next((body for body, mimetype in getattr(message, "alternatives", [])
                      if mimetype == "text/html"), "")
    return message.subject, message.body, html_body


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Where a sign-in without a ``?next=`` lands: programme staff on their dashboard, jurors
        on their panel, the read-only seats on theirs (ozgeris.reader_seats), everyone else
        where LOGIN_REDIRECT_URL says. allauth asks this only
        when no safe ``next`` was given (it checks that one with ``is_safe_url``, below)."""
        from django.urls import reverse

        if is_programme_staff(request.user):
            return reverse("staff_dashboard")
        if is_juror(request.user):
            return reverse("jury_panel:index")
        if is_reader(request.user):
            return reader_landing_url(request.user)
        return super().get_login_redirect_url(request)

    def is_safe_url(self, url):
        """Whether the sign-in (and sign-up, sign-out, social sign-in) may follow ``?next=url``:
        the portal's one rule (ozgeris.safe_next). allauth's own would also take plain HTTP
        under HTTPS and any host of ALLOWED_HOSTS or CSRF_TRUSTED_ORIGINS."""
        from allauth.core import context as allauth_context

        return bool(safe_next_url(allauth_context.request, url))

    def send_mail(self, template_prefix, email, context):
        """Account mail (verification, password reset, sign-in codes) leaves through the
        outbox, so an SMTP or broker outage delays it instead of failing the sign-up. It is
        queued unrendered: its link or code waits in the row's context, which the admin never
        shows and the outbox clears once the mail is sent (ozgeris.outbox)."""
        # Without the sites framework the "site" would be the request's Host, which the
        # client chooses: the mail names the portal and its address (PORTAL_URL) instead.
        # Every link allauth puts in the mail (``activate_url``, ``password_reset_url``,
        # ``signup_url``) comes from the Host as well: each is moved onto PORTAL_URL here, the
        # one place all of them pass (a reset key mailed to a forged host would be stolen).
        context = {"email": email,
                   "current_site": {"name": settings.PORTAL_NAME,
                                    "domain": urlsplit(settings.PORTAL_URL).netloc},
                   **{key: _frozen(on_portal(value) if key.endswith("_url") else value)
                      for key, value in context.items() if key != "request"}}
        outbox.queue_templated_emails(
            template=template_prefix,
            purpose=f"{outbox.ACCOUNT_PURPOSE}{template_prefix.rsplit('/', 1)[-1]}",
            recipients=[(email, translation.get_language() or settings.LANGUAGE_CODE, context)])

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The per-account counter of failed logins (five in five minutes, ACCOUNT_RATE_LIMITS'
        ``login_failed``), also cleared by a password reset and used by "confirm it's you".

        allauth keys it on the "site" and the login as typed, lower-cased. Without the sites
        framework the site is the request's Host, port included, which the client chooses
        (ALLOWED_HOSTS ignores the port, the proxy passes it on): ``ozgeris.kz:1``,
        ``ozgeris.kz:2``… would each count afresh. And a password typed with any spelling of
        the account's mailbox (a ``+tag``, a Gmail dot, a Yandex domain) is checked against
        that account
        (``User.objects.get_by_natural_key``): each spelling would count afresh too. So the key
        is the portal's own address (PORTAL_URL) and the mailbox's canonical form: one counter
        per account."""
        login = credentials.get("email", credentials.get("username", ""))
        return f"{urlsplit(settings.PORTAL_URL).netloc}:{canonical_email(login)}"

    def get_client_ip(self, request):
        """The portal's one reading of the client's address (ozgeris/clients.py), so allauth's
        own rate limits (five failed logins in five minutes, sign-ups per hour) count per
        visitor behind the proxy, not for the proxy's one address."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def send_account_already_exists_mail(self, email):
        """A sign-up with a registered address looks like any other (ACCOUNT_PREVENT_ENUMERATION);
        the account's owner is told instead, at the address they registered, so that another
        spelling of their mailbox (a Gmail dot or +tag) learns nothing either."""
        owner = mailbox_owner(email)
        super().send_account_already_exists_mail(owner.email if owner else email)

    def confirm_email(self, request, email_address):
        """An address that is another account's mailbox (added under another spelling, or
        before that account signed up) is not confirmed: it could never be this account's
        login. allauth refuses the same for an address another account has confirmed. The
        account's own login is confirmed whatever the stored form (an account a change of the
        rules left on an older form shares its mailbox's with the account staff decide on)."""
        user = email_address.user
        if (canonical_email(email_address.email) != canonical_email(user.email)
                and user.mailbox_held_by_another(email_address.email)):
            self.add_message(request, messages.ERROR,
                             "account/messages/email_confirmation_failed.txt",
                             {"email": email_address.email})
            return False
        return super().confirm_email(request, email_address)

    def clean_email(self, email):
        """Every address allauth accepts (sign-up, added addresses, social logins) is checked
        for a disposable domain. The duplicate check lives in the sign-up forms
        (``forms.OneAccountPerMailbox``): allauth also calls this for the address of an account
        it has just created."""
        email = super().clean_email(email)
        refusal = disposable_refusal(email)
        if refusal:
            raise forms.ValidationError(refusal)
        return email


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        """Distrust the email of providers that do not verify it: we verify it ourselves."""
        if sociallogin.account.provider in settings.SOCIAL_PROVIDERS_WITH_UNVERIFIED_EMAIL:
            for address in sociallogin.email_addresses:
                address.verified = False

    def save_user(self, request, sociallogin, form=None):
        """A provider's address that is a registered mailbox (any spelling) is not kept for the
        new account, whose login is the address typed in the sign-up form: allauth would make
        a verified one the login, and two accounts would share one mailbox."""
        sociallogin.email_addresses = [address for address in sociallogin.email_addresses
                                       if mailbox_owner(address.email) is None]
        return super().save_user(request, sociallogin, form)
