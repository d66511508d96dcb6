"""``{% calendar_links programme %}``: the addresses of ``programme``'s calendar feeds
(ozgeris.calendars) for the page's visitor: the public feed in the page's language and, for a
signed-in person, their personal feed."""

from django import template
from django.urls import reverse
from django.utils import translation

from ozgeris.calendars import personal_token

register = template.Library()


def _subscribe(address):
    """The ``webcal://`` form of an address, which calendar apps open as a subscription."""
    return "webcal://" + address.split("://", 1)[1]


@register.inclusion_tag("includes/calendar_links.html", takes_context=True)
def calendar_links(context, programme, personal=False):
    request = context["request"]
    public = request.build_absolute_uri(
        reverse("calendar_public", args=[programme.year])
        + f"?lang={translation.get_language()}")
    links = {"programme": programme, "public": public, "public_subscribe": _subscribe(public)}
    user = request.user
    if personal and user.is_authenticated:
        own = request.build_absolute_uri(
            reverse("calendar_personal", args=[programme.year, personal_token(user)]))
        links.update(personal=own, personal_subscribe=_subscribe(own))
    return links
