"""A finalist's share card (``voting.share_cards``): the picture of a shared finalist page."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.views.decorators.http import require_GET

from applications.models import Application
from ozgeris.models import Programme

from .share_cards import card_png


@require_GET
def finalist_card(request, pk):
    """The card of a finalist of the current edition, as the finalist's page finds one; a 404
    for anyone else (a withdrawn, rejected or past application). ``?lang=`` picks the card's
    language, since the networks fetching it carry no language of their own."""
    programme = Programme.objects.current_or_404()
    application = get_object_or_404(
        Application.objects.finalists(programme).select_related("programme"), pk=pk)
    asked = request.GET.get("lang", "")
    language = asked if asked in dict(settings.LANGUAGES) else translation.get_language()
    response = HttpResponse(card_png(application, language), content_type="image/png")
    # The page links the card with its text's key in the address (``v``), so a changed card
    # has a new address and a day's caching never shows the old one.
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
