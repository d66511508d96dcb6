"""The public side of the vote: the finalists' cards and a page per finalist.

Finalists are a status of the application, read through ``Application.objects.finalists``;
only a profile staff approved shows its photo and text. A signed-in, verified person votes
from a finalist's page; anyone checks a receipt.
"""

import functools
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.functions import Now
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from applications.models import Application
from ozgeris import memo
from ozgeris.clients import client_ip, over_limit
from ozgeris.models import Nomination, Programme, Region
from ozgeris.permissions import can_vote

from . import checkpoints, services
from .models import AgeBracket
from .visitors import visitor_id

# The finalists' cards are the same for every anonymous visitor: rendered once per language,
# nomination filter and window state, and kept this long.
FINALISTS_CACHE_SECONDS = 30
BALLOT_PROGRAMME_KEY = "voting:ballot-programme"
ANONYMOUS_PAGE_SECONDS = 10


def _programme():
    """The current programme, with the database's clock read in the same query (``db_now``),
    so the page shows the window exactly as the vote enforces it."""
    return Programme.objects.annotate(db_now=Now()).current_or_404()


def _window(programme):
    now = programme.db_now
    if now < programme.voting_opens_at:
        return "before", int((programme.voting_opens_at - now).total_seconds())
    if now < programme.voting_closes_at:
        return "open", int((programme.voting_closes_at - now).total_seconds())
    return "after", 0


def finalists(request):
    """The finalists' cards. For a visitor who is not signed in the whole page is the same for
    everyone (per language and filter), so each process keeps it in memory for a few
    seconds: most of the vote's visitors are here, and the page then costs no round trip
    (voting.middleware.AnonymousFinalistsPage answers from that memory before the view)."""
    if request.user.is_authenticated:
        return _finalists_page(request)
    html = kept_finalists_page(request)
    if html is not None and not messages.get_messages(request):  # a message is shown here
        return HttpResponse(html)
    response = _finalists_page(request)
    chosen = request.GET.get("nomination", "")
    # Never keep a page that carries a CSRF token (it would be someone else's), a message,
    # or links back to a query of its own (the language links carry the page's address).
    if (not request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not messages.get_messages(request)
            and set(request.GET) <= {"nomination"} and chosen in ("", *_nomination_codes())):
        memo.keep(_finalists_page_key(request), response.content, ANONYMOUS_PAGE_SECONDS)
    return response


def kept_finalists_page(request):
    """The finalists page this process keeps for visitors who are not signed in, in the
    request's language and filter, or None."""
    return memo.recall(_finalists_page_key(request))


def _finalists_page_key(request):
    # An unknown filter shows every finalist: it shares that page's entry, so random values
    # cannot fill the memory.
    chosen = request.GET.get("nomination", "")
    return (f"voting:finalists-page:{request.LANGUAGE_CODE}:"
            f"{chosen if chosen in _nomination_codes() else ''}")


def _nomination_codes():
    def read():
        programme = Programme.objects.current()
        return set(programme.nominations.filter(kind=Nomination.Kind.NGO).values_list(
            "code", flat=True)) if programme else set()

    return memo.remember("voting:nomination-codes", ANONYMOUS_PAGE_SECONDS, read)


def _finalists_page(request):
    programme = _programme()
    nominations = list(programme.nominations.filter(kind=Nomination.Kind.NGO))
    chosen = request.GET.get("nomination", "")
    queryset = Application.objects.finalists(programme).order_by("nomination__order",
                                                                 "organisation__name")
    if chosen and any(n.code == chosen for n in nominations):
        queryset = queryset.filter(nomination__code=chosen)
    else:
        chosen = ""
    window, seconds = _window(programme)
    return render(request, "voting/finalists.html", {
        "programme": programme, "finalists": queryset, "nominations": nominations,
        "chosen": chosen, "window": window, "seconds": seconds,
        "cache_seconds": FINALISTS_CACHE_SECONDS,
        "released": bool(services.settings_for(programme).results_released_at),
    })


def finalist(request, pk):
    programme = _programme()
    application = get_object_or_404(Application.objects.finalists(programme), pk=pk)
    window, seconds = _window(programme)
    receipt_code = services.existing_receipt(request.user, programme,
                                             services.ballot_scope(application))
    return render(request, "voting/finalist.html", {
        "programme": programme, "application": application, "window": window,
        "seconds": seconds, "form": VoteForm(), "receipt_code": receipt_code,
        "may_vote": can_vote(request.user),
    })


class VoteForm(forms.Form):
    age_bracket = forms.ChoiceField(label=gettext_lazy("Your age (optional)"), required=False,
                                    choices=[("", "—"), *AgeBracket.choices])
    region = forms.ModelChoiceField(label=gettext_lazy("Your region (optional)"), required=False,
                                    queryset=Region.objects.all())
    # A field people never see: a bot that fills in every field gives itself away.
    website = forms.CharField(required=False, widget=forms.TextInput(
        attrs={"tabindex": "-1", "autocomplete": "off"}))

    @classmethod
    def answers(cls, data):
        """The optional answers of a posted vote, cleaned by the form's own fields, or None
        when one is not valid. A vote does not build the form: building one deep-copies its
        fields, a tenth of a millisecond of every vote (``python -m bench.vote_profile``),
        while ``Field.clean`` keeps no state."""
        try:
            return {name: cls.base_fields[name].clean(data.get(name, ""))
                    for name in ("age_bracket", "region")}
        except forms.ValidationError:
            return None


