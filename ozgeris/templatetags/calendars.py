"""``{% calendar_links programme %}``: the addresses of ``programme``'s calendar feeds
(ozgeris.calendars) for the page's visitor: the public feed in the page's language and, for a
signed-in person, their personal feed with the button that revokes its address."""

from django import template
from django.utils import translation

from ozgeris.calendars import personal_token
from ozgeris.links import portal_link

register = template.Library()


def _subscribe(address):
    """The ``webcal://`` form of an address, which calendar apps open as a subscription."""
    return "webcal://" + address.split("://", 1)[1]


@register.inclusion_tag("includes/calendar_links.html", takes_context=True)
def calendar_links(context, programme, personal=False):
    """The addresses on the portal (``PORTAL_URL``), never on the host the request named."""
    request = context["request"]
    public = portal_link("calendar_public", args=[programme.year],
                         query={"lang": translation.get_language()})
    links = {"programme": programme, "public": public, "public_subscribe": _subscribe(public)}
    user = request.user
    if personal and user.is_authenticated:
        own = portal_link("calendar_personal", args=[programme.year, personal_token(user)])
        links.update(personal=own, personal_subscribe=_subscribe(own),
                     back=request.get_full_path())
    return links
