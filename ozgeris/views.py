"""The spine's pages: home, privacy notice, profile and account deletion, health, public files
and the staff dashboard (the error pages are in ozgeris.errors)."""

from allauth.account.adapter import get_adapter
from allauth.account.views import EmailView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import dashboard, health, services
from .forms import DeleteAccountForm, ProfileForm
from .models import MAILBOX_HELD_BY_ANOTHER, Nomination, Programme
from .permissions import staff_required
from .public_files import public_file_response
from .safe_next import safe_next_url


def home(request):
    programme = Programme.objects.current()
    context = {"programme": programme}
    if programme is not None:
        nominations = list(programme.nominations.all())
        context.update(
            ngo_nominations=[n for n in nominations if n.kind == Nomination.Kind.NGO],
            supporting_nominations=[n for n in nominations if n.kind == Nomination.Kind.SUPPORTING],
            stage=programme.current_stage(),
        )
    return render(request, "ozgeris/home.html", context)


def privacy(request):
    return render(request, "ozgeris/privacy.html")


@require_http_methods(["GET", "POST"])
def set_language(request):
    """The language switch. Signed-in people post it (and the choice is remembered in their
    profile); visitors follow a plain link, so public pages carry no CSRF token and can be
    served from the cache."""
    asked = request.POST if request.method == "POST" else request.GET
    response = HttpResponseRedirect(safe_next_url(request, asked.get("next")) or "/")
    language = asked.get("language")
    if language in dict(settings.LANGUAGES):
        if request.method == "POST" and request.user.is_authenticated:
            request.user.preferred_language = language
            request.user.save(update_fields=["preferred_language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["preferred_language"],
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response
    return render(request, "ozgeris/profile.html", {"title": _("Your profile"), "form": form})


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account and personal data were deleted."))
        return redirect("home")
    return render(request, "ozgeris/delete_account.html",
                  {"title": _("Delete my account"), "form": form})


@never_cache
def healthz(request):
    status, states = health.report()
    return JsonResponse({"status": status, **states},
                        status=503 if status == "unavailable" else 200)


def public_media(request, path):
    """Serve a file from the public store (what staff published); never the private one."""
    return public_file_response(path)


@staff_required
def staff_dashboard(request):
    """Where programme staff land after signing in (ozgeris.accounts)."""
    return render(request, "ozgeris/staff_dashboard.html",
                  {"board": dashboard.staff_dashboard()})


class EmailAddressesView(EmailView):
    """allauth's page of a person's addresses, where the login moves only to an address they
    confirmed, and never onto another account's mailbox (one mailbox, one account): one that
    account signed up with after this address was confirmed here, or under another spelling."""

    def _action_primary(self, request, *args, **kwargs):
        address = self._get_email_address(request)
        if address is not None and not address.verified:
            # allauth would take an unconfirmed one while no address is confirmed: whether it
            # is another account's would then tell whose mailbox an account is.
            get_adapter(request).add_message(request, messages.ERROR,
                                             "account/messages/unverified_primary_email.txt")
        elif address is not None and request.user.mailbox_held_by_another(address.email):
            messages.error(request, MAILBOX_HELD_BY_ANOTHER)
        else:
            return super()._action_primary(request, *args, **kwargs)
        return None
