"""The 2019 outreach as ``seed_demo`` records it: the report's figures come out of what was
recorded (a roster entry per participant, a snapshot per reach figure), through the
registered indicator and table sources; a second run changes nothing."""

import pytest

from applications.models import Application, Status
from events.demo import seed as events_seed
from events.models import (
    ChannelSnapshot,
    Contract,
    ContractTerms,
    FaqEntry,
    InfoMeeting,
    Letter,
    LetterAnswer,
    PartnerMeeting,
    Publication,
    RosterEntry,
    Video,
)
from events.validators import iban_checksum_ok
from ozgeris.registries import copy_steps, indicator_sources, table_sources

pytestmark = pytest.mark.django_db

PER_CITY = {"Нур-Султан": 15, "Атырау": 36, "Тараз": 27, "Кызылорда": 18,
            "Усть-Каменогорск": 29, "Шымкент": 15, "Алматы": 15}


def indicator(name, programme):
    return indicator_sources.get(name)(programme)


def test_seven_meetings_with_the_reports_participants_per_city(demo_programme):
    meetings = InfoMeeting.objects.filter(programme=demo_programme)

    assert meetings.count() == 7
    assert {m.city: m.roster.count() for m in meetings} == PER_CITY
    assert indicator("events.participants", demo_programme) == 155
    assert indicator("events.info_meetings", demo_programme) == 7
    assert indicator("events.meeting_cities", demo_programme) == 7


def test_the_participants_table_counts_per_city(demo_programme):
    columns, rows = table_sources.get("events.participants_by_city")(demo_programme)

    assert len(columns) == 4
    assert {row[0]: row[3] for row in rows} == PER_CITY


def test_counted_evidence_gives_the_photos_and_testimonials(demo_programme):
    # 72 photos of the meetings and 100 of the ceremony; 6 testimonials at the meetings.
    assert indicator("events.photos", demo_programme) == 172
    assert indicator("events.meeting_photos", demo_programme) == 72
    assert indicator("events.ceremony_photos", demo_programme) == 100
    assert indicator("events.testimonials", demo_programme) == 6


def test_the_letters_their_answers_and_references(demo_programme):
    letters = Letter.objects.filter(programme=demo_programme)
    answers = LetterAnswer.objects.filter(letter__programme=demo_programme)

    assert letters.count() == 22
    assert letters.filter(recipient_kind="ministry").count() == 3
    assert letters.filter(recipient_kind="akimat").count() == 17
    assert answers.filter(kind="phone_call").count() == 5
    assert answers.exclude(reference="").count() == 5
    # Akimat of Nur-Sultan both noted the letter (with its reference) and phoned back.
    astana = letters.get(recipient="Акимат города Нур-Султан")
    assert sorted(astana.answers.values_list("kind", flat=True)) == ["noted", "phone_call"]
    assert indicator("events.letters_answered", demo_programme) == 22


def test_partner_meetings_publications_videos_and_channels(demo_programme):
    assert PartnerMeeting.objects.filter(programme=demo_programme).count() == 10
    ministry = PartnerMeeting.objects.get(programme=demo_programme,
                                          title="Министерство информации и общественного развития")
    assert (str(ministry.first_date), str(ministry.last_date)) == ("2019-09-02", "2019-09-06")
    assert ministry.agreements.count() == 5
    assert indicator("events.press_items", demo_programme) == 15
    assert Publication.objects.filter(programme=demo_programme, subject="vote").count() == 11
    promo = Video.objects.get(programme=demo_programme, title="Творцы перемен")
    latest = promo.reach.latest()
    assert (latest.views, latest.interactions, latest.shares, latest.comments, latest.likes) == (
        3789, 606, 40, 11, 33)
    assert indicator("events.voting_videos", demo_programme) == 30  # 19 + 10 + the promo
    assert indicator("events.promo_videos", demo_programme) == 2
    assert indicator("events.videos", demo_programme) == 32
    # 13 distinct links about the meetings (the report says 11 posts and lists 17 links).
    assert indicator("events.meeting_posts", demo_programme) == 13
    assert indicator("events.followers", demo_programme) == 444 + 209
    assert ChannelSnapshot.objects.filter(programme=demo_programme,
                                          page_reach=95010).exists()


