"""The jurors' panel at /jury/: an admin site of its own, open to jurors and staff only.

A juror lands on a dashboard (progress, conflicts to decide, the next application to score)
above the eligible applications of the current programme (never one of their own
organisation), scores them blind in a matrix (criteria as rows, the scale as large radio
targets, "save and next" without the list), declares conflicts; staff and the
chair also see everyone's progress, the results and apply the cut. Every action calls
``jury.services``; the blind rule binds anyone with a seat on the jury, staff included.
"""

from functools import wraps

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.downloads import document_response
from applications.models import Application, Status
from ozgeris.models import Programme
from ozgeris.permissions import is_juror, is_programme_staff
from ozgeris.safe_next import safe_next_url

from . import services
from .forms import ConflictForm, CutForm, ScoreForm
from .models import Conflict, Criterion, JuryMember, Score, ScoreSheet
from .permissions import applications_for_juror, conflicted_in, own_conflicts_to_decide, progress_of
from .results import results, results_applied


class JuryPanelSite(admin.AdminSite):
    site_header = gettext_lazy("Ozgeris Ustasy — jury")
    site_title = gettext_lazy("Jury")
    index_title = gettext_lazy("Your applications")
    index_template = "jury/panel/index.html"

    def has_permission(self, request):
        user = request.user
        return user.is_active and (is_juror(user) or is_programme_staff(user))

    def admin_view(self, view, cacheable=False):
        """A signed-in person without a seat gets 403 at once, not a sign-in page."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        """Jurors sign in like everyone else; a signed-in person without a seat is refused,
        one with a seat goes on to the panel."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(safe_next_url(request, request.GET.get("next"))
                                            or reverse("jury_panel:index"))
            raise PermissionDenied
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")

    def get_urls(self):
        view = self.admin_view
        return [
            path("applications/<int:pk>/", view(self.score_view), name="score"),
            path("applications/<int:pk>/conflict/", view(self.conflict_view), name="conflict"),
            path("applications/<int:pk>/documents/<int:document_pk>/",
                 view(self.document_view), name="document"),
            path("conflicts/", view(self.conflicts_view), name="conflicts"),
            path("results/", view(self.results_view), name="results"),
            path("progress/", view(self.progress_view), name="progress"),
            path("supporting/", view(self.supporting_view), name="supporting"),
        ] + super().get_urls()

    # Context ----------------------------------------------------------------------------

    def _render(self, request, template, context):
        return TemplateResponse(request, template, {**self.each_context(request), **context})

    def index(self, request, extra_context=None):
        programme = Programme.objects.current_or_404()
        member = services.member_of(request.user, programme)
        context = {"programme": programme, "member": member,
                   "is_staff": is_programme_staff(request.user),
                   "may_decide": services.may_decide(request.user, programme),
                   "scoring_open": services.scoring_open(programme)}
        if member:
            # The juror's dashboard: a constant number of queries however many applications
            # (tests/test_jury_matrix.py counts them at two sizes).
            listed = list(applications_for_juror(member))
            context["applications"] = listed
            context["done"], context["total"] = progress_of(member)
            context["to_score"] = context["total"] - context["done"]
            context["next_unscored"] = _next_to_score(listed)
            context["pending_conflicts"] = list(
                own_conflicts_to_decide(member).select_related("application__organisation")
                .order_by("pk"))
        return self._render(request, self.index_template, context)

    # Scoring ----------------------------------------------------------------------------

    def score_view(self, request, pk):
        programme = Programme.objects.current_or_404()
        member = services.member_of(request.user, programme)
        if member is None:
            raise Http404
        # A juror in conflict abstains: the application stays closed to them.
        application = get_object_or_404(applications_for_juror(member).filter(
            in_conflict=False), pk=pk)
        criteria = list(Criterion.objects.filter(programme=programme))
        sheet = (ScoreSheet.objects.filter(juror=member, application=application)
                 .prefetch_related("scores").first())
        locked = (application.status != Status.ELIGIBLE
                  or (sheet and sheet.state == ScoreSheet.State.SUBMITTED)
                  or not services.scoring_open(programme))
        form = ScoreForm(request.POST or None, criteria=criteria, sheet=sheet, disabled=locked)
        if request.method == "POST" and locked:
            messages.error(request, _("Scores on this application can no longer be changed."))
            return redirect("jury_panel:score", pk=pk)
        if request.method == "POST" and form.is_valid():
            submit = "submit" in request.POST
            try:
                services.save_sheet(juror=member, application=application,
                                    values=form.values(), submit=submit, by=request.user,
                                    overall_comment=form.cleaned_data["overall_comment"])
            except services.JuryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your scores were submitted.") if submit
                                 else _("Your draft was saved."))
                # Submitting, or "save and next", goes on to the next application to score
                # without the list; a plain save stays on the sheet.
                following = _next_to_score(applications_for_juror(member), after=pk)
                if following and (submit or "save_next" in request.POST):
                    return redirect("jury_panel:score", pk=following.pk)
                return redirect("jury_panel:score", pk=pk)
        others = []
        if services.may_see_other_scores(member, application):
            others = (ScoreSheet.objects.filter(application=application,
                                                state=ScoreSheet.State.SUBMITTED)
                      .exclude(juror=member).select_related("juror__user")
                      .prefetch_related(Prefetch("scores", Score.objects.order_by(
                          "criterion__order"))))
        done, total = progress_of(member)
        return self._render(request, "jury/panel/score.html", {
            "title": application.project_title or str(application.organisation),
            "application": application, "form": form, "sheet": sheet, "locked": locked,
            "criteria": criteria, "others": others, "conflict_form": ConflictForm(),
            "documents": application.documents.all(), "done": done, "total": total,
            "next_unscored": _next_to_score(applications_for_juror(member), after=pk),
        })

    def conflict_view(self, request, pk):
        programme = Programme.objects.current_or_404()
        member = services.member_of(request.user, programme)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if member is None:
            raise Http404
        application = get_object_or_404(applications_for_juror(member), pk=pk)
        form = ConflictForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why you have a conflict of interest."))
            return redirect("jury_panel:score", pk=pk)
        try:
            conflict = services.declare_conflict(juror=member, application=application,
                                                 reason=form.cleaned_data["reason"],
                                                 by=request.user)
        except services.JuryError as error:
            messages.error(request, str(error))
            return redirect("jury_panel:index")
        if conflict.state == Conflict.State.PENDING:
            messages.warning(request, _(
                "Your conflict of interest was recorded. You had already submitted your scores "
                "on this application, so programme staff will decide whether it stands; until "
                "they do, you abstain on it and your scores are set aside."))
        else:
            messages.success(request, _("Your conflict of interest was recorded; you abstain "
                                        "on this application."))
        return redirect("jury_panel:index")

    def document_view(self, request, pk, document_pk):
        """An application's document, for a juror who scores it (never in conflict, never
        another programme's), and for staff."""
        programme = Programme.objects.current_or_404()
        member = services.member_of(request.user, programme)
        if member is not None:
            applications = applications_for_juror(member).filter(in_conflict=False)
        elif is_programme_staff(request.user):
            applications = Application.objects.filter(programme=programme)
        else:
            raise Http404
        application = get_object_or_404(applications, pk=pk)
        return document_response(get_object_or_404(application.documents, pk=document_pk))

    def conflicts_view(self, request):
        """Possible conflicts to confirm or dismiss: a juror's own, or all of them for staff."""
        programme = Programme.objects.current_or_404()
        member = services.member_of(request.user, programme)
        staff = is_programme_staff(request.user)
        conflicts = Conflict.objects.filter(juror__programme=programme).select_related(
            "juror__user", "application__organisation")
        if not staff:
            if member is None:
                raise Http404
            conflicts = conflicts.filter(juror=member)
        if request.method == "POST":
            conflict = get_object_or_404(conflicts, pk=_number(request.POST.get("conflict")))
            try:
                services.resolve_conflict(conflict=conflict, confirm="confirm" in request.POST,
                                          reason=request.POST.get("reason", ""),
                                          by=request.user)
            except services.JuryError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Recorded."))
            return redirect("jury_panel:conflicts")
        return self._render(request, "jury/panel/conflicts.html", {
            "title": _("Conflicts of interest"), "conflicts": conflicts.order_by("state", "pk"),
            "staff": staff,
            # The viewer's own conflicts they decide themselves; staff decide the others'.
            "own_to_decide": set(own_conflicts_to_decide(member).values_list("pk", flat=True))
            if member else set()})

    # Staff and the chair ---------------------------------------------------------------

    def results_view(self, request):
        """The jury's table and its decisions. Each button posts one command, which
        calls one ``jury.services`` function and comes back here with what it did."""
        programme = Programme.objects.current_or_404()
        if not services.may_decide(request.user, programme):
            raise PermissionDenied
        member = services.member_of(request.user, programme)
        done, total = progress_of(member) if member else (0, 0)
        if done < total:
            # Blind scoring binds the chair too: the table waits for their own sheets.
            messages.info(request, _("Submit your own scores first; the results table shows "
                                     "everyone's scores."))
            return redirect("jury_panel:index")
        form = CutForm(request.POST or request.GET or None)
        proposal, signature = None, ""
        command = next((name for name in RESULTS_COMMANDS if name in request.POST), None)
        if command is not None:
            try:
                messages.success(request, RESULTS_COMMANDS[command](request, programme))
            except services.JuryError as error:
                messages.error(request, str(error))
            return redirect("jury_panel:results")
        if form.is_bound and form.is_valid():
            rule = {key: form.cleaned_data[key] for key in ("top_n", "threshold")}
            if "apply" in request.POST:
                try:
                    finalists, rest = services.apply_cut(
                        programme=programme, by=request.user,
                        expected=request.POST.get("signature", ""), **rule)
                except services.JuryError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _("%(finalists)s finalists, %(rest)s not "
                                                "selected.")
                                     % {"finalists": finalists, "rest": rest})
                return redirect("jury_panel:results")
            try:
                proposed = services.propose_cut(programme=programme, **rule)
            except services.JuryError as error:
                messages.error(request, str(error))
            else:
                proposal = {result.application.pk: finalist for result, finalist in proposed}
                signature = services.proposal_signature(proposed)
        masked = conflicted_in(request.user, programme)
        return self._render(request, "jury/panel/results.html", {
            "title": _("Results — %(programme)s") % {"programme": programme.title},
            "programme": programme, "results": _masked_last(results(programme), masked),
            "criteria": list(Criterion.objects.filter(programme=programme)), "form": form,
            "proposal": proposal, "signature": signature,
            "settings": services.settings_for(programme),
            # The rows the viewer stands aside on (their own organisation's, their excluding
            # conflicts, before conflicts are detected too): no scores, rank, proposal or
            # decision on them. One query, with or without a seat.
            "masked": masked,
            "screened": Application.objects.filter(programme=programme,
                                                   status=Status.SCREENED).count(),
            "failed": Application.objects.filter(programme=programme,
                                                 status=Status.FAILED_80_20)
            .select_related("organisation", "eligibility").order_by("organisation__name"),
            # The 80/20 rule, the cut, the overrides and the tie breaks are taken until the
            # finalists are chosen.
            "cut_pending": not results_applied(programme),
            "awaiting_staff": services.conflicts_awaiting_staff(programme).count(),
        })

    def progress_view(self, request):
        programme = Programme.objects.current_or_404()
        if not is_programme_staff(request.user):
            raise PermissionDenied
        members = JuryMember.objects.filter(programme=programme).select_related("user")
        rows = [(member, *progress_of(member)) for member in members]
        return self._render(request, "jury/panel/progress.html", {
            "title": _("Jurors' progress"), "rows": rows})

    def supporting_view(self, request):
        from .supporting_views import supporting_page

        return supporting_page(request, self)


