"""What a juror may see: the query helpers every jury page starts from."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from applications.models import Application

from .models import Conflict, ScoreSheet


def applications_for_juror(member):
    """What a juror's list shows: the programme's scored applications, never one of the
    juror's own organisation, each annotated with the juror's sheet state and conflict."""
    own_sheet = ScoreSheet.objects.filter(juror=member, application=OuterRef("pk"))
    conflict = Conflict.objects.filter(juror=member, application=OuterRef("pk")).excluding()
    return (Application.objects.filter(programme=member.programme).eligible()
            .exclude(organisation__membership__user=member.user)
            .select_related("organisation", "nomination")
            .annotate(in_conflict=Exists(conflict),
                      submitted=Exists(own_sheet.filter(state=ScoreSheet.State.SUBMITTED)),
                      drafted=Exists(own_sheet.filter(state=ScoreSheet.State.DRAFT)))
            .order_by("nomination__order", "organisation__name"))


def progress_of(member):
    """(scored, to score) for one juror: submitted sheets over the applications the juror
    scores (eligible ones, and after the cut the ones decided on), conflicts left out."""
    mine = applications_for_juror(member).filter(in_conflict=False)
    counts = mine.aggregate(total=Count("pk"), done=Count("pk", filter=Q(submitted=True)))
    return counts["done"], counts["total"]


def sheets_visible_to(user, queryset):
    """Score sheets ``user`` may read: everything for staff without a jury seat; for anyone
    with a seat (staff included) their own sheets, and others' submitted sheets only where the
    blind rule lets them see the others' scores. Never another juror's draft."""
    from .models import JuryMember, JurySettings

    seats = JuryMember.objects.filter(user=user)
    if not seats.exists():
        return queryset
    seat = seats.filter(programme=OuterRef("application__programme"))
    own_submitted = ScoreSheet.objects.filter(
        application=OuterRef("application"), juror__user=user,
        state=ScoreSheet.State.SUBMITTED)
    in_conflict = Conflict.objects.filter(
        application=OuterRef("application"), juror__user=user).excluding()
    mode = JurySettings.objects.filter(programme=OuterRef("application__programme")).values(
        "others_scores_visible")[:1]
    visible_others = (
        Q(state=ScoreSheet.State.SUBMITTED) & ~Exists(in_conflict)
        & (Q(_mode=JurySettings.Blind.ALWAYS)
           | ((Q(_mode=JurySettings.Blind.AFTER_OWN) | Q(_mode__isnull=True))
              & Exists(own_submitted))))
    return queryset.annotate(_mode=Subquery(mode)).filter(
        Q(juror__user=user) | ~Exists(seat) | visible_others)