def test_the_ceremony_guests_feedback_and_press_release(demo_programme):
    assert indicator("events.ceremony_guests", demo_programme) == 200
    # One press release, in Russian and Kazakh: a count, not a yes/no.
    assert indicator("events.press_releases", demo_programme) == 1
    assert indicator("events.guest_testimonials", demo_programme) == 5
    assert indicator("events.guest_list", demo_programme) == {"exists": True,
                                                              "evidence": "Приложение №5"}
    assert indicator("events.meeting_programme", demo_programme)["exists"] is True
    assert indicator("events.promo_script", demo_programme)["exists"] is True
    assert indicator("events.ceremony_script", demo_programme) == {
        "exists": True, "evidence": "Приложение №5 к отчёту 2019 (строка 451)"}


def test_a_contract_of_500000_tenge_for_every_winner(demo_programme):
    winners = Application.objects.filter(programme=demo_programme, status=Status.WINNER)
    contracts = Contract.objects.filter(programme=demo_programme)

    assert sorted(contracts.values_list("application_id", flat=True)) == sorted(
        winners.values_list("pk", flat=True))
    assert set(contracts.values_list("amount", flat=True)) <= {500_000}
    assert indicator("events.contracts_total", demo_programme) == 500_000 * winners.count()
    assert all(iban_checksum_ok(iik) for iik in contracts.values_list("iik", flat=True))
    # Certificates: every winner and the three supporting-organisation laureates.
    assert indicator("events.certificates", demo_programme) == winners.count() + 3


def test_the_2019_vote_declared_fifteen_winners_and_they_have_contracts(demo_programme):
    if not Application.objects.filter(programme=demo_programme, status=Status.WINNER).exists():
        pytest.skip("the voting demo step declares no winners yet")
    assert indicator("events.contracts", demo_programme) == 15
    assert indicator("events.contracts_total", demo_programme) == 7_500_000


def test_the_2019_prizes_are_recorded_as_paid(demo_programme):
    contracts = Contract.objects.filter(programme=demo_programme)

    assert contracts.count() == 15
    assert set(contracts.values_list("payment", flat=True)) == {Contract.Payment.PAID}
    assert all(contract.paid_on for contract in contracts)
    assert indicator("events.prizes_paid", demo_programme) == 7_500_000


def test_the_demos_placeholders_are_not_named_demo(demo_programme):
    """Roster, guests, fair videos and bank details reach the report's appendices."""
    names = [*RosterEntry.objects.filter(meeting__programme=demo_programme)
             .values_list("name", flat=True),
             *Video.objects.filter(programme=demo_programme).values_list("title", flat=True),
             *Contract.objects.filter(programme=demo_programme)
             .values_list("bank_name", flat=True)]

    assert names and not [name for name in names if "демо" in name.lower()]


def test_a_second_run_changes_nothing(demo_programme):
    counts = [model.objects.count() for model in (RosterEntry, Letter, Publication, Video,
                                                  Contract, FaqEntry)]

    events_seed.seed(log=lambda message: None)

    assert [model.objects.count() for model in (RosterEntry, Letter, Publication, Video,
                                                Contract, FaqEntry)] == counts


def test_the_events_step_resets_and_comes_back(demo_programme):
    events_seed.reset(log=lambda message: None)
    assert not InfoMeeting.objects.filter(programme=demo_programme).exists()
    assert not Contract.objects.filter(programme=demo_programme).exists()

    events_seed.seed(log=lambda message: None)

    assert RosterEntry.objects.filter(meeting__programme=demo_programme).count() == 155
    assert Letter.objects.filter(programme=demo_programme).count() == 22
    assert FaqEntry.objects.filter(programme=demo_programme).count() == 6


def test_the_copy_step_carries_the_contract_terms_and_the_faq(demo_programme, open_programme):
    copy_steps.get("events").run(source=demo_programme, target=open_programme)

    terms = ContractTerms.objects.get(programme=open_programme)
    assert terms.amount == 500_000
    assert FaqEntry.objects.filter(programme=open_programme).count() == 6
