"""A finalist page's share preview and share links.

``{% share_meta application programme %}`` writes the Open Graph and Twitter tags: the
approved photo, or the card drawn by ``voting.share_cards``, always as an absolute address on
the portal (``PORTAL_URL``): a request's Host header, which a client may forge, never reaches
a shared link.
``{% share_links application programme %}`` writes plain links to share the page on the
networks people use in Kazakhstan: no script of theirs is loaded and nothing is sent to them
before someone follows a link.
"""

from django import template
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ozgeris.links import portal_address, portal_link
from voting.results import announced_winner
from voting.share_cards import HEIGHT, WIDTH, card_key, card_text

register = template.Library()

OG_LOCALES = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_GB"}


def _title(application, programme):
    """The shared page's title: one sentence per standing, so a translation may order it."""
    if announced_winner(application):
        title = _("%(name)s — winner of %(programme)s")
    else:
        title = _("%(name)s — finalist of %(programme)s")
    return title % {"name": application.organisation.name, "programme": programme.title}


def _page_url(application):
    """The finalist page's own address on the portal, never the request's host or query."""
    return portal_link("voting:finalist", args=[application.pk])


def _photo(application):
    """(address, width, height) of the approved photo, or None; the size is left out when the
    file cannot be read."""
    photo = application.approved_photo
    if not photo:
        return None
    try:
        width, height = photo.width, photo.height
    except (OSError, ValueError):
        width = height = None
    return portal_address(photo.url), width, height


def _card(application, programme):
    language = translation.get_language()
    key = card_key(card_text(application, language, programme=programme))
    return portal_link("voting:finalist_card", args=[application.pk],
                       query={"lang": language, "v": key[:12]})


@register.inclusion_tag("voting/includes/share_meta.html")
def share_meta(application, programme):
    photo = _photo(application)
    if photo:
        image, width, height = photo
    else:
        image, width, height = _card(application, programme), WIDTH, HEIGHT
    description = application.approved_text or application.project_title
    return {
        "title": _title(application, programme), "description": description,
        "page_url": _page_url(application), "image": image, "width": width,
        "height": height, "is_card": photo is None, "alt": application.organisation.name,
        "locale": OG_LOCALES.get(translation.get_language(), "ru_RU"),
    }


@register.inclusion_tag("voting/includes/share_links.html")
def share_links(application, programme):
    page = _page_url(application)
    title = _title(application, programme)
    targets = [
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{title} {page}"})),
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": page, "text": title})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page})),
        ("VK", "https://vk.com/share.php?" + urlencode({"url": page, "title": title})),
    ]
    return {"is_winner": announced_winner(application), "networks": [
        {"name": name, "url": url,
         "label": _("Share on %(network)s (opens in a new window)") % {"network": name}}
        for name, url in targets]}


register.filter("announced_winner", announced_winner)
