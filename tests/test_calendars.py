"""The programme's calendar feeds (ozgeris.calendars): they parse, their UIDs are stable, their
times carry Almaty's offset of the day, and a personal feed shows only its owner's events."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.urls import reverse

from applications.models import DeadlineExtension
from events.models import Ceremony
from jury.models import JuryMember, Sitting
from ozgeris import calendars
from ozgeris.calendars import TOKEN_SALT, build_calendar, personal_token, uid_host

from .factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def parse(content):
    return icalendar.Calendar.from_ical(content)


def events_by_uid(content):
    return {str(event["uid"]).split("@")[0]: event for event in parse(content).walk("VEVENT")}


def seconds(moment):
    """iCalendar times have no fractions of a second."""
    return moment.replace(microsecond=0)


def public_feed(client, programme, **query):
    return client.get(reverse("calendar_public", args=[programme.year]), query)


def personal_feed(client, programme, user, **query):
    return client.get(reverse("calendar_personal", args=[programme.year, personal_token(user)]),
                      query)


@pytest.fixture
def two_organisations(open_programme, make_user):
    """Two organisations, each with one member and an extension of its own."""
    people = {}
    for name, days in (("first", 3), ("second", 5)):
        member = make_user(email=f"{name}@example.kz")
        organisation = OrganisationFactory(name=f"ОО «{name}»", members=[member])
        extension = DeadlineExtension.objects.create(
            programme=open_programme, organisation=organisation, reason="Flood",
            until=open_programme.intake_closes_at + timedelta(days=days))
        people[name] = (member, extension)
    return people


def test_the_public_feed_parses_with_the_programme_dates(client, open_programme):
    response = public_feed(client, open_programme)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response.content)
    assert str(calendar["version"]) == "2.0"
    pk = open_programme.pk
    assert set(events_by_uid(response.content)) == {
        f"intake-opens-{pk}", f"intake-closes-{pk}", f"vote-opens-{pk}", f"vote-closes-{pk}",
        f"ceremony-{pk}"}
    closes = events_by_uid(response.content)[f"intake-closes-{pk}"]
    assert closes.decoded("dtstart") == seconds(open_programme.intake_closes_at)
    assert all(str(event["uid"]).endswith("@" + uid_host())
               for event in calendar.walk("VEVENT"))
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Almaty"]


def test_an_unpublished_or_unknown_edition_has_no_feed(client, open_programme):
    open_programme.is_published = False
    open_programme.save()
    assert public_feed(client, open_programme).status_code == 404
    assert client.get(reverse("calendar_public", args=[1999])).status_code == 404


def test_uids_stay_the_same_across_builds_and_after_a_date_moves(open_programme):
    first = events_by_uid(build_calendar(open_programme))
    assert events_by_uid(build_calendar(open_programme)).keys() == first.keys()

    open_programme.intake_closes_at += timedelta(days=2)
    open_programme.title_ru = "Премия 2031, новое название"
    open_programme.save()
    moved = events_by_uid(build_calendar(open_programme))

    key = f"intake-closes-{open_programme.pk}"
    assert moved.keys() == first.keys()
    assert moved[key].decoded("dtstart") - first[key].decoded("dtstart") == timedelta(days=2)
    assert "новое название" in str(moved[key]["summary"])


def test_recording_the_ceremony_moves_its_event_under_the_same_uid(open_programme):
    key = f"ceremony-{open_programme.pk}"
    before = events_by_uid(build_calendar(open_programme))[key]
    held_at = open_programme.ceremony_at + timedelta(hours=5)
    Ceremony.objects.create(programme=open_programme, held_at=held_at, city="Астана",
                            venue="Дворец мира")

    after = events_by_uid(build_calendar(open_programme))[key]

    assert before.decoded("dtstart") == seconds(open_programme.ceremony_at)
    assert after.decoded("dtstart") == seconds(held_at)
    assert str(after["location"]) == "Дворец мира, Астана"


def test_times_carry_almaty_offset_on_both_sides_of_1_march_2024(open_programme):
    """10:00 in Almaty is 04:00 UTC in 2019 (+06:00) and 05:00 UTC in 2025 (+05:00)."""
    open_programme.intake_opens_at = datetime(2019, 3, 1, 4, 0, tzinfo=UTC)
    open_programme.ceremony_at = datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
    open_programme.save()
    content = build_calendar(open_programme)
    events = events_by_uid(content)

    opens = events[f"intake-opens-{open_programme.pk}"].decoded("dtstart")
    ceremony = events[f"ceremony-{open_programme.pk}"].decoded("dtstart")
    assert (opens.hour, opens.utcoffset()) == (10, timedelta(hours=6))
    assert (ceremony.hour, ceremony.utcoffset()) == (10, timedelta(hours=5))
    assert b"DTSTART;TZID=Asia/Almaty:20190301T100000" in content
    assert b"DTSTART;TZID=Asia/Almaty:20250301T100000" in content
    # The feed's own VTIMEZONE, as an app without a zone database reads it, agrees.
    zone = parse(content).walk("VTIMEZONE")[0].to_tz()
    assert zone.utcoffset(datetime(2019, 3, 1, 10)) == timedelta(hours=6)
    assert zone.utcoffset(datetime(2025, 3, 1, 10)) == timedelta(hours=5)


def test_an_extension_is_only_in_its_organisation_members_feeds(
        client, open_programme, two_organisations, make_user):
    first, first_extension = two_organisations["first"]
    second, second_extension = two_organisations["second"]
    outsider = make_user(email="outsider@example.kz")

    first_feed = events_by_uid(personal_feed(client, open_programme, first).content)
    second_feed = events_by_uid(personal_feed(client, open_programme, second).content)
    outsider_feed = events_by_uid(personal_feed(client, open_programme, outsider).content)
    public = public_feed(client, open_programme).content

    assert f"extension-{first_extension.pk}" in first_feed
    assert f"extension-{second_extension.pk}" not in first_feed
    assert f"extension-{second_extension.pk}" in second_feed
    assert f"extension-{first_extension.pk}" not in second_feed
    assert not [uid for uid in outsider_feed if uid.startswith("extension-")]
    assert b"extension-" not in public and "ОО «first»".encode() not in public
    assert (first_feed[f"extension-{first_extension.pk}"].decoded("dtstart")
            == seconds(first_extension.until))


def test_an_extension_before_the_deadline_is_not_shown(client, open_programme, make_user):
    member = make_user(email="member@example.kz")
    organisation = OrganisationFactory(members=[member])
    DeadlineExtension.objects.create(programme=open_programme, organisation=organisation,
                                     reason="-", until=open_programme.intake_closes_at)
    feed = events_by_uid(personal_feed(client, open_programme, member).content)
    assert not [uid for uid in feed if uid.startswith("extension-")]


def test_sittings_are_only_in_the_jurors_feeds(client, open_programme, make_user):
    juror = make_user(email="juror@example.kz")
    juror.groups.add(Group.objects.get(name="Jury"))
    JuryMember.objects.create(programme=open_programme, user=juror, affiliation="Independent")
    applicant = make_user(email="applicant@example.kz")
    sitting = Sitting.objects.create(programme=open_programme, subject="applications",
                                     starts_at=open_programme.scoring_closes_at,
                                     place="Зал заседаний")

    jurors = events_by_uid(personal_feed(client, open_programme, juror).content)
    applicants = events_by_uid(personal_feed(client, open_programme, applicant).content)

    assert str(jurors[f"sitting-{sitting.pk}"]["location"]) == "Зал заседаний"
    assert f"sitting-{sitting.pk}" not in applicants
    assert b"sitting-" not in public_feed(client, open_programme).content


def test_a_forged_or_altered_token_is_refused(client, open_programme, two_organisations):
    first, _extension = two_organisations["first"]
    second, _extension = two_organisations["second"]
    url = lambda token: reverse("calendar_personal", args=[open_programme.year, token])  # noqa: E731
    token = personal_token(first)
    payload, rest = token.split(":", 1)
    # The second member's payload under the first member's signature.
    other_payload = personal_token(second).split(":", 1)[0]

    assert client.get(url(token)).status_code == 200
    assert client.get(url(f"{other_payload}:{rest}")).status_code == 404
    assert client.get(url(token[:-2] + "xx")).status_code == 404
    assert client.get(url(signing.dumps({"user": second.pk}, salt="another"))).status_code == 404
    assert client.get(url(signing.dumps({"user": second.pk}, salt=TOKEN_SALT,
                                        key="not-the-secret-key"))).status_code == 404
    assert client.get(url("nonsense")).status_code == 404
    first.is_active = False
    first.save()
    assert client.get(url(token)).status_code == 404


def test_titles_follow_lang_and_the_token_user_language(client, open_programme, make_user):
    key = f"intake-closes-{open_programme.pk}"
    russian = events_by_uid(public_feed(client, open_programme, lang="ru").content)[key]
    kazakh = events_by_uid(public_feed(client, open_programme, lang="kk").content)[key]
    assert str(russian["summary"]) == "Приём заявок завершается: Премия 2031"
    assert str(kazakh["summary"]) == "Өтінімдер қабылдау аяқталады: Сыйлық 2031"

    kazakh_speaker = make_user(email="kk@example.kz", preferred_language="kk")
    own = events_by_uid(personal_feed(client, open_programme, kazakh_speaker).content)[key]
    asked = events_by_uid(personal_feed(client, open_programme, kazakh_speaker,
                                        lang="en").content)[key]
    assert str(own["summary"]) == "Өтінімдер қабылдау аяқталады: Сыйлық 2031"
    assert str(asked["summary"]) == "Applications close: Award 2031"


PORTAL = "https://ozgeris.example"


def test_the_pages_link_the_feeds_on_the_portal_whatever_the_host(client, open_programme,
                                                                  make_user, settings):
    """The addresses are PORTAL_URL's: a Host header the portal accepts (a wildcard, a proxy
    passing it on) is the client's word and never reaches a calendar address."""
    settings.PORTAL_URL = PORTAL
    settings.ALLOWED_HOSTS = ["*"]
    home = client.get(reverse("home"), HTTP_HOST="forged.example").content.decode()
    assert f"{PORTAL}/calendar/{open_programme.year}.ics?lang=ru" in home
    assert "webcal://ozgeris.example/calendar/" in home

    member = make_user(email="member@example.kz")
    client.force_login(member)
    dashboard = client.get(reverse("applications:dashboard"),
                           HTTP_HOST="forged.example").content.decode()
    personal = reverse("calendar_personal", args=[open_programme.year, personal_token(member)])
    assert f"{PORTAL}{personal}" in dashboard
    assert "forged.example" not in home + dashboard


