"""A finalist page's share preview and share links.

``{% share_meta application programme %}`` writes the Open Graph and Twitter tags: the
approved photo, or the card drawn by ``voting.share_cards``, always as an absolute address.
``{% share_links application programme %}`` writes plain links to share the page on the
networks people use in Kazakhstan: no script of theirs is loaded and nothing is sent to them
before someone follows a link.
"""

from django import template
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from voting.share_cards import HEIGHT, WIDTH, card_key, card_text

register = template.Library()

OG_LOCALES = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_GB"}


def _title(application, programme):
    return f"{application.organisation.name} — {_('finalist of')} {programme.title}"


def _page_url(request, application):
    """The finalist page's own address, never the request's query string."""
    return request.build_absolute_uri(reverse("voting:finalist", args=[application.pk]))


def _photo(request, application):
    """(address, width, height) of the approved photo, or None; the size is left out when the
    file cannot be read."""
    if not (application.profile_approved_at and application.public_photo):
        return None
    photo = application.public_photo
    try:
        width, height = photo.width, photo.height
    except (OSError, ValueError):
        width = height = None
    return request.build_absolute_uri(photo.url), width, height


def _card(request, application, programme):
    language = translation.get_language()
    key = card_key(card_text(application, language, programme=programme))
    path = reverse("voting:finalist_card", args=[application.pk])
    return request.build_absolute_uri(f"{path}?{urlencode({'lang': language, 'v': key[:12]})}")


@register.inclusion_tag("voting/includes/share_meta.html", takes_context=True)
def share_meta(context, application, programme):
    request = context["request"]
    photo = _photo(request, application)
    if photo:
        image, width, height = photo
    else:
        image, width, height = _card(request, application, programme), WIDTH, HEIGHT
    if application.profile_approved_at and application.public_text:
        description = application.public_text
    else:
        description = application.project_title
    return {
        "title": _title(application, programme), "description": description,
        "page_url": _page_url(request, application), "image": image, "width": width,
        "height": height, "is_card": photo is None, "alt": application.organisation.name,
        "locale": OG_LOCALES.get(translation.get_language(), "ru_RU"),
    }


@register.inclusion_tag("voting/includes/share_links.html", takes_context=True)
def share_links(context, application, programme):
    page = _page_url(context["request"], application)
    title = _title(application, programme)
    targets = [
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{title} {page}"})),
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": page, "text": title})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page})),
        ("VK", "https://vk.com/share.php?" + urlencode({"url": page, "title": title})),
    ]
    return {"networks": [
        {"name": name, "url": url,
         "label": _("Share on %(network)s (opens in a new window)") % {"network": name}}
        for name, url in targets]}
