"""The error pages (400, 403, 404, 500, CSRF failure): the portal's design, translated, with a
way back, under the strict CSP; the 500 page renders with the database unreachable. The test
client runs with DEBUG off, as production does."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from ozgeris import errors

# The heading of each page in each language (the catalogues' translations).
HEADINGS = {
    "404": {"ru": "Страница не найдена", "kk": "Бет табылмады", "en": "Page not found"},
    "403": {"ru": "Нет доступа к этой странице", "kk": "Бұл бетке кіру рұқсаты жоқ",
            "en": "No access to this page"},
    "400": {"ru": "Запрос не удалось обработать", "kk": "Сұрауды өңдеу мүмкін болмады",
            "en": "The request could not be processed"},
    "500": {"ru": "Что-то пошло не так на нашей стороне", "kk": "Біз жақта бірдеңе дұрыс болмады",
            "en": "Something went wrong on our side"},
    "csrf": {"ru": "Срок действия формы истёк", "kk": "Форманың мерзімі өтіп кетті",
             "en": "The form has expired"},
}
LANGUAGES = ["ru", "kk", "en"]


def in_language(language, **extra):
    client = Client(raise_request_exception=False, **extra)
    client.cookies["ozgeris_language"] = language
    return client


def assert_portal_page(response, status, heading, language):
    page = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in page
    # One title (ozgeris.errors.PAGES) for the browser's tab and the heading.
    assert f"<title>{heading} · Ozgeris Ustasy</title>" in page
    assert f'<h1 id="error-title">{heading}</h1>' in page
    assert page.count(heading) == 2
    assert "/static/css/site.css" in page and "/static/css/errors.css" in page
    assert f'href="{reverse("home")}"' in page  # the way back
    assert "<style" not in page and "style=" not in page and "<script" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_answers_the_portals_404(language):
    response = in_language(language).get("/no-such-page/")

    assert_portal_page(response, 404, HEADINGS["404"][language], language)
    assert f'href="{reverse("registry:list")}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_page_answers_the_portals_403_with_the_persons_way(language, make_user,
                                                                     staff):
    client = in_language(language)
    client.force_login(make_user(email="ngo@example.kz", preferred_language=language))

    response = client.get(reverse("staff_dashboard"))

    assert_portal_page(response, 403, HEADINGS["403"][language], language)
    assert f'href="{reverse("staff_dashboard")}"' not in response.content.decode()


@pytest.mark.django_db
def test_the_403_page_offers_a_juror_their_panel(programme, make_user):
    from django.contrib.auth.models import Group

    from .factories import juror

    seat = juror(programme, make_user, "Zhamila")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    client = in_language("ru")
    client.force_login(seat.user)

    page = client.get(reverse("staff_dashboard")).content.decode()

    assert f'class="button" href="{reverse("jury_panel:index")}"' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bad_request_answers_the_portals_400(language):
    """Without database access: a forged Host is answered before anything reads a session."""
    response = in_language(language, HTTP_HOST="evil.example").get("/")

    assert_portal_page(response, 400, HEADINGS["400"][language], language)


def unreachable(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_renders_with_the_database_unreachable(language):
    client = in_language(language)

    with connection.execute_wrapper(unreachable):
        response = client.get(reverse("home"))

    assert_portal_page(response, 500, HEADINGS["500"][language], language)


def test_the_500_page_needs_no_context_processor():
    """Rendered without the request, as Django renders its own: a processor that would fail
    (the database, the session or the user gone) is never called."""
    def gone():
        raise OperationalError("could not connect to server")

    request = RequestFactory().get("/")
    request.user, request.session = SimpleLazyObject(gone), SimpleLazyObject(gone)
    with translation.override("kk"):
        response = errors.server_error(request)

    assert_portal_page(response, 500, HEADINGS["500"]["kk"], "kk")


def test_the_500_page_falls_back_to_a_plain_body_when_its_template_fails():
    with mock.patch("ozgeris.errors.loader.render_to_string", side_effect=RuntimeError):
        response = errors.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"Server Error (500)" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_csrf_check_answers_the_portals_page_with_a_way_back(language, make_user):
    client = in_language(language, enforce_csrf_checks=True)
    client.force_login(make_user(email="ngo@example.kz", preferred_language=language))
    form = reverse("profile")

    response = client.post(form, {"display_name": "X"}, HTTP_REFERER=f"http://testserver{form}")

    assert_portal_page(response, 403, HEADINGS["csrf"][language], language)
    assert "Content-Security-Policy" in response.headers
    assert f'href="http://testserver{form}"' in response.content.decode()


@pytest.mark.django_db
def test_the_csrf_page_links_back_only_to_this_site(make_user):
    client = in_language("ru", enforce_csrf_checks=True)
    client.force_login(make_user(email="ngo@example.kz"))

    response = client.post(reverse("profile"), {}, HTTP_REFERER="https://evil.example/form")

    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
