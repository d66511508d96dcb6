"""The sign-in pages say what the portal's header says (issue 19): "Log in", "Sign up" and "Log
out" in English, not allauth's "Sign In", "Signup" and "Sign Out" beside them."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["account_login", "account_signup"])
def test_the_english_auth_pages_use_the_headers_words(client, name):
    client.cookies["ozgeris_language"] = "en"

    page = client.get(reverse(name)).content.decode()

    for word in ("Sign In", "Signup", "Sign Up", "Sign Out", "Remember Me"):
        assert word not in page, word
    assert "Log in" in page and "Sign up" in page
