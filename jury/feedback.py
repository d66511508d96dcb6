"""The applicant's feedback page: the jury's outcome and, where the programme enables it,
the mean score per criterion and the jurors' comments, without their names."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from applications.models import Status
from applications.permissions import own_applications

from . import services
from .models import Criterion
from .results import counted_scores, counted_sheets, results


@login_required
def feedback(request, pk):
    application = get_object_or_404(own_applications(request.user).select_related(
        "programme", "nomination", "organisation"), pk=pk)
    if not application.is_decided:
        raise Http404
    settings = services.settings_for(application.programme)
    context = {"application": application, "show_scores": settings.feedback_shows_scores,
               "eligibility": getattr(application, "eligibility", None)}
    if settings.feedback_shows_scores and application.status != Status.FAILED_80_20:
        result = next((r for r in results(application.programme)
                       if r.application.pk == application.pk), None)
        criteria = list(Criterion.objects.filter(programme=application.programme))
        context["means"] = [(c, result.means.get(c.pk) if result else None) for c in criteria]
        context["comments"] = [
            (score.criterion, score.comment)
            for score in counted_scores(application.programme)
            .filter(sheet__application=application).exclude(comment="")
            .select_related("criterion").order_by("criterion__order", "pk")
        ]
        context["overall_comments"] = list(
            counted_sheets(application.programme).filter(application=application)
            .exclude(overall_comment="").order_by("pk").values_list("overall_comment",
                                                                   flat=True))
    return render(request, "jury/feedback.html", context)
