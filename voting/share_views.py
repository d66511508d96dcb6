"""A finalist's share card (``voting.share_cards``): the picture of a shared finalist page."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from applications.models import Application
from ozgeris.languages import asked_language, cache_for
from ozgeris.models import Programme

from .share_cards import card_png


@require_GET
def finalist_card(request, pk):
    """The card of a finalist of the current edition, as the finalist's page finds one; a 404
    for anyone else (a withdrawn, rejected or past application). ``?lang=`` picks the card's
    language, since the networks fetching it carry no language of their own; without it the
    card is in the reader's language, and theirs alone to keep."""
    programme = Programme.objects.current_or_404()
    application = get_object_or_404(
        Application.objects.finalists(programme).select_related("programme"), pk=pk)
    language = asked_language(request)
    response = HttpResponse(card_png(application, language.code), content_type="image/png")
    response["Content-Language"] = language.code
    response["X-Content-Type-Options"] = "nosniff"
    # The page links the card with its text's key in the address (``v``), so a changed card
    # has a new address and a day's caching never shows the old one.
    return cache_for(response, language, max_age=86400)
