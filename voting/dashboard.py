"""The public vote's figures on the staff dashboard (ozgeris.dashboard): the flagged votes
waiting for a decision in the fraud review queue, and the votes cast. Two queries."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import registries

from .models import ReviewStatus, Vote, VoteReview


def figures(programme):
    query = urlencode({"vote__programme__id__exact": programme.pk,
                       "status__exact": ReviewStatus.UNDER_REVIEW})
    under_review = VoteReview.objects.filter(vote__programme=programme,
                                             status=ReviewStatus.UNDER_REVIEW).count()
    return [
        registries.DashboardFigure(_("Flagged votes to review"), under_review,
                                 f"{reverse('admin:voting_votereview_changelist')}?{query}",
                                 waiting=True),
        registries.DashboardFigure(_("Votes cast"),
                                   Vote.objects.filter(programme=programme).count(),
                                   reverse("voting:dashboard", args=[programme.year])),
    ]


def register():
    registries.register_dashboard_source("voting", title=gettext_lazy("Public vote"), order=30,
                                       figures=figures)
