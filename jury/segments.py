"""The jury's mail segments (ozgeris.segment_mail): the jurors seated on a programme, and the
finalists the jury chose (the members of their organisations)."""

from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.segments import members_of
from ozgeris import registries
from ozgeris.links import portal_link
from ozgeris.segment_mail import user_recipient

from .models import JuryMember


def jurors(programme):
    """Every juror seated on ``programme``: ``{organisation}`` is the affiliation the protocol
    prints, ``{deadline}`` the end of scoring, ``{link}`` the jurors' panel. One query."""
    link = portal_link("jury_panel:index")
    return [user_recipient(seat.user, organisation=seat.affiliation,
                           deadline=programme.scoring_closes_at, link=link)
            for seat in JuryMember.objects.filter(programme=programme).select_related("user")]


def finalists(programme):
    """The finalists' people (winners included: a winner stays a finalist): ``{deadline}`` is
    the close of the public vote, ``{link}`` the finalist's public profile to keep up to date."""
    return members_of(
        Application.objects.finalists(programme),
        deadline=lambda programme: programme.voting_closes_at,
        link=lambda application: portal_link("applications:profile", args=[application.pk]))


def register():
    registries.register_mail_segment("jury.finalists", _("Finalists"), finalists, order=40)
    registries.register_mail_segment("jury.jurors", _("Jurors"), jurors, order=60)
