"""What the public pages say of a finalist: the profile (photo, text and video) only while
staff's approval of it stands, and "winner" only while the release of the results stands."""

import pytest
from django.urls import reverse

from applications import services as application_services
from applications.models import Application
from ozgeris import memo
from tests.factories import announce_winners
from voting import results
from voting.share_cards import card_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

VIDEO = "https://www.instagram.com/p/not-reviewed-yet/"


@pytest.fixture
def approved(finalists, make_user, staff):
    """The first finalist, with a profile staff approved, and its organisation's member."""
    finalist = finalists[0]
    owner = make_user(email="owner@example.kz")
    finalist.organisation.membership_set.create(user=owner)
    finalist.public_text_ru = finalist.public_text_en = "Approved text"
    application_services.update_profile(application=finalist, by=owner)
    finalist.refresh_from_db()
    application_services.approve_profile(
        application=finalist, seen_version=finalist.profile_updated_at.isoformat(), by=staff)
    return Application.objects.get(pk=finalist.pk), owner


def _pages(client, application):
    return [client.get(reverse("voting:finalist", args=[application.pk])).content.decode(),
            client.get(reverse("voting:finalists")).content.decode()]


def test_a_video_changed_after_the_approval_waits_for_the_next_one(client, approved, staff):
    finalist, owner = approved
    finalist.video_url = VIDEO  # the applicant's edit, as the profile form saves it
    application_services.update_profile(application=finalist, by=owner)
    finalist.refresh_from_db()

    for page in _pages(client, finalist):
        assert VIDEO not in page and "Approved text" not in page

    application_services.approve_profile(
        application=finalist, seen_version=finalist.profile_updated_at.isoformat(), by=staff)
    assert VIDEO in _pages(client, finalist)[0]


def test_the_laureates_page_shows_a_winners_video_only_while_approved(
        client, approved, cast, staff):
    finalist, owner = approved
    cast(finalist, 2)
    programme = finalist.programme
    announce_winners(programme, [finalist], by=staff)
    finalist.video_url = VIDEO
    application_services.update_profile(application=finalist, by=owner)

    page = client.get(reverse("laureates", args=[programme.year])).content.decode()

    assert finalist.organisation.name in page and VIDEO not in page


def test_a_withdrawn_release_takes_the_winners_announcement_back(
        client, finalists, cast, staff):
    cast(finalists[0], 2)
    programme = finalists[0].programme
    announce_winners(programme, [finalists[0]], by=staff)
    winner = finalists[0]
    assert all("winner of" in page.lower() or ">Winner<" in page
               for page in _pages(client, winner))
    assert card_text(winner, "en").standing == "winner"

    results.withdraw_release(programme=programme, by=staff, reason="A late complaint")
    memo.forget()  # the list kept for visitors for a few seconds (voting.views.finalists)

    finalist_page, list_page = _pages(client, winner)
    assert "winner of" not in finalist_page.lower() and ">Winner<" not in finalist_page
    assert ">Winner<" not in list_page
    assert "Share this finalist" in finalist_page
    assert card_text(winner, "en").standing == "finalist"
