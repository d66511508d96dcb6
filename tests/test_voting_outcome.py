"""After the vote: the head digest, the release of the results, the winners, the ledger page,
the laureates archive and the staff's page of the vote."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from applications.models import Status
from ozgeris.models import AuditEvent
from tests.factories import ApplicationFactory, as_table_owner, close_vote
from voting import results, review, services
from voting.models import ReviewStatus, VoteStatusChange, VotingSettings


@pytest.mark.django_db
def test_results_are_not_found_until_staff_release_them(client, finalists, cast, staff):
    cast(finalists[0], 2)
    cast(finalists[1])
    url = reverse("voting:results", args=[2031])
    assert client.get(url).status_code == 404

    with pytest.raises(services.VotingError):  # not before the vote has closed
        results.release_results(programme=finalists[0].programme, by=staff)
    close_vote(finalists[0].programme)
    results.release_results(programme=finalists[0].programme, by=staff)

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    outcome = page.context["results"]
    assert [(row.application, row.votes) for row in outcome.rows[:2]] == [
        (finalists[0], 2), (finalists[1], 1)]
    assert outcome.invalidated == 0
    assert "<svg" in page.content.decode()
    assert AuditEvent.objects.filter(action="vote.results_released").exists()
    assert url in client.get(reverse("voting:finalists")).content.decode()


@pytest.mark.django_db
def test_the_head_digest_is_published_at_the_close_and_verify_ledger_checks_it(
        finalists, cast, staff):
    cast(finalists[0], 3)
    programme = finalists[0].programme
    with pytest.raises(services.VotingError):
        results.publish_head(programme)
    close_vote(programme)
    published = results.publish_head(programme)

    assert published.head_sequence == 3 and len(published.head_digest) == 64
    out = io.StringIO()
    call_command("verify_ledger", "--programme", "2031", stdout=out)
    assert published.head_digest in out.getvalue()
    # As the table's owner: the head is fixed otherwise.
    as_table_owner("voting_votingsettings.voting_votingsettings_head_fixed")
    VotingSettings.objects.filter(pk=published.pk).update(head_digest="0" * 64)
    with pytest.raises(Exception, match="published at the close"):
        call_command("verify_ledger", "--programme", "2031", stdout=io.StringIO())


@pytest.mark.django_db
def test_winners_are_declared_through_the_status_service_after_the_release(
        finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    close_vote(programme)
    with translation.override("en"), pytest.raises(services.VotingError, match="Release"):
        results.declare_winners(programme=programme, by=staff, winners=[finalists[0]])
    results.release_results(programme=programme, by=staff)

    assert results.top_per_nomination(programme, 1) == [finalists[0]]
    results.declare_winners(programme=programme, by=staff, winners=[finalists[0]])

    finalists[0].refresh_from_db()
    assert finalists[0].status == Status.WINNER
    assert AuditEvent.objects.filter(action="application.status", object_id=str(finalists[0].pk),
                                     details__to=Status.WINNER).exists()
    not_a_finalist = ApplicationFactory(programme=programme, status="eligible")
    with pytest.raises(services.VotingError):
        results.declare_winners(programme=programme, by=staff, winners=[not_a_finalist])


@pytest.mark.django_db
def test_an_invalidated_vote_leaves_the_tally_and_comes_back_when_restored(
        finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    vote = programme.votes.first()

    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="bought votes")
    assert results.tally(programme, fresh=True) == {finalists[0].pk: 1}
    assert results.results(programme, fresh=True).invalidated == 1
    review.set_review_status(vote=vote, status=ReviewStatus.COUNTED, by=staff,
                             reason="cleared on appeal")

    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2}
    history = list(VoteStatusChange.objects.filter(vote=vote).values_list("previous", "status"))
    assert history == [("counted", "invalidated"), ("invalidated", "counted")]
    with pytest.raises(services.VotingError):  # a decision needs its reason
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason=" ")


@pytest.mark.django_db
def test_one_vote_per_nomination_when_the_programme_allows_it(vote_programme, voter):
    VotingSettings.objects.create(programme=vote_programme, one_vote_per_nomination=True)
    education = [ApplicationFactory(programme=vote_programme, status="finalist",
                                    nomination=vote_programme.nominations.get(code="education"))
                 for _ in range(2)]
    health = ApplicationFactory(programme=vote_programme, status="finalist",
                                nomination=vote_programme.nominations.get(code="health"))

    first = services.cast_vote(voter=voter, finalist=education[0])
    again = services.cast_vote(voter=voter, finalist=education[1])
    other = services.cast_vote(voter=voter, finalist=health)

    assert again.already_voted and again.receipt == first.receipt
    assert not other.already_voted
    assert vote_programme.votes.count() == 2


@pytest.mark.django_db
def test_the_public_ledger_shows_leaves_and_never_a_choice(client, finalists, cast):
    cast(finalists[0], 2)
    page = client.get(reverse("voting:ledger", args=[2031]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()

    assert page.status_code == 200
    for entry in finalists[0].programme.votes.values_list("ledger_entry__leaf", flat=True):
        assert entry in html
    assert finalists[0].organisation.name not in html
    assert "published when the public vote closes" in html


@pytest.mark.django_db
def test_a_receipt_of_an_invalidated_vote_says_so(client, finalists, cast, staff):
    ballot = cast(finalists[0])[0]
    vote = finalists[0].programme.votes.get()
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff, reason="bot")

    html = client.get(reverse("voting:receipt"), {"code": ballot.receipt},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "invalidated" in html
    assert finalists[0].organisation.name not in html


@pytest.mark.django_db
def test_laureates_show_winners_and_finalists_after_the_release(client, finalists, cast, staff):
    programme = finalists[0].programme
    url = reverse("laureates", args=[2031])
    assert client.get(url).status_code == 404
    cast(finalists[1])
    close_vote(programme)
    results.release_results(programme=programme, by=staff)
    results.declare_winners(programme=programme, by=staff, winners=[finalists[1]])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["winners"] == [finalists[1]]
    assert set(page.context["finalists"]) == {finalists[0], finalists[2]}


@pytest.mark.django_db
def test_the_staff_page_of_the_vote_is_for_staff_only(client, finalists, cast, staff, voter):
    url = reverse("voting:dashboard", args=[2031])
    assert client.get(url).status_code == 302
    client.force_login(voter)
    assert client.get(url).status_code == 403
    assert client.post(reverse("voting:release", args=[2031])).status_code == 403

    client.force_login(staff)
    cast(finalists[0], 2)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.content.decode().count("<svg") == 5


@pytest.mark.django_db
def test_staff_release_and_declare_from_their_page(client, finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[2], 2)
    close_vote(programme)
    client.force_login(staff)

    client.post(reverse("voting:release", args=[2031]))
    page = client.get(reverse("voting:dashboard", args=[2031]) + "?top=1")
    assert page.context["form"].initial["winners"] == [finalists[2].pk]
    client.post(reverse("voting:declare", args=[2031]), {"winners": [finalists[2].pk]})

    finalists[2].refresh_from_db()
    assert finalists[2].status == Status.WINNER
    assert VotingSettings.objects.get(programme=programme).results_released_at
