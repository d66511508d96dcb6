"""The public vote's window and who may still move it: the rule every page that writes a
programme's vote dates asks (the programme's admin, the ballot rule's admin)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .models import Programme


@dataclass(frozen=True)
class StoredVoteWindow:
    """A programme's vote window as stored, with the database's clock read in the same query:
    the clock by which a vote is open or closed (voting.services and its trigger).

    The rule of who may move it, whoever writes it through the portal: once the vote has
    opened its opening is fixed (moving it into the future and back would let staff change
    the ballot's rule, fixed from the opening, mid-vote); once the close has passed the close
    is fixed too (moving it later would open the vote again, after its head digest may be
    published). While the vote runs its close may move, to a later or an earlier moment, but
    never before now: every vote already cast stays inside the window. (A published head
    needs no test of its own: the head is published only once the close has passed, which is
    then fixed; a vote is refused once the head is published whatever the window says.) The
    demo's phase moves set the stages through the ORM and are not bound by this rule."""

    opens_at: datetime
    closes_at: datetime
    now: datetime

    @classmethod
    def of(cls, programme):
        """The stored window of ``programme`` (a saved one), or None for a new programme."""
        if programme is None or programme.pk is None:
            return None
        found = (Programme.objects.filter(pk=programme.pk).annotate(db_now=Now())
                 .values_list("voting_opens_at", "voting_closes_at", "db_now").first())
        return cls(*found) if found else None

    @property
    def opened(self):
        return self.opens_at <= self.now

    @property
    def closed(self):
        return self.closes_at <= self.now

    def fixed_fields(self):
        """The window's fields no one may change any more."""
        return [name for name, fixed in (("voting_opens_at", self.opened),
                                         ("voting_closes_at", self.closed)) if fixed]

    def refusals(self, *, opens_at, closes_at):
        """{field: why it may not take its new value} for a change to ``opens_at`` and
        ``closes_at``; empty when the change is allowed."""
        refused = {}
        if self.opened and opens_at != self.opens_at:
            refused["voting_opens_at"] = _("The public vote has opened: its opening can no "
                                           "longer be moved.")
        if self.closed and closes_at != self.closes_at:
            refused["voting_closes_at"] = _("The public vote has closed: its close can no "
                                            "longer be moved.")
        elif self.opened and closes_at != self.closes_at and closes_at <= self.now:
            refused["voting_closes_at"] = _("The public vote is under way: its close can only "
                                            "be moved to a moment still to come.")
        return refused


def vote_window_fixed(programme):
    """The fields of ``programme``'s vote window that no one may change any more (see
    ``StoredVoteWindow``): what every admin page that depends on the window asks."""
    window = StoredVoteWindow.of(programme)
    return window.fixed_fields() if window else []
