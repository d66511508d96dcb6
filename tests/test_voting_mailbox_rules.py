"""One mailbox, one vote across a change of the canonical form's rules (migration ozgeris
0013): a vote cast before it is linked to the hash of the mailbox's earlier form, and a voter
who deleted their account since, then signed up again with the same address, finds it."""

import pytest
from django.urls import reverse

from ozgeris.emails import canonical_email, canonical_email_before_2026_12
from ozgeris.services import delete_account
from voting import services
from voting.mailbox import mailbox_hash
from voting.models import Vote, VoterLink

ADDRESS = "ivan.petrov@yandex.kz"  # "ivan-petrov@yandex.ru" now, itself before


def _cast_before_the_change(voter, finalist):
    """A vote as the rules before 0013 linked it."""
    services.cast_vote(voter=voter, finalist=finalist)
    link = VoterLink.objects.get(voter=voter)
    VoterLink.objects.filter(pk=link.pk).update(mailbox=mailbox_hash(
        voter.email, link.programme_id, link.scope, form=canonical_email_before_2026_12))
    return link


def test_the_address_folds_differently_now():
    assert canonical_email(ADDRESS) != canonical_email_before_2026_12(ADDRESS)


@pytest.mark.django_db
def test_a_deleted_voter_signing_up_again_does_not_vote_twice(
        client, make_user, finalists, english):
    first = make_user(email=ADDRESS)
    _cast_before_the_change(first, finalists[0])
    delete_account(user=first)

    again = make_user(email=ADDRESS)
    with pytest.raises(services.VotingError, match="already been counted"):
        services.cast_vote(voter=again, finalist=finalists[1])
    client.force_login(again)
    client.post(reverse("voting:vote", args=[finalists[1].pk]))

    assert Vote.objects.filter(programme=finalists[0].programme).count() == 1


@pytest.mark.django_db
def test_the_voter_who_kept_the_account_gets_their_receipt_again(make_user, finalists):
    voter = make_user(email=ADDRESS)
    link = _cast_before_the_change(voter, finalists[0])

    ballot = services.cast_vote(voter=voter, finalist=finalists[1])

    assert ballot.already_voted
    assert Vote.objects.filter(programme=finalists[0].programme).count() == 1
    assert link.vote_id == VoterLink.objects.get(voter=voter).vote_id
