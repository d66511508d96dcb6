"""The public vote's part of the live edition to try (``ozgeris.demo.live``).

* Voting phase: the vote is open (the stage dates say so) and a few demo voters have voted
  through ``cast_vote`` while it is, so the staff's vote page has figures; the demo voter's
  own account has not voted, so a newcomer can.
* Results phase: the head digest is published, the results are released by the demo staff
  account and the finalists with the most votes in each nomination are declared its winners
  (``results.top_per_nomination``, the staff's rule: a tie at the top declares everyone tied).

A second run adds nothing: voters who voted keep their receipt, a release is not repeated.
"""

import random

from allauth.account.models import EmailAddress

from applications.models import Application
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import User

from ..models import Vote, VoterLink
from ..results import declare_winners, release_results, top_per_nomination
from ..services import cast_vote, settings_for

VOTERS = 24
VOTER_DOMAIN = "demo.ozgeris.kz"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def run(*, programme, phase, log=print):
    if phase == "voting":
        cast = _votes(programme)
        log(f"vote {programme.year}: open, {cast} demo votes cast")
    elif phase == "results" and not settings_for(programme).results_released_at:
        staff = User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])
        release_results(programme=programme, by=staff)
        # The staff's own rule: the most counted votes in each nomination, everyone tied at
        # the top included.
        winners = top_per_nomination(programme, 1)
        declare_winners(programme=programme, by=staff, winners=winners)
        log(f"vote {programme.year}: results released, {len(winners)} winners declared")


def _voters(programme):
    """The live edition's demo voters: verified accounts with no usable password, named by
    letters (a numbered series is what the fraud checks flag), the same on every run."""
    rng = random.Random(programme.year)
    users = []
    for _number in range(VOTERS):
        handle = "".join(rng.choice(LETTERS) for _ in range(8))
        language = rng.choice(["ru", "ru", "kk"])
        email = f"live-{handle}@{VOTER_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, preferred_language=language)
            user.set_unusable_password()
            user.save()
        EmailAddress.objects.get_or_create(user=user, email=email,
                                           defaults={"verified": True, "primary": True})
        users.append(user)
    return users


def _votes(programme):
    """One vote per demo voter who has not voted, spread unevenly over the finalists."""
    finalists = list(Application.objects.finalists(programme).order_by("nomination__order",
                                                                       "organisation__name"))
    if not finalists:
        return 0
    before = Vote.objects.filter(programme=programme).count()
    rng = random.Random(programme.year)
    weights = [rng.randint(1, 6) for _ in finalists]
    voted = set(VoterLink.objects.filter(programme=programme).values_list("voter_id", flat=True))
    for voter in _voters(programme):
        finalist = rng.choices(finalists, weights=weights)[0]
        if voter.pk not in voted:
            cast_vote(voter=voter, finalist=finalist)
    return Vote.objects.filter(programme=programme).count() - before
