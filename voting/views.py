"""The public side of the vote: the finalists' cards and a page per finalist.

Finalists are a status of the application, read through ``Application.objects.finalists``;
only a profile staff approved shows its photo and text. Casting votes is the next part of
the voting issue; until then the pages say when the vote runs.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from applications.models import Application
from ozgeris.models import Nomination, Programme


def _programme():
    programme = Programme.objects.current()
    if programme is None:
        raise Http404
    return programme


def _window(programme):
    now = timezone.now()
    if now < programme.voting_opens_at:
        return "before", int((programme.voting_opens_at - now).total_seconds())
    if now < programme.voting_closes_at:
        return "open", int((programme.voting_closes_at - now).total_seconds())
    return "after", 0


def finalists(request):
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
    })


def finalist(request, pk):
    programme = _programme()
    application = get_object_or_404(Application.objects.finalists(programme), pk=pk)
    window, seconds = _window(programme)
    return render(request, "voting/finalist.html", {
        "programme": programme, "application": application, "window": window,
        "seconds": seconds,
        "share_url": request.build_absolute_uri(),
        "image_url": request.build_absolute_uri(application.public_photo.url)
        if application.profile_approved_at and application.public_photo else "",
    })
