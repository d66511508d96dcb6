"""The staff's page of the vote: turnout and visitor statistics with charts, the review queue's
state, publishing the head digest, releasing the results and declaring the winners. Every
action goes through a service; the page only shows and asks."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications.models import Application, Status
from ozgeris.charts import bar_chart
from ozgeris.models import Programme
from ozgeris.permissions import staff_required

from . import results as outcome
from .services import VotingError, settings_for, voting_closed
from .statistics import statistics


class WinnersForm(forms.Form):
    winners = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Winners"), queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["winners"]
        field.queryset = Application.objects.finalists(programme).order_by(
            "nomination__order", "organisation__name")
        field.label_from_instance = lambda a: f"{a.nomination.title} — {a.organisation.name}"


def _chart(items, **options):
    """A chart drawn for a phone's width (``bar_chart``'s default), so its labels stay
    legible at 390 px; the page's chart box caps how wide it grows on a desktop."""
    return bar_chart(items, **options)


def _charts(stats, result):
    return {
        "votes": _chart([(row.application.organisation.name, row.votes)
                            for row in result.rows], title=_("Votes per finalist"),
                           chart_id="chart-votes"),
        "daily": _chart([(f"{day:%d.%m}", visitors) for day, visitors, _votes in stats.daily],
                           title=_("Unique visitors per day"), chart_id="chart-daily",
                           max_label_lines=1),
        "sources": _chart([(source.label, count) for source, count in stats.sources],
                             title=_("Traffic sources"), chart_id="chart-sources"),
        "ages": _chart(stats.ages, title=_("Voters by age"), chart_id="chart-ages"),
        "regions": _chart(sorted(stats.regions, key=lambda item: -item[1]),
                             title=_("Voters by region"), chart_id="chart-regions"),
    }


@staff_required
def dashboard(request, year):
    programme = get_object_or_404(Programme, year=year)
    stats = statistics(programme)
    chart_moment = outcome.staff_chart_moment(programme)
    result = outcome.results(programme, fresh=True, cast_before=chart_moment)
    top = request.GET.get("top", "")
    per_nomination = min(int(top), 50) if top.isdigit() and int(top) > 0 else 3
    suggested = [a.pk for a in outcome.top_per_nomination(programme, per_nomination)]
    form = WinnersForm(programme=programme, initial={"winners": [
        row.application.pk for row in result.rows
        if row.application.status == Status.WINNER] or suggested})
    return render(request, "voting/dashboard.html", {
        "programme": programme, "stats": stats, "results": result,
        "vote_settings": settings_for(programme), "closed": voting_closed(programme),
        "charts": _charts(stats, result), "form": form, "top": per_nomination,
        "chart_moment": chart_moment, "chart_minutes": settings.VOTE_STAFF_CHART_MINUTES,
        "withdraw_form": WithdrawForm(),
    })


def _act(request, year, action):
    programme = get_object_or_404(Programme, year=year)
    try:
        message = action(programme)
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return redirect("voting:dashboard", year=year)


@staff_required
@require_POST
def publish_head(request, year):
    def act(programme):
        outcome.publish_head(programme)
        return _("The head digest is published.")
    return _act(request, year, act)


@staff_required
@require_POST
def release(request, year):
    def act(programme):
        outcome.release_results(programme=programme, by=request.user)
        return _("The results are released.")
    return _act(request, year, act)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the release is withdrawn (shown on the "
                                                "public results page)"),
                             widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


@staff_required
@require_POST
def withdraw_release(request, year):
    def act(programme):
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            raise VotingError(_("Give the reason for withdrawing the release."))
        outcome.withdraw_release(programme=programme, by=request.user,
                                 reason=form.cleaned_data["reason"])
        return _("The release is withdrawn. Review decisions may change the totals now; "
                 "release the results again when they are final.")
    return _act(request, year, act)


@staff_required
@require_POST
def declare(request, year):
    def act(programme):
        form = WinnersForm(request.POST, programme=programme)
        if not form.is_valid():
            raise VotingError(_("Choose the winners among the finalists."))
        declared = outcome.declare_winners(programme=programme, by=request.user,
                                           winners=form.cleaned_data["winners"])
        return _("Winners declared: %(count)s.") % {"count": len(declared)}
    return _act(request, year, act)
