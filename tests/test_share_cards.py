"""A shared finalist link's preview (voting.share_cards): the card is a 1200×630 PNG drawn once
per text, the page's Open Graph tags point at it (or at the approved photo) with absolute
addresses and escaped text, the share links are plain links, and only a finalist has a card."""

import html
import io
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from voting import share_cards

from .factories import ApplicationFactory, announce_winners, past_programme

pytestmark = pytest.mark.django_db

KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"


PORTAL = "https://ozgeris.example"


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Each test starts with no cards kept; the portal lives at PORTAL, not at the test
    client's host, so an address built from the request shows."""
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_URL = PORTAL


@pytest.fixture
def finalist(finalists):
    return finalists[0]


def page_of(client, application, **headers):
    return client.get(reverse("voting:finalist", args=[application.pk]), **headers)


def meta(page, name):
    """The content of the page's ``<meta property|name="name">``."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page)
    return found and found.group(1)


def card_url(page):
    return meta(page, "og:image").replace("&amp;", "&")


def test_the_card_is_a_1200_by_630_png(client, finalist):
    response = client.get(reverse("voting:finalist_card", args=[finalist.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))


def test_the_page_names_the_card_with_absolute_addresses(client, finalist):
    page = page_of(client, finalist).content.decode()

    image = card_url(page)
    assert image.startswith(f"{PORTAL}/vote/finalists/{finalist.pk}/card.png?lang=ru&v=")
    assert meta(page, "og:image:width") == "1200"
    assert meta(page, "og:image:height") == "630"
    assert meta(page, "og:image:type") == "image/png"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == meta(page, "og:image")
    assert meta(page, "og:url") == f"{PORTAL}/vote/finalists/{finalist.pk}/"
    fetched = client.get(image.removeprefix(PORTAL))
    assert Image.open(io.BytesIO(fetched.content)).size == (1200, 630)


def test_an_approved_photo_is_the_preview_instead_of_the_card(client, finalist):
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), "#0b5f86").save(photo, "PNG")
    finalist.public_photo.save("photo.png", ContentFile(photo.getvalue()), save=False)
    finalist.profile_approved_at = timezone.now()
    finalist.save()

    page = page_of(client, finalist).content.decode()

    assert meta(page, "og:image") == f"{PORTAL}{finalist.public_photo.url}"
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("800", "600")
    assert "card.png" not in page


def test_a_card_is_drawn_once_per_text(client, finalist, tmp_path):
    with mock.patch.object(share_cards, "render_card", wraps=share_cards.render_card) as draw:
        first = card_url(page_of(client, finalist).content.decode())
        client.get(first)
        client.get(first)
        assert draw.call_count == 1
        assert len(list((tmp_path / "public" / "cards").glob("*.png"))) == 1

        finalist.organisation.name = "ОО «Жаңа атау»"
        finalist.organisation.save()
        renamed = card_url(page_of(client, finalist).content.decode())
        client.get(renamed)
        client.get(renamed)

    assert renamed != first
    assert draw.call_count == 2
    assert "ОО «Жаңа атау»" in draw.call_args.args[0].name


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn", "eligible",
                                    "not_selected"])
def test_only_a_finalist_has_a_card(client, vote_programme, status):
    application = ApplicationFactory(programme=vote_programme, status=status)
    assert client.get(reverse("voting:finalist_card", args=[application.pk])).status_code == 404


def test_a_finalist_of_another_edition_has_no_card_here(client, vote_programme):
    application = ApplicationFactory(programme=past_programme(2030), status="winner")

    assert client.get(reverse("voting:finalist_card", args=[application.pk])).status_code == 404


def test_the_text_is_escaped_in_the_tags_and_links(client, finalist):
    finalist.organisation.name = 'Evil "><script>alert(1)</script>'
    finalist.organisation.save()
    finalist.project_title = '"><img src=x onerror=alert(2)>'
    finalist.save()

    page = page_of(client, finalist).content.decode()

    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert meta(page, "og:title").startswith("Evil &quot;&gt;&lt;script&gt;alert(1)")
    assert meta(page, "og:description") == "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"


def test_a_query_string_does_not_reach_the_tags(client, finalist):
    url = reverse("voting:finalist", args=[finalist.pk]) + '?x="><b>hi</b>'
    page = client.get(url).content.decode()
    assert "<b>hi</b>" not in page and "x=" not in meta(page, "og:url")


def test_the_share_links_are_plain_links_in_the_page_language(client, finalist):
    page = page_of(client, finalist, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    links = re.findall(r'<a href="(https://[^"]+)" target="_blank" rel="noopener noreferrer '
                       r'nofollow" aria-label="([^"]+)">', page)

    hosts = [href.split("/")[2] for href, _label in links]
    assert hosts == ["wa.me", "t.me", "www.facebook.com", "vk.com"]
    quoted_page = f"https%3A%2F%2Fozgeris.example%2Fvote%2Ffinalists%2F{finalist.pk}%2F"
    assert all(quoted_page in href for href, _label in links)
    assert links[0][1] == "WhatsApp арқылы бөлісу (жаңа терезеде ашылады)"
    assert 'id="share-title">Финалист бетін бөлісу</h2>' in page
    assert not re.search(r"<script[^>]+src=\"https?://", page)


def test_a_forged_host_never_reaches_the_shared_addresses(client, finalist, settings):
    """A Host header the portal accepts (a wildcard, a proxy passing it on) is still the
    client's word: the tags and share links name PORTAL_URL."""
    settings.ALLOWED_HOSTS = ["*"]
    page = page_of(client, finalist, HTTP_HOST="forged.example").content.decode()

    assert "forged.example" not in page
    assert meta(page, "og:url") == f"{PORTAL}/vote/finalists/{finalist.pk}/"
    assert card_url(page).startswith(f"{PORTAL}/vote/finalists/{finalist.pk}/card.png?")


