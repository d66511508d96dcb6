"""ozgeris.languages: a response's language from ``?lang=`` when it is one of the portal's,
else the request's own; only the first may be kept by shared caches."""

import pytest
from django.http import HttpResponse
from django.utils import translation

from ozgeris.languages import AskedLanguage, asked_language, cache_for


@pytest.mark.parametrize(("query", "expected"), [
    ({"lang": "kk"}, AskedLanguage("kk", True)),
    ({"lang": "en"}, AskedLanguage("en", True)),
    ({"lang": "zz"}, AskedLanguage("ru", False)),
    ({"lang": ""}, AskedLanguage("ru", False)),
    ({}, AskedLanguage("ru", False)),
])
def test_lang_counts_only_when_it_is_a_portal_language(rf, query, expected):
    with translation.override("ru"):
        assert asked_language(rf.get("/", query)) == expected


def test_without_lang_the_default_wins_over_the_request_language(rf):
    with translation.override("en"):
        assert asked_language(rf.get("/", {"lang": "zz"}), "kk") == AskedLanguage("kk", False)
        assert asked_language(rf.get("/")) == AskedLanguage("en", False)


def test_a_response_in_the_language_of_its_address_is_public():
    response = cache_for(HttpResponse(), AskedLanguage("kk", True), max_age=60)

    assert response["Cache-Control"] == "public, max-age=60"
    assert not response.has_header("Vary")


def test_a_response_in_the_readers_language_is_private_and_varies_with_what_chose_it():
    response = cache_for(HttpResponse(), AskedLanguage("kk", False), max_age=60)

    assert response["Cache-Control"] == "private, max-age=60"
    assert response["Vary"] == "Cookie, Accept-Language"
