"""What the grant report can count and show about the jury."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris.registries import register_indicator, register_table

from . import supporting
from .models import Attendance, Conflict, JuryMember, Sitting
from .results import results, results_applied


def members(programme):
    return JuryMember.objects.filter(programme=programme).count()


def sittings(programme):
    return Sitting.objects.filter(programme=programme).count()


def conflicts(programme):
    """Confirmed conflicts of interest (declared, automatic, or possible and confirmed)."""
    return Conflict.objects.filter(juror__programme=programme,
                                   state=Conflict.State.CONFIRMED).count()


def minutes(programme):
    """The jury's minutes exist: a sitting recorded with its decisions (the
    ``jury-protocol`` exporter writes them)."""
    sitting = Sitting.objects.filter(programme=programme).exclude(decisions="").first()
    return {"exists": sitting is not None, "evidence": str(sitting) if sitting else ""}


def membership(programme):
    """The jury's membership is recorded (its list is in the minutes)."""
    return {"exists": JuryMember.objects.filter(programme=programme).exists(), "evidence": ""}


def attendance_table(programme):
    rows = []
    for sitting in Sitting.objects.filter(programme=programme):
        present = Attendance.objects.filter(sitting=sitting).exclude(
            presence=Attendance.Presence.ABSENT).count()
        rows.append((timezone.localtime(sitting.starts_at).strftime("%d.%m.%Y %H:%M"),
                     sitting.get_subject_display(), present))
    return [_("Sitting"), _("Subject"), _("Members present")], rows


def results_table(programme):
    """The jury's totals and ranks once its results are applied; before that a draft report
    (staff's, or an observer's) shows none, as the seats' applications page does not."""
    rows = [(r.application.nomination.title, r.application.organisation.name,
             r.total, r.rank, r.application.get_status_display())
            for r in results(programme)] if results_applied(programme) else []
    return [_("Nomination"), _("Organisation"), _("Total"), _("Rank"), _("Status")], rows


def register():
    register_indicator("jury.members", members)
    register_indicator("jury.sittings", sittings)
    register_indicator("jury.conflicts", conflicts)
    register_indicator("jury.minutes", minutes)
    register_indicator("jury.membership", membership)
    register_table("jury.attendance", attendance_table)
    register_table("jury.results", results_table)
    supporting.register()
