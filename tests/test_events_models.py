"""Outreach records: the rules the database and the model validation keep (bad input is
refused at the field, nothing half-saved)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from events.models import (
    Ceremony,
    ChannelSnapshot,
    Letter,
    LetterAnswer,
    PartnerMeeting,
    Publication,
    PublicationReach,
    Video,
    programme_period,
)
from events.validators import validate_bik, validate_iik, validate_kbe

pytestmark = pytest.mark.django_db


def test_the_2019_programme_period_runs_from_its_year_to_the_end_of_the_next(demo_programme):
    assert programme_period(demo_programme) == (datetime.date(2019, 1, 1),
                                                datetime.date(2020, 12, 31))


def test_a_meetings_city_is_in_the_active_language_else_in_russian(meeting):
    meeting.city_en = "Atyrau"

    with translation.override("en"):
        assert meeting.city_name == "Atyrau"
    with translation.override("kk"):
        assert meeting.city_name == "Атырау"


def test_a_meeting_dated_outside_the_programme_is_refused_at_the_field(meeting):
    meeting.held_on = datetime.date(2017, 5, 1)

    with pytest.raises(ValidationError) as error:
        meeting.full_clean()

    assert list(error.value.message_dict) == ["held_on"]


def test_an_answer_dated_outside_the_programme_is_refused(meeting):
    letter = Letter.objects.create(programme=meeting.programme, recipient="Акимат",
                                   recipient_kind=Letter.RecipientKind.AKIMAT)
    answer = LetterAnswer(letter=letter, kind=LetterAnswer.Kind.NOTED,
                          received_on=datetime.date(2030, 1, 1))

    with pytest.raises(ValidationError) as error:
        answer.full_clean()

    assert "received_on" in error.value.message_dict


@pytest.fixture(params=["publication", "video"])
def reach(request, demo_programme):
    """The reach snapshots of a new publication or of a new video (its related manager)."""
    if request.param == "publication":
        return Publication.objects.create(programme=demo_programme, title="Пост").reach
    return Video.objects.create(programme=demo_programme, title="Ролик",
                                kind=Video.Kind.PROMO).reach


def test_a_reach_snapshot_taken_outside_the_programme_is_refused(reach):
    snapshot = reach.create(taken_at=datetime.datetime(2019, 10, 1, tzinfo=datetime.UTC),
                            views=10)
    snapshot.full_clean()
    assert str(snapshot) == "01.10.2019 00:00"

    snapshot.taken_at = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as error:
        snapshot.full_clean()

    assert "taken_at" in error.value.message_dict


def test_a_subject_has_one_reach_snapshot_per_moment(reach):
    taken_at = datetime.datetime(2019, 10, 1, tzinfo=datetime.UTC)
    reach.create(taken_at=taken_at, views=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        reach.create(taken_at=taken_at, views=12)


def test_a_malformed_url_is_refused_at_the_field(demo_programme):
    publication = Publication(programme=demo_programme, kind=Publication.Kind.PRESS,
                              outlet="Kazinform", url="htp:/inform kz")

    with pytest.raises(ValidationError) as error:
        publication.full_clean()

    assert list(error.value.message_dict) == ["url"]


def test_a_negative_reach_figure_is_refused_by_the_form_and_the_database(demo_programme):
    publication = Publication.objects.create(programme=demo_programme,
                                             kind=Publication.Kind.PRESS, outlet="Zakon.kz")
    snapshot = PublicationReach(publication=publication, reach=-5)

    with pytest.raises(ValidationError) as error:
        snapshot.full_clean()
    assert "reach" in error.value.message_dict

    with pytest.raises(IntegrityError), transaction.atomic():
        snapshot.save()
    assert not PublicationReach.objects.filter(publication=publication).exists()


@pytest.fixture(params=["roster", "guests"])
def people(request, meeting):
    """A meeting's roster, or the 2019 ceremony's guest list: both keep a person's rules."""
    if request.param == "roster":
        return meeting.roster
    return Ceremony.objects.get(programme=meeting.programme).guests


def test_a_person_without_a_name_is_refused_by_the_database(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        people.create(name="")


def test_the_same_person_is_once_on_a_list(people):
    person = people.create(name="Асель Нурланова", organisation="ОФ «Шаңырақ»")
    assert str(person) == "Асель Нурланова"

    with pytest.raises(IntegrityError), transaction.atomic():
        people.create(name="Асель Нурланова", organisation="ОФ «Шаңырақ»")
    people.create(name="Асель Нурланова", organisation="Ellefun")


def test_partner_meeting_dates_must_be_in_order(demo_programme):
    meeting = PartnerMeeting(programme=demo_programme, title="Встреча",
                             first_date=datetime.date(2019, 9, 6),
                             last_date=datetime.date(2019, 9, 2))

    with pytest.raises(ValidationError):
        meeting.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_a_channel_snapshot_needs_a_figure(demo_programme):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelSnapshot.objects.create(programme=demo_programme, platform="instagram",
                                       taken_on=datetime.date(2019, 10, 4))


def test_letters_outgoing_numbers_are_unique_per_programme_when_given(demo_programme):
    Letter.objects.create(programme=demo_programme, recipient="А", recipient_kind="other")
    Letter.objects.create(programme=demo_programme, recipient="Б", recipient_kind="other")
    Letter.objects.create(programme=demo_programme, recipient="В", recipient_kind="other",
                          outgoing_number="№ 15")

    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(programme=demo_programme, recipient="Г",
                              recipient_kind="other", outgoing_number="№ 15")


@pytest.mark.parametrize("value", ["KZ86125KZT5004100100", "kz86 125K ZT50 0410 0100"])
def test_a_valid_iik_passes(value):
    validate_iik(value)


@pytest.mark.parametrize("value", ["KZ87125KZT5004100100", "KZ86125KZT500410010", "RU86125"])
def test_an_iik_with_wrong_check_digits_or_length_is_refused(value):
    with pytest.raises(ValidationError):
        validate_iik(value)


def test_bik_and_kbe_formats():
    validate_bik("HSBKKZKX")
    validate_kbe("18")
    with pytest.raises(ValidationError):
        validate_bik("HSBK")
    with pytest.raises(ValidationError):
        validate_kbe("30")
