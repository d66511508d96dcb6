"""A person whose profile says Russian, signing in from a browser that asks for English, reads
what the sign-in says in Russian, like every page after it (ozgeris.middleware)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse


@pytest.mark.django_db
def test_the_signed_in_message_is_in_the_profiles_language(client, make_user):
    make_user(email="aigerim@example.kz", preferred_language="ru")

    response = client.post(reverse("account_login"),
                           {"login": "aigerim@example.kz", "password": "Correct-horse-7"},
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == ["Успешный вход под именем aigerim@example.kz."]


@pytest.mark.django_db
def test_a_language_the_browser_chose_still_wins(client, make_user):
    """The language cookie is the browser's own choice: the sign-in keeps to it."""
    make_user(email="aigerim@example.kz", preferred_language="ru")
    client.cookies["ozgeris_language"] = "en"

    response = client.post(reverse("account_login"),
                           {"login": "aigerim@example.kz", "password": "Correct-horse-7"})

    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert [text for text in said if "Successfully signed in" in text]
