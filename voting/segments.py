"""The vote's mail segment (ozgeris.segment_mail): the winners, the members of the organisations
declared winners after the vote."""

from django.utils.translation import gettext_lazy as _

from applications.models import Application, Status
from applications.segments import members_of
from ozgeris import registries
from ozgeris.links import portal_link


def winners(programme):
    """The winners' people: ``{deadline}`` is the ceremony, ``{link}`` their contracts page."""
    return members_of(
        Application.objects.filter(programme=programme, status=Status.WINNER),
        deadline=lambda programme: programme.ceremony_at,
        link=lambda application: portal_link("events:contracts"))


def register():
    registries.register_mail_segment("voting.winners", _("Winners"), winners, order=50)