def _ballot_programme():
    """The current programme for casting a vote, kept for a few seconds in the process's
    memory (votes come in bursts; the window itself is checked by the database's clock in
    the service)."""
    return memo.remember(BALLOT_PROGRAMME_KEY, services.BALLOT_CACHE_SECONDS,
                         Programme.objects.current_or_404)


@login_required
@require_POST
def vote(request, pk):
    if over_limit(("vote-account", request.user.pk, settings.VOTE_RATE_PER_ACCOUNT),
                  ("vote-ip", client_ip(request), settings.VOTE_RATE_PER_IP)):
        return render(request, "voting/too_many.html", status=429)
    programme = _ballot_programme()
    # The finalist as the vote needs it (its id, programme and nomination), without reading it.
    finalist = services.ballot_facts(programme.pk)["finalists"].get(pk)
    if finalist is None:
        raise Http404
    if request.POST.get("website", "").strip():  # the honeypot: no hint of why
        messages.error(request, _("The vote could not be recorded. Please try again."))
        return redirect("voting:finalist", pk=pk)
    answers = VoteForm.answers(request.POST)
    if answers is None:
        messages.error(request, _("Please choose your age and region from the lists, or leave "
                                  "them empty."))
        return redirect("voting:finalist", pk=pk)
    try:
        ballot = services.cast_vote(voter=request.user, finalist=finalist,
                                    age_bracket=answers["age_bracket"],
                                    region=answers["region"],
                                    client_ip=client_ip(request),
                                    visitor_id=visitor_id(request))
    except services.VotingError as error:
        messages.error(request, str(error))
        return redirect("voting:finalist", pk=pk)
    receipt_path = fixed_path("voting:receipt")
    if ballot.already_voted and not ballot.receipt:
        # Sealed and mailed: the portal keeps only the receipt's hash.
        messages.info(request, _("You have already voted. Your receipt was sent to your email "
                                 "address."))
        return redirect("voting:finalist", pk=pk)
    if ballot.already_voted:
        messages.info(request, _("You have already voted. Your receipt: %(receipt)s")
                      % {"receipt": ballot.receipt})
        return HttpResponseRedirect(f"{receipt_path}?{urlencode({'code': ballot.receipt})}")
    # The thanks come with the receipt's own page ("cast"): no message to sign into a cookie.
    return HttpResponseRedirect(
        f"{receipt_path}?{urlencode({'code': ballot.receipt, 'cast': 1})}")


def fixed_path(name):
    """``reverse(name)`` of a URL without arguments, reversed once per script prefix: the
    vote and the kept finalists page would otherwise spend a fiftieth of a millisecond on it
    every time."""
    return _reversed(name, get_script_prefix())


@functools.lru_cache(maxsize=16)
def _reversed(name, script_prefix):
    return reverse(name)  # ``reverse`` reads the same prefix


@never_cache
def receipt(request):
    """Anyone may check a receipt: counted, its position and leaf — never the choice. Right
    after a vote ("cast") the page also thanks the voter. The page names a receipt in its
    address, so no cache keeps it; checks are limited per address, so it is no oracle for
    guessing codes."""
    code = request.GET.get("code", "")
    if code and over_limit(("receipt-ip", client_ip(request),
                            settings.VOTE_RECEIPT_RATE_PER_IP)):
        return render(request, "voting/too_many.html", {"receipts": True}, status=429)
    status = services.check_receipt(code) if code else None
    return render(request, "voting/receipt.html", {
        "code": code, "status": status,
        "just_cast": bool(status and status.found and request.GET.get("cast") == "1"),
        "programme": Programme.objects.current()})


CHECKPOINTS_PAGE_SIZE = 50


def checkpoints_page(request, year):
    """The signed checkpoints of a programme's ledger, newest first, with the portal's public
    key and the text each signature covers."""
    programme = Programme.objects.published_or_404(year)
    signed = programme.checkpoints.order_by("-signed_at", "-pk")
    return render(request, "voting/checkpoints.html", {
        "title": _("Signed checkpoints of the ledger"), "programme": programme,
        "key": checkpoints.configured_key(),
        "page": Paginator(signed, CHECKPOINTS_PAGE_SIZE).get_page(request.GET.get("page")),
        "statement_lines": checkpoints.TEMPLATE.splitlines()})


def checkpoints_feed(request, year):
    """The same as JSON, every checkpoint at once: the copy an observer keeps."""
    programme = Programme.objects.published_or_404(year)
    return JsonResponse(checkpoints.feed(programme), json_dumps_params={"indent": 1})
