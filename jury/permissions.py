"""What a juror may see: the query helpers every jury page starts from."""

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery

from applications.models import Application, Membership

from .models import Conflict, ScoreSheet


def conflict_condition(user, through=""):
    """The one rule of who stands aside on an application, as a condition on applications
    (or, ``through="application__"``, on records that point at one): ``user`` is a member of
    the applying organisation, or holds a jury seat with a conflict that excludes them
    (``Conflict.objects.excluding()``: a pending one counts). It binds a person, not a seat:
    staff without a seat stand aside on their own organisation too. Scoring, the jurors'
    lists, the results table and the jury's decisions (overrides, tie breaks) all ask it."""
    application = OuterRef(through.removesuffix("__") or "pk")
    member = Membership.objects.filter(organisation=OuterRef(f"{through}organisation"), user=user)
    conflict = Conflict.objects.filter(juror__user=user, application=application).excluding()
    return Exists(member) | Exists(conflict)


def in_conflict(user, application):
    """Whether ``user`` stands aside on ``application`` (``conflict_condition``); one query."""
    return Application.objects.filter(pk=application.pk).filter(
        conflict_condition(user)).exists()


def conflicted_in(user, programme):
    """The ids of ``programme``'s applications ``user`` stands aside on; one query."""
    return set(Application.objects.filter(programme=programme)
               .filter(conflict_condition(user)).values_list("pk", flat=True))


def once_submitted():
    """For a conflict (its ``juror`` and ``application``): the juror has submitted a sheet on
    the application, even one staff reopened since. The blind rule may then have shown them
    the others' scores, so a conflict that would take their sheet out is programme staff's to
    decide, not theirs (``own_conflicts_to_decide``, ``services.declare_conflict``)."""
    return Exists(ScoreSheet.objects.filter(juror=OuterRef("juror"),
                                            application=OuterRef("application"),
                                            first_submitted_at__isnull=False))


def own_conflicts_to_decide(member):
    """The conflicts a juror confirms or dismisses themselves: their pending possible ones
    (found by matching affiliations) on applications they never submitted a sheet on
    (``once_submitted``)."""
    return Conflict.objects.filter(juror=member, kind=Conflict.Kind.POSSIBLE,
                                   state=Conflict.State.PENDING).exclude(once_submitted())


def applications_for_juror(member):
    """What a juror's list shows: the programme's scored applications, never one of the
    juror's own organisation, each annotated with the juror's sheet state and conflict."""
    own_sheet = ScoreSheet.objects.filter(juror=member, application=OuterRef("pk"))
    return (Application.objects.filter(programme=member.programme).eligible()
            .exclude(organisation__membership__user=member.user)
            .select_related("organisation", "nomination")
            .annotate(in_conflict=ExpressionWrapper(conflict_condition(member.user),
                                                    output_field=BooleanField()),
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
    mode = JurySettings.objects.filter(programme=OuterRef("application__programme")).values(
        "others_scores_visible")[:1]
    visible_others = (
        Q(state=ScoreSheet.State.SUBMITTED) & ~conflict_condition(user, "application__")
        & (Q(_mode=JurySettings.Blind.ALWAYS)
           | ((Q(_mode=JurySettings.Blind.AFTER_OWN) | Q(_mode__isnull=True))
              & Exists(own_submitted))))
    return queryset.annotate(_mode=Subquery(mode)).filter(
        Q(juror__user=user) | ~Exists(seat) | visible_others)
