"""One rule for a ``?next=`` (ozgeris.safe_next): a page of this site, never another site, plain
HTTP under HTTPS or a bare word that ``redirect()`` would read as a URL name. Every page that
sends someone back to a page it was told about follows it."""

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from ozgeris.safe_next import safe_next_url

from .factories import seat

PASSWORD = "Correct-horse-7"  # tests/conftest.py's make_user

# A URL name (followed as a name, it would land on "/"), one that needs arguments (followed as
# a name, NoReverseMatch: a 500), another site, the same site over plain HTTP under HTTPS.
REFUSED = ["home", "jury_panel:score", "https://evil.example/", "//evil.example/",
           "/\\evil.example/", "javascript:alert(1)", "http://[::1", ""]


@pytest.mark.parametrize(("url", "secure", "expected"), [
    ("/registry/", False, "/registry/"),
    ("/vote/?nomination=a#finalists", True, "/vote/?nomination=a#finalists"),
    ("http://testserver/registry/", False, "http://testserver/registry/"),
    ("https://testserver/registry/", True, "https://testserver/registry/"),
    ("http://testserver/registry/", True, ""),
    ("https://testserver:8443/registry/", True, ""),  # another origin than the request's
    *[(url, secure, "") for url in REFUSED for secure in (False, True)],
    (None, False, ""),
])
def test_a_next_url_is_kept_only_when_it_is_a_page_of_this_site(url, secure, expected):
    request = RequestFactory().get("/", secure=secure)

    assert safe_next_url(request, url) == expected


# Each page that follows a ``next``: how to ask it, and where it goes when the next is refused.


@pytest.fixture
def juror_client(client, programme, make_user):
    member = seat(programme, make_user(email="juror@a.example.kz"))
    client.force_login(member.user)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def jury_login(client, next_url, secure):
    return client.get(reverse("jury_panel:login"), {"next": next_url}, secure=secure)


def admin_login(client, next_url, secure):
    return client.get(reverse("admin:login"), {"next": next_url}, secure=secure)


def language_switch(client, next_url, secure):
    return client.get(reverse("set_language"), {"language": "en", "next": next_url},
                      secure=secure)


def calendar_revoke(client, next_url, secure):
    return client.post(reverse("calendar_revoke"), {"next": next_url}, secure=secure)


ENTRY_POINTS = {
    # name: (client fixture, ask, where a refused next goes, a page of the site to go back to)
    "jury-login": ("juror_client", jury_login, "jury_panel:index", "/jury/progress/"),
    "admin-login": ("staff_client", admin_login, "admin:index", "/admin/jury/"),
    "language": ("client", language_switch, "home", "/vote/?nomination=a"),
    "calendar-revoke": ("juror_client", calendar_revoke, "jury_panel:index",
                        "/jury/conflicts/"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("next_url", ["home", "jury_panel:score", "https://evil.example/",
                                      "//evil.example/"])
def test_a_refused_next_is_not_followed(request, entry, next_url):
    fixture, ask, fallback, _page = ENTRY_POINTS[entry]

    response = ask(request.getfixturevalue(fixture), next_url, secure=False)

    assert (response.status_code, response["Location"]) == (302, reverse(fallback))


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_plain_http_is_not_followed_under_https(request, entry):
    fixture, ask, fallback, page = ENTRY_POINTS[entry]

    response = ask(request.getfixturevalue(fixture), f"http://testserver{page}", secure=True)

    assert (response.status_code, response["Location"]) == (302, reverse(fallback))


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_a_page_of_this_site_is_followed(request, entry, secure):
    fixture, ask, _fallback, page = ENTRY_POINTS[entry]

    response = ask(request.getfixturevalue(fixture), page, secure=secure)

    assert (response.status_code, response["Location"]) == (302, page)


@pytest.mark.django_db
def test_the_jury_panel_sends_a_visitor_to_sign_in_and_back_with_the_whole_address(client):
    back = "/jury/login/?next=/jury/progress/%3Fa%3D1%26b%3D2"

    response = client.get(back)

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next=%2Fjury%2Flogin%2F%3Fnext%3D%2Fjury%2Fprogress%2F"
        "%253Fa%253D1%2526b%253D2")


@pytest.mark.django_db
@pytest.mark.parametrize(("next_url", "secure", "lands"), [
    ("/registry/", True, "/registry/"),
    ("http://testserver/registry/", True, None),
    ("home", False, None),
    ("https://evil.example/", False, None),
])
def test_signing_in_follows_the_same_rule(client, staff, next_url, secure, lands):
    response = client.post(f"{reverse('account_login')}?next={next_url}",
                           {"login": staff.email, "password": PASSWORD}, secure=secure)

    assert response.status_code == 302
    assert response["Location"] == (lands or reverse("staff_dashboard"))


@pytest.mark.django_db
def test_the_csrf_page_links_back_to_a_page_of_this_site_only_over_the_same_scheme(make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(email="ngo@example.kz"))
    form = reverse("profile")

    kept = client.post(form, {}, HTTP_REFERER=f"https://testserver{form}", secure=True)
    dropped = client.post(form, {}, HTTP_REFERER=f"http://testserver{form}", secure=True)

    assert kept.status_code == dropped.status_code == 403
    assert f'href="https://testserver{form}"' in kept.content.decode()
    assert "http://testserver" not in dropped.content.decode()


def test_the_rule_has_one_home():
    """No page checks a ``next`` on its own: each asks ozgeris.safe_next."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    checking = sorted(
        str(path.relative_to(root))
        for package in ("ozgeris", "applications", "jury", "voting", "events", "reporting")
        for path in (root / package).rglob("*.py")
        if "url_has_allowed_host_and_scheme" in path.read_text(encoding="utf-8"))

    assert checking == ["ozgeris/safe_next.py"]


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["home", "jury_panel:score", "https://evil.example/"])
def test_the_signed_in_language_switch_follows_the_one_rule_too(client, make_user, next_url):
    """The form in the header posts; it once went through Django's own view, which took a
    bare word for a path."""
    client.force_login(make_user(email="ngo@example.kz"))

    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
