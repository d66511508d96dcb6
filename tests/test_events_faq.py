"""The public FAQ page: the current programme's published questions in the reader's
language, Russian where a translation is missing."""

import pytest
from django.urls import reverse

from events.models import FaqEntry

pytestmark = pytest.mark.django_db


def test_the_faq_shows_the_2019_questions_in_russian(client, demo_programme):
    response = client.get(reverse("events:faq"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Как получить бухгалтерский баланс?" in body
    assert len(response.context["entries"]) == 6


@pytest.mark.parametrize("language, question", [
    ("kk", "Бухгалтерлік балансты қалай алуға болады?"),
    ("en", "How do we get the balance sheet?"),
])
def test_the_faq_follows_the_language(client, demo_programme, language, question):
    client.post(reverse("set_language"), {"language": language, "next": "/"})

    assert question in client.get(reverse("events:faq")).content.decode()


def test_unpublished_and_untranslated_entries(client, demo_programme):
    FaqEntry.objects.filter(programme=demo_programme, order=1).update(is_published=False)
    FaqEntry.objects.create(programme=demo_programme, order=9, question_ru="Только по-русски?",
                            answer_ru="Да.")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    body = client.get(reverse("events:faq")).content.decode()

    assert "Where do we get the certificate" not in body
    assert "Только по-русски?" in body
