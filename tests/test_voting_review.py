"""The fraud checks flag votes for review; they never delete or uncount one by themselves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ozgeris.models import User
from voting import results, review, services
from voting.models import FlagRule, ReviewStatus, VoteFlag, VoteReview, VoteStatusChange
from voting.tasks import flag_suspicious_votes


def _vote(make_user, finalist, email, *, ip="203.0.113.7", joined_ago=None):
    person = make_user(email=email)
    if joined_ago is not None:
        User.objects.filter(pk=person.pk).update(date_joined=timezone.now() - joined_ago)
        person.refresh_from_db()
    return services.cast_vote(voter=person, finalist=finalist, client_ip=ip)


def _flags(rule):
    return VoteFlag.objects.filter(rule=rule, vote__programme__year=2031).count()


@pytest.mark.django_db
def test_many_votes_from_one_address_go_under_review_not_out_of_the_tally(
        make_user, finalists, settings):
    settings.VOTE_FLAG_ADDRESS_MAX = 3
    for i in range(4):
        _vote(make_user, finalists[0], f"office{i}@example.kz", joined_ago=timedelta(days=90))
    _vote(make_user, finalists[0], "home@example.kz", ip="198.51.100.1",
          joined_ago=timedelta(days=90))

    assert review.flag_suspicious(finalists[0].programme) == 4
    assert _flags(FlagRule.SAME_ADDRESS) == 4
    assert set(VoteReview.objects.values_list("status", flat=True)) == {ReviewStatus.UNDER_REVIEW}
    assert results.tally(finalists[0].programme, fresh=True) == {finalists[0].pk: 5}
    assert VoteStatusChange.objects.filter(by__isnull=True).count() == 4


@pytest.mark.django_db
def test_a_second_run_keeps_a_reviewers_decision(make_user, finalists, settings, staff):
    settings.VOTE_FLAG_ADDRESS_MAX = 1
    for i in range(2):
        _vote(make_user, finalists[1], f"pair{i}@example.kz", joined_ago=timedelta(days=90))
    review.flag_suspicious(finalists[1].programme)
    cleared = VoteReview.objects.first()
    review.set_review_status(vote=cleared.vote, status=ReviewStatus.COUNTED, by=staff,
                             reason="a family at one address")

    assert review.flag_suspicious(finalists[1].programme) == 0
    cleared.refresh_from_db()
    assert cleared.status == ReviewStatus.COUNTED


@pytest.mark.django_db
def test_one_subnet_is_caught_even_across_addresses(make_user, finalists, settings):
    settings.VOTE_FLAG_SUBNET_MAX = 2
    for i in range(3):
        _vote(make_user, finalists[0], f"net{i}@example.kz", ip=f"192.0.2.{10 + i}",
              joined_ago=timedelta(days=90))

    review.flag_suspicious(finalists[0].programme)
    assert _flags(FlagRule.SAME_SUBNET) == 3
    assert _flags(FlagRule.SAME_ADDRESS) == 0


@pytest.mark.django_db
def test_accounts_made_during_the_vote_that_vote_at_once_are_flagged(make_user, finalists):
    _vote(make_user, finalists[0], "quick@example.kz", ip=None)  # joined just now
    _vote(make_user, finalists[0], "veteran@example.kz", ip=None, joined_ago=timedelta(days=90))

    review.flag_suspicious(finalists[0].programme)
    flagged = VoteFlag.objects.filter(rule=FlagRule.FRESH_ACCOUNT).values_list(
        "vote__link__voter__email", flat=True)
    assert list(flagged) == ["quick@example.kz"]


@pytest.mark.django_db
def test_near_identical_email_addresses_are_flagged(make_user, finalists, settings):
    settings.VOTE_FLAG_FRESH_ACCOUNT_SECONDS = 0
    for email in ("ivan1@mail.kz", "ivan.2@mail.kz", "ivan_3@mail.kz", "olga@mail.kz"):
        _vote(make_user, finalists[2], email, ip=None, joined_ago=timedelta(minutes=30))

    review.flag_suspicious(finalists[2].programme)
    flagged = set(VoteFlag.objects.filter(rule=FlagRule.SIMILAR_EMAILS).values_list(
        "vote__link__voter__email", flat=True))
    assert flagged == {"ivan1@mail.kz", "ivan.2@mail.kz", "ivan_3@mail.kz"}


@pytest.mark.django_db
def test_a_burst_for_one_finalist_against_its_own_baseline(make_user, finalists, settings):
    settings.VOTE_FLAG_BURST_MIN = 5
    settings.VOTE_FLAG_BURST_FACTOR = 2
    settings.VOTE_FLAG_BURST_WINDOW = 60
    for i in range(6):
        _vote(make_user, finalists[0], f"fan{i}@example.kz", ip=None,
              joined_ago=timedelta(days=90))
    _vote(make_user, finalists[1], "calm@example.kz", ip=None, joined_ago=timedelta(days=90))

    review.flag_suspicious(finalists[0].programme)
    assert _flags(FlagRule.FINALIST_BURST) == 6


@pytest.mark.django_db
def test_the_periodic_task_checks_open_votes(make_user, finalists, settings):
    settings.VOTE_FLAG_ADDRESS_MAX = 1
    for i in range(2):
        _vote(make_user, finalists[0], f"task{i}@example.kz", joined_ago=timedelta(days=90))

    assert flag_suspicious_votes() == 2
    assert flag_suspicious_votes() == 0


@pytest.mark.django_db
def test_the_demo_vote_has_no_flag(demo_programme):
    assert review.find_suspicious(demo_programme) == {}


@pytest.mark.django_db
def test_staff_decide_in_the_admin_through_the_service(client, make_user, finalists, settings,
                                                       staff):
    settings.VOTE_FLAG_ADDRESS_MAX = 1
    for i in range(2):
        _vote(make_user, finalists[0], f"adm{i}@example.kz", joined_ago=timedelta(days=90))
    review.flag_suspicious(finalists[0].programme)
    flagged = VoteReview.objects.first()
    staff.preferred_language = "en"  # a signed-in person's pages speak their language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    url = f"/admin/voting/votereview/{flagged.pk}/change/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "many votes from one address" in page
    # The moment of the vote as the changelist writes it, in Almaty time, not str() in UTC.
    cast_at = timezone.localtime(flagged.vote.cast_at)
    assert f"{cast_at:%H:%M}" in page and "+00:00" not in page
    assert ">Decision:</label>" in page

    client.post(url, {"status": "invalidated", "reason": "one person, many accounts"})

    flagged.refresh_from_db()
    assert flagged.status == ReviewStatus.INVALIDATED
    assert VoteStatusChange.objects.filter(vote=flagged.vote, by=staff).exists()
    assert results.tally(finalists[0].programme, fresh=True) == {finalists[0].pk: 1}


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_keeps_the_review_history_insert_only(make_user, finalists, staff):
    from django.db import DatabaseError, transaction

    _vote(make_user, finalists[0], "hist@example.kz", joined_ago=timedelta(days=90))
    vote = finalists[0].programme.votes.get()
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff, reason="x")

    with pytest.raises(DatabaseError), transaction.atomic():
        VoteStatusChange.objects.filter(vote=vote).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        VoteStatusChange.objects.filter(vote=vote).delete()


@pytest.mark.django_db
def test_a_reviewers_account_cannot_be_deleted_from_under_the_history(make_user, finalists,
                                                                       staff):
    """The history keeps who decided; deleting the account (the admin's delete) is refused
    with Django's "protected" answer rather than an UPDATE the insert-only history refuses.
    Closing an account anonymises it instead (ozgeris.services.delete_account)."""
    from django.db.models import ProtectedError

    _vote(make_user, finalists[0], "who@example.kz", joined_ago=timedelta(days=90))
    vote = finalists[0].programme.votes.get()
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff, reason="x")

    with pytest.raises(ProtectedError):
        staff.delete()
    assert VoteStatusChange.objects.get(vote=vote).by == staff