def test_a_winners_card_and_title_say_winner(client, finalist, staff):
    first = card_url(page_of(client, finalist, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    announce_winners(finalist.programme, [finalist], by=staff)

    page = page_of(client, finalist, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    name = finalist.organisation.name
    assert html.unescape(meta(page, "og:title")) == f"{name} — winner of Award 2031"
    assert card_url(page) != first  # same language: the finalist's card, under its own key,
    #                                 is not the winner's
    assert share_cards.card_text(finalist, "ru").edition == "Победитель премии · 2031"
    assert share_cards.card_text(finalist, "kk").edition == "Сыйлық жеңімпазы · 2031"


@pytest.mark.parametrize(("language", "heading"), [
    ("ru", "Поделиться страницей победителя"), ("kk", "Жеңімпаз бетін бөлісу"),
    ("en", "Share this winner"),
])
def test_a_winners_share_links_say_winner(client, finalist, staff, language, heading):
    announce_winners(finalist.programme, [finalist], by=staff)

    page = page_of(client, finalist, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'id="share-title">{heading}</h2>' in page


@pytest.mark.parametrize(("language", "title"), [
    ("ru", "{name} — финалист «Премия 2031»"),
    ("kk", "{name} — «Сыйлық 2031» финалисі"),
    ("en", "{name} — finalist of Award 2031"),
])
def test_the_share_title_is_one_translated_sentence(client, finalist, language, title):
    page = page_of(client, finalist, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert html.unescape(meta(page, "og:title")) == title.format(
        name=finalist.organisation.name)


def test_the_card_speaks_the_language_asked_for(finalist):
    russian = share_cards.card_text(finalist, "ru")
    kazakh = share_cards.card_text(finalist, "kk")

    assert russian.edition == "Финалист премии · 2031"
    assert kazakh.edition == "Сыйлық финалисі · 2031"
    assert share_cards.card_key(russian) != share_cards.card_key(kazakh)


def card(client, finalist, query="", **headers):
    return client.get(reverse("voting:finalist_card", args=[finalist.pk]) + query, **headers)


def test_a_card_whose_address_names_its_language_is_publicly_cacheable(client, finalist):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = card(client, finalist, "?lang=kk&v=1")

    assert (response["Content-Language"], response["Cache-Control"]) == (
        "kk", "public, max-age=86400")


@pytest.mark.parametrize("query", ["", "?lang=zz", "?v=1"])
def test_a_card_in_the_readers_own_language_is_theirs_alone(client, finalist, query):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = card(client, finalist, query)

    assert response["Content-Language"] == "kk"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert {"Cookie", "Accept-Language"} <= {
        name.strip() for name in response["Vary"].split(",")}


def test_a_card_follows_accept_language_privately(client, finalist):
    response = card(client, finalist, HTTP_ACCEPT_LANGUAGE="en")

    assert (response["Content-Language"], response["Cache-Control"]) == (
        "en", "private, max-age=86400")


def test_the_cards_font_has_every_kazakh_letter():
    for font in (share_cards.BOLD, share_cards.REGULAR):
        characters = TTFont(font)["cmap"].getBestCmap()
        assert [letter for letter in KAZAKH_LETTERS if ord(letter) not in characters] == []


def test_a_long_name_is_wrapped_within_the_card():
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    font = share_cards._font(share_cards.BOLD, share_cards.NAME_SIZES[-1])
    name = "«Әлеуметтік кәсіпкерлікті қолдау орталығы» қоғамдық бірлестігі " * 4

    lines = share_cards.wrap(draw, name, font, share_cards.TEXT_WIDTH, 3)

    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=font) <= share_cards.TEXT_WIDTH for line in lines)
    one_word = share_cards.wrap(draw, "Ә" * 60, font, share_cards.TEXT_WIDTH, 3)
    assert len(one_word) > 1 and "".join(one_word) == "Ә" * 60
    assert all(draw.textlength(line, font=font) <= share_cards.TEXT_WIDTH for line in one_word)
