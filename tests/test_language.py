"""Russian by default, Kazakh and English on request; a signed-in user's choice is remembered."""

import pytest
from django.conf import settings
from django.urls import reverse

from ozgeris.models import User


@pytest.mark.django_db
def test_pages_are_in_russian_by_default(client, demo_programme):
    page = client.get("/").content.decode()

    assert '<html lang="ru">' in page
    assert "Номинации" in page
    assert demo_programme.title_ru in page


@pytest.mark.django_db
def test_switching_to_kazakh_sets_the_cookie_and_translates_the_page(client, demo_programme):
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "kk"
    page = client.get("/").content.decode()
    assert '<html lang="kk">' in page
    assert "Номинациялар" in page
    assert demo_programme.title_kk in page
    assert "Білім беру" in page


@pytest.mark.django_db
def test_switching_to_english_translates_titles_entered_by_staff(client, demo_programme):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get("/").content.decode()

    assert "Nominations" in page
    assert demo_programme.title_en in page


@pytest.mark.django_db
def test_a_signed_in_users_choice_is_saved_and_followed_on_another_device(client, make_user):
    user = make_user(email="aizhan@example.kz")
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "kk", "next": "/"})

    assert User.objects.get(pk=user.pk).preferred_language == "kk"
    other_device = client.__class__()
    other_device.force_login(user)
    assert '<html lang="kk">' in other_device.get("/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_ignored(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    assert '<html lang="ru">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_visitors_language_link_returns_to_the_page_but_never_to_another_site(client):
    back = client.get(reverse("set_language"), {"language": "kk", "next": "/vote/?nomination=a"})

    assert back.status_code == 302 and back.url == "/vote/?nomination=a"
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "kk"
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        away = client.get(reverse("set_language"), {"language": "en", "next": target})
        assert away.url == "/", target
    unknown = client.get(reverse("set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in unknown.cookies
