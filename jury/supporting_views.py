"""The jurors' panel page for the supporting-organisation nominations.

A juror sees each nomination's nominees, their own vote and a form to vote or abstain; after
the vote is closed, the outcome. Programme staff who do not sit on the jury see the page read
only, with every juror's vote. Staff and the chair can close a nomination's vote here.
The panel (an AdminSite) routes to ``supporting_page`` through ``admin_site.admin_view``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ozgeris.models import Programme
from ozgeris.permissions import is_programme_staff

from . import supporting
from .models import JuryMember, Nominee, NomineeVote
from .services import JuryError, may_decide, member_of

ABSTAIN = "abstain"


def _number(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _handle_post(request, programme, juror):
    nominations = {n.pk: n for n in supporting.supporting_nominations(programme)}
    nomination = nominations.get(_number(request.POST.get("nomination")))
    if nomination is None:
        raise Http404(_("No such nomination."))
    if request.POST.get("action") == "close":
        supporting.close_nomination_vote(nomination=nomination, by=request.user)
        return _("The vote in “%(nomination)s” is closed.") % {"nomination": nomination}
    if juror is None:
        raise PermissionDenied
    choice = request.POST.get("choice", "")
    nominee = None
    if choice != ABSTAIN:
        nominee = Nominee.objects.filter(pk=_number(choice)).first()
        if nominee is None:
            raise JuryError(_("Choose a nominee or abstain."))
    supporting.cast_nominee_vote(juror=juror, nomination=nomination, nominee=nominee,
                                 abstention_reason=request.POST.get("reason", ""),
                                 by=request.user)
    return _("Your vote in “%(nomination)s” is recorded.") % {"nomination": nomination}


def supporting_page(request, admin_site):
    programme = Programme.objects.current_or_404()
    request.current_app = admin_site.name
    juror = member_of(request.user, programme)
    staff = is_programme_staff(request.user)
    if juror is None and not staff:
        raise PermissionDenied

    if request.method == "POST":
        try:
            messages.success(request, _handle_post(request, programme, juror))
        except JuryError as error:
            messages.error(request, str(error))
        return redirect(request.get_full_path())

    outcomes = supporting.laureates(programme)
    mine = {}
    if juror is not None:
        mine = {vote.nomination_id: vote for vote in NomineeVote.objects.filter(juror=juror)}
    members, everyone = [], {}
    show_all = staff and juror is None
    if show_all:
        members = list(JuryMember.objects.filter(programme=programme).select_related("user"))
        everyone = {(vote.nomination_id, vote.juror_id): vote for vote in
                    NomineeVote.objects.filter(nomination__programme=programme)
                    .select_related("nominee")}
    rows = [{
        "outcome": outcome,
        "nomination": outcome.nomination,
        "my_vote": mine.get(outcome.nomination.pk),
        "juror_votes": [(member, everyone.get((outcome.nomination.pk, member.pk)))
                        for member in members],
    } for outcome in outcomes]
    return render(request, "jury/panel/supporting.html", {
        **admin_site.each_context(request),
        "title": _("Supporting-organisation nominations"),
        "programme": programme,
        "juror": juror,
        "read_only": juror is None,
        "show_all": show_all,
        "may_close": may_decide(request.user, programme),
        "rows": rows,
        "abstain": ABSTAIN,
    })
