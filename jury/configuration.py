"""The jury's configuration as programme staff edit it in the admin: the seats, the criteria and
the jury settings, and what of them is fixed once the jury has started.

A seat stays its person's on its programme (``seat_juror``): pointed at another account it
would hand the juror's sheets to someone else, or let a juror shed their declared conflicts.

Once a score sheet exists on a programme, its totals and ranks (``jury.results``) rest on the
criteria's weights: changing a weight, or adding, moving or deleting a criterion, would rewrite
them, also after the cut. Once scoring has started (it has opened, or a sheet exists) the blind
rule and the ranking are fixed: a member of staff who also sits on the jury could otherwise lift
blind scoring for themselves, read the others' scores and set it back.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit
from ozgeris.models import Programme
from ozgeris.permissions import JURY_GROUP

from .models import Criterion, JuryMember, JurySettings, ScoreSheet
from .services import JuryError

#: The settings fixed once scoring has started.
FIXED_SETTINGS = ("others_scores_visible", "ranking")
#: What of a criterion the totals rest on, fixed once a sheet exists; titles, code, order and
#: the scale's labels stay editable.
FIXED_CRITERION = ("programme", "weight")


@transaction.atomic
def seat_juror(*, member, by):
    """Save a jury seat. A new seat gives its person the jury role, so they can enter /jury/.
    A seat stays its person's on its programme: pointed at another account it would hand
    the juror's sheets to someone else, or let a juror shed their declared conflicts (to
    replace a juror, seat the new person). Its role, affiliation, domain and order change.
    Side effects: the seat, the Jury group membership of a new seat, an audit entry."""
    from django.contrib.auth.models import Group

    if member.pk is None:
        member.save()
        member.user.groups.add(Group.objects.get(name=JURY_GROUP))
        audit.record(by, "jury.member_seated", member.programme, juror=member.user_id,
                     role=member.role)
        return member
    stored = JuryMember.objects.select_for_update().get(pk=member.pk)
    if (stored.user_id, stored.programme_id) != (member.user_id, member.programme_id):
        raise JuryError(seat_fixed_note())
    changes = {name: [getattr(stored, name), getattr(member, name)]
               for name in ("role", "affiliation", "email_domain", "order")
               if getattr(stored, name) != getattr(member, name)}
    member.save()
    if changes:
        audit.record(by, "jury.member_changed", member.programme, juror=member.user_id,
                     changes=changes)
    return member


def seat_fixed_note():
    return _("A jury seat stays with its person and programme: to replace a juror, seat the "
             "new person.")


def seat_deletion_refusal(member):
    """Why ``member``'s seat may not be deleted, or "": a seat that has taken part (score
    sheets, declared or found conflicts, votes for supporting nominees, attendance at a
    sitting) is part of the jury's record, and deleting it would take its conflicts and votes
    with it: seated again, the person would stand aside on nothing."""
    if (member.sheets.exists() or member.conflicts.exists() or member.nominee_votes.exists()
            or member.attendance.exists()):
        return _("This jury seat has taken part in the jury's work (score sheets, conflicts "
                 "of interest, votes or attendance): it stays, with its record.")
    return ""


def scored(programme_id):
    """Whether any score sheet (a draft included) exists on the programme."""
    return programme_id is not None and ScoreSheet.objects.filter(
        juror__programme_id=programme_id).exists()


def scoring_started(programme, now=None):
    """Whether the jury has started scoring ``programme``: scoring has opened, or a sheet
    exists (which also holds if the opening were moved later again)."""
    return programme is not None and (programme.scoring_opens_at <= (now or timezone.now())
                                      or scored(programme.pk))


def settings_fixed_note():
    return _("Scoring has started on this programme: who sees the other jurors' scores and "
             "how applications are ranked can no longer be changed.")


def criteria_fixed_note():
    return _("Score sheets exist on this programme: its criteria can no longer be added, "
             "deleted or moved, nor their weights changed, since the totals and ranks rest on "
             "them. Titles and labels can still be edited.")


def _changes(before, after, names):
    """{field: [before, after]} for each of ``names`` whose value differs, as text."""
    return {name: [before._meta.get_field(name).value_to_string(before),
                   after._meta.get_field(name).value_to_string(after)]
            for name in names if getattr(before, name) != getattr(after, name)}


def _editable_fields(model):
    return [field.attname for field in model._meta.concrete_fields
            if field.editable and not field.primary_key]


# ---------------------------------------------------------------------------
# The jury settings
# ---------------------------------------------------------------------------

def _stored_settings(settings, lock=False):
    """The row ``settings`` would replace, or an unsaved row of defaults for a new one."""
    if settings.pk is None:
        return JurySettings(programme_id=settings.programme_id)
    rows = JurySettings.objects.select_for_update() if lock else JurySettings.objects
    return rows.get(pk=settings.pk)


def settings_refusal(settings, now=None, stored=None):
    """Why ``settings`` (holding the values to be saved) may not be saved, or "": a setting of
    ``FIXED_SETTINGS`` changed (from the stored row, or from the defaults for a new one), or a
    row moved to another programme, once scoring has started."""
    if stored is None:
        stored = _stored_settings(settings)
    changed = [name for name in FIXED_SETTINGS if getattr(stored, name) != getattr(settings, name)]
    if not changed and stored.programme_id == settings.programme_id:
        return ""
    programmes = Programme.objects.filter(pk__in={stored.programme_id, settings.programme_id})
    if any(scoring_started(programme, now) for programme in programmes):
        return settings_fixed_note()
    return ""


@transaction.atomic
def save_settings(*, settings, by, now=None):
    """Save the jury settings staff edited; refused (``settings_refusal``) where a fixed
    setting would change. Side effects: the row, an audit entry with each changed value
    before and after."""
    stored = _stored_settings(settings, lock=True)
    refusal = settings_refusal(settings, now, stored=stored)
    if refusal:
        raise JuryError(refusal)
    changes = _changes(stored, settings, _editable_fields(JurySettings))
    settings.save()
    if changes:
        audit.record(by, "jury.settings_changed", settings, at=now, changes=changes)
    return settings


def settings_fixed(settings, now=None):
    """Why the fixed settings of ``settings``' programme may no longer change, or "": also
    what refuses deleting the row, which would put the programme back on the defaults."""
    return settings_fixed_note() if scoring_started(settings.programme, now) else ""


# ---------------------------------------------------------------------------
# Criteria
# ---------------------------------------------------------------------------

def criterion_refusal(criterion):
    """Why ``criterion`` (holding the values to be saved) may not be saved, or "": a new one,
    or a change of ``FIXED_CRITERION``, on a programme with score sheets (the one it leaves
    included)."""
    if criterion.pk is None:
        return criteria_fixed_note() if scored(criterion.programme_id) else ""
    stored = Criterion.objects.get(pk=criterion.pk)
    if _changes(stored, criterion, ["programme_id", "weight"]) and (
            scored(stored.programme_id) or scored(criterion.programme_id)):
        return criteria_fixed_note()
    return ""


@transaction.atomic
def save_criterion(*, criterion, by):
    """Save a criterion staff added or edited; refused by ``criterion_refusal``. Side
    effects: the row, an audit entry (what changed, before and after)."""
    refusal = criterion_refusal(criterion)
    if refusal:
        raise JuryError(refusal)
    before = (Criterion.objects.get(pk=criterion.pk) if criterion.pk is not None
              else Criterion(programme_id=criterion.programme_id))
    changes = _changes(before, criterion, _editable_fields(Criterion))
    criterion.save()
    audit.record(by, "jury.criterion_saved", criterion, changes=changes)
    return criterion


def criteria_fixed(criterion):
    """Why ``criterion``'s weight and programme may no longer change, nor it be deleted, or
    ""."""
    return criteria_fixed_note() if scored(criterion.programme_id) else ""


@transaction.atomic
def delete_criterion(*, criterion, by):
    """Delete a criterion; refused once a score sheet exists on its programme. Side
    effects: the row is gone, an audit entry on its programme."""
    refusal = criteria_fixed(criterion)
    if refusal:
        raise JuryError(refusal)
    audit.record(by, "jury.criterion_deleted", criterion.programme, code=criterion.code,
                 weight=str(criterion.weight))
    criterion.delete()
