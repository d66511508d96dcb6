"""The finalists' pages of the public vote: who appears, what a shared link shows, videos."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Status
from ozgeris import memo
from voting import views, visitors

from .factories import ApplicationFactory

DEMO = json.loads((Path(__file__).resolve().parent.parent / "applications" / "demo"
                   / "applications-2019.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_2019_finalists_are_listed_with_the_reports_names(client, demo_programme):
    page = client.get(reverse("voting:finalists")).content.decode()

    names = [item["name"] for item in DEMO["organisations"] if "finalist" in item]
    assert len(names) == 19
    for name in names:
        assert name.replace('"', "&quot;") in page
    not_selected = Application.objects.filter(programme=demo_programme,
                                              status=Status.NOT_SELECTED)
    assert not_selected.count() == 2
    for application in not_selected:
        assert application.organisation.name not in page


@pytest.mark.django_db
def test_the_finalists_can_be_filtered_by_nomination(client, demo_programme):
    ecology = client.get(reverse("voting:finalists"), {"nomination": "ecology"}).content.decode()
    everything = client.get(reverse("voting:finalists"), {"nomination": "<script>"})

    assert ecology.count('class="card finalist-card"') == Application.objects.finalists(
        demo_programme).filter(nomination__code="ecology").count()
    assert everything.status_code == 200
    assert everything.content.decode().count('class="card finalist-card"') == 19
    assert "<script>" not in everything.content.decode().split("<main")[1]


@pytest.mark.django_db
def test_a_finalists_page_has_open_graph_tags_and_no_third_party_request(client,
                                                                         demo_programme,
                                                                         settings):
    settings.PORTAL_URL = "https://ozgeris.example"
    application = Application.objects.finalists(demo_programme).first()
    application.video_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    application.profile_approved_at = timezone.now()  # shown once staff approved it
    application.save(update_fields=["video_url", "profile_approved_at"])

    page = client.get(reverse("voting:finalist", args=[application.pk])).content.decode()

    assert 'property="og:title"' in page and application.organisation.name in page
    assert (f'property="og:url" content="https://ozgeris.example/vote/finalists/'
            f'{application.pk}/"') in page
    assert 'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page
    assert "<iframe" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "eligible", "not_selected", "failed_80_20"])
def test_only_finalists_have_a_public_page(client, demo_programme, status):
    other = Application.objects.filter(programme=demo_programme).exclude(
        status__in=[Status.FINALIST, Status.WINNER]).first()
    Application.objects.filter(pk=other.pk).update(status=status)
    assert client.get(reverse("voting:finalist", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_a_profile_shows_only_after_staff_approval(client, open_programme):
    application = ApplicationFactory(programme=open_programme, status="finalist",
                                     public_text_ru="Секретный черновик")
    url = reverse("voting:finalist", args=[application.pk])
    assert "Секретный черновик" not in client.get(url).content.decode()

    Application.objects.filter(pk=application.pk).update(profile_approved_at=open_programme
                                                         .intake_opens_at)
    assert "Секретный черновик" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_page_tells_when_the_vote_runs_by_the_database_clock(client, open_programme):
    """The page reads the window with the database's clock, as the vote enforces it."""
    ApplicationFactory(programme=open_programme, status="finalist")
    url = reverse("voting:finalists")

    def page_when(opens, closes):
        open_programme.voting_opens_at, open_programme.voting_closes_at = opens, closes
        open_programme.save(update_fields=["voting_opens_at", "voting_closes_at"])
        memo.forget()  # a visitor's page is kept for a few seconds
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    now = timezone.now()
    assert "opens" in page_when(now + timedelta(seconds=5), now + timedelta(days=3))
    assert "is open until" in page_when(now - timedelta(seconds=1), now + timedelta(days=3))
    assert "is over" in page_when(now - timedelta(days=3), now - timedelta(seconds=1))


@pytest.mark.django_db
def test_a_visitors_finalists_page_comes_from_memory_without_a_csrf_token(
        client, open_programme, django_assert_num_queries):
    ApplicationFactory(programme=open_programme, status="finalist")
    url = reverse("voting:finalists")
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies.clear()

    with django_assert_num_queries(0):
        again = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        for junk in ("<script>", "x" * 500, "education'--"):  # unknown filters: the same page
            client.cookies.clear()
            assert client.get(url, {"nomination": junk},
                              HTTP_ACCEPT_LANGUAGE="en").content == first.content
    assert again.content == first.content
    assert b"csrfmiddlewaretoken" not in again.content
    assert "csrftoken" not in first.cookies


@pytest.mark.django_db
def test_the_kept_finalists_page_is_answered_before_sessions_with_the_same_headers(
        client, open_programme, voter, monkeypatch):
    ApplicationFactory(programme=open_programme, status="finalist")
    url = reverse("voting:finalists")
    rendered = client.get(url, HTTP_ACCEPT_LANGUAGE="kk")
    client.cookies.clear()
    calls = []
    original = views._finalists_page_key
    monkeypatch.setattr(views, "_finalists_page_key",
                        lambda request: calls.append(request) or original(request))

    kept = client.get(url, HTTP_ACCEPT_LANGUAGE="kk")

    assert kept.content == rendered.content
    assert not hasattr(calls[0], "user")  # answered before the authentication middleware
    assert kept.headers["Content-Language"] == "kk"
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                 "Cross-Origin-Opener-Policy", "Content-Length"):
        assert kept.headers[name] == rendered.headers[name], name
    assert set(kept.headers["Vary"].split(", ")) == set(rendered.headers["Vary"].split(", ")) \
        == {"Accept-Language", "Cookie"}
    assert visitors.COOKIE in kept.cookies  # the visitor statistics still wrap it

    client.force_login(voter)  # a session: the page of a signed-in person, not the kept one
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content != rendered.content


@pytest.mark.django_db
def test_a_visitor_with_a_message_waiting_gets_it_not_the_kept_page(client, open_programme):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    ApplicationFactory(programme=open_programme, status="finalist")
    url = reverse("voting:finalists")
    kept = client.get(url).content
    client.cookies.clear()
    client.cookies[CookieStorage.cookie_name] = CookieStorage(RequestFactory().get(url))._encode(
        [Message(constants.INFO, "Вы вышли из аккаунта.")])

    page = client.get(url).content

    assert page != kept and "Вы вышли из аккаунта." in page.decode()
    assert "Вы вышли из аккаунта." not in client.get(url).content.decode()  # shown once


def test_a_path_reversed_once_still_follows_the_sites_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        assert views.fixed_path("voting:receipt") == reverse("voting:receipt")
        set_script_prefix("/portal/")  # the portal served under a sub-path
        assert views.fixed_path("voting:receipt") == "/portal/vote/receipt/"
    finally:
        set_script_prefix(before)
    assert views.fixed_path("voting:receipt") == "/vote/receipt/"