def test_the_jury_panel_links_the_jurors_feed(client, open_programme, make_user, settings):
    settings.PORTAL_URL = PORTAL
    juror = make_user(email="juror@example.kz")
    juror.groups.add(Group.objects.get(name="Jury"))
    JuryMember.objects.create(programme=open_programme, user=juror, affiliation="Independent")
    client.force_login(juror)

    page = client.get(reverse("jury_panel:index")).content.decode()

    personal = reverse("calendar_personal", args=[open_programme.year, personal_token(juror)])
    assert f"{PORTAL}{personal}" in page


def test_a_person_revokes_their_feed_address(client, open_programme, make_user):
    member = make_user(email="member@example.kz", preferred_language="en")
    leaked = personal_token(member)
    url = lambda token: reverse("calendar_personal", args=[open_programme.year, token])  # noqa: E731
    client.force_login(member)
    dashboard = reverse("applications:dashboard")
    page = client.get(dashboard, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revoke this address" in page

    answer = client.post(reverse("calendar_revoke"), {"next": dashboard}, follow=True,
                         HTTP_ACCEPT_LANGUAGE="en")

    assert answer.redirect_chain == [(dashboard, 302)]
    assert "Your old calendar address no longer works" in answer.content.decode()
    member.refresh_from_db()
    fresh = personal_token(member)
    assert fresh != leaked and url(fresh) in answer.content.decode()
    client.logout()
    assert client.get(url(leaked)).status_code == 404
    assert client.get(url(fresh)).status_code == 200


def test_an_address_from_before_revocation_existed_works_until_revoked(client, open_programme,
                                                                      make_user):
    member = make_user(email="member@example.kz")
    first = signing.dumps({"user": member.pk}, salt=TOKEN_SALT)  # as addresses were made
    url = reverse("calendar_personal", args=[open_programme.year, first])
    assert client.get(url).status_code == 200

    calendars.revoke_personal_feeds(member)

    assert client.get(url).status_code == 404


def test_revoking_goes_back_only_to_a_page_of_the_portal(client, make_user):
    client.force_login(make_user(email="member@example.kz"))
    answer = client.post(reverse("calendar_revoke"), {"next": "https://evil.example/"})
    assert answer["Location"] == reverse("applications:dashboard")  # shows the new address


@pytest.mark.django_db
def test_a_shared_cache_keeps_only_a_feed_whose_address_names_its_language(client,
                                                                          open_programme):
    assert public_feed(client, open_programme, lang="kk")["Cache-Control"].startswith("public")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    assert public_feed(client, open_programme)["Cache-Control"].startswith("private")


def test_a_feed_whose_lang_is_not_a_portal_language_is_not_publicly_cacheable(client,
                                                                               open_programme):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    r = client.get(reverse("calendar_public", args=[open_programme.year]) + "?lang=zz")
    assert r["Content-Language"] == "kk"
    assert not r["Cache-Control"].startswith("public")
    assert {"Cookie", "Accept-Language"} <= {name.strip() for name in r["Vary"].split(",")}


def test_a_feed_whose_lang_is_a_portal_language_is_public_whatever_the_cookie(client,
                                                                               open_programme):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    r = public_feed(client, open_programme, lang="en")
    assert (r["Content-Language"], r["Cache-Control"]) == ("en", "public, max-age=900")


def test_a_personal_feed_is_private_even_with_a_portal_language(client, open_programme,
                                                                 make_user):
    r = personal_feed(client, open_programme, make_user(email="m@example.kz"), lang="kk")
    assert (r["Content-Language"], r["Cache-Control"]) == ("kk", "private, max-age=300")