def _decide_eligibility(request, programme):
    eligible, failed = services.decide_eligibility(programme=programme, by=request.user)
    return (_("Eligibility decided: %(eligible)s eligible, %(failed)s did not meet the 80/20 "
              "rule.") % {"eligible": eligible, "failed": failed})


def _reverse_eligibility(request, programme):
    application = get_object_or_404(Application, programme=programme,
                                    pk=_number(request.POST.get("application")))
    services.reverse_eligibility(application=application, by=request.user,
                                 reason=request.POST.get("reason", ""))
    return _("The eligibility was overridden.")


def _record_tie_break(request, programme):
    application = get_object_or_404(Application, programme=programme,
                                     pk=_number(request.POST.get("application")))
    services.record_tie_break(application=application, by=request.user,
                              priority=_number(request.POST.get("priority")),
                              reason=request.POST.get("reason", ""))
    return _("The chair's decision was recorded.")


def _detect_conflicts(request, programme):
    added = services.detect_conflicts(programme=programme, by=request.user)
    return _("%(count)s possible conflicts flagged.") % {"count": added}


# The results page's buttons (the name each posts) and what each does; applying the cut
# needs the rule's form and is handled beside its preview.
RESULTS_COMMANDS = {
    "eligibility": _decide_eligibility,
    "override": _reverse_eligibility,
    "tie_break": _record_tie_break,
    "detect": _detect_conflicts,
}


def _masked_last(ranked, masked):
    """The rows the viewer stands aside on go after the others, in the order of their
    nomination and name: left in ranked order, a masked row between ranks 1 and 3 would say
    that it is 2."""
    shown = [result for result in ranked if result.application.pk not in masked]
    hidden = sorted((result for result in ranked if result.application.pk in masked),
                    key=lambda result: (result.application.nomination.order,
                                        result.application.organisation.name))
    return shown + hidden


def _number(value):
    """A positive whole number from a form value, or None (never a 500 on bad input)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _next_to_score(applications, after=None):
    """The application to score next: the first one after ``after`` (an id) in the juror's
    list order, wrapping round to the top, that is eligible, not in conflict and not
    submitted; None when none is left but ``after`` itself.

    ``applications`` are the rows of ``applications_for_juror`` (one query, or none when the
    page has them already), so the order is the one the juror's list shows."""
    rows = list(applications)
    position = next((index for index, row in enumerate(rows) if row.pk == after), -1)
    return next((row for row in rows[position + 1:] + rows[:max(position, 0)]
                 if row.status == Status.ELIGIBLE and not row.in_conflict
                 and not row.submitted), None)


jury_panel = JuryPanelSite(name="jury_panel")
