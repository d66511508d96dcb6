"""The jury: members, criteria, conflicts of interest, score sheets, eligibility
decisions, sittings and the supporting-organisation nominations.

Scores live in one sheet per juror and application (a database constraint); the results
(means, totals, spread, ranks) are computed in ``jury.results`` and nowhere else.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Status
from ozgeris.models import Nomination, Programme, localized

SCORE_MIN, SCORE_MAX = 1, 5


class JurySettings(models.Model):
    """How a programme's jury works; created with defaults when first needed."""

    class Blind(models.TextChoices):
        NEVER = "never", _("never: jurors never see each other's scores")
        AFTER_OWN = "after_own", _("after submitting their own sheet")
        ALWAYS = "always", _("always")

    class Ranking(models.TextChoices):
        RAW = "raw", _("raw scores")
        NORMALISED = "normalised", _("normalised scores")

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE,
                                     related_name="jury_settings", verbose_name=_("programme"))
    others_scores_visible = models.CharField(
        _("jurors see other jurors' scores"), max_length=12, choices=Blind.choices,
        default=Blind.AFTER_OWN)
    ranking = models.CharField(_("rank by"), max_length=12, choices=Ranking.choices,
                               default=Ranking.RAW)
    feedback_shows_scores = models.BooleanField(
        _("applicants' feedback shows mean scores and comments (without names)"), default=False)

    class Meta:
        verbose_name = _("jury settings")
        verbose_name_plural = _("jury settings")

    def __str__(self):
        return str(self.programme)


class JuryMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        MEMBER = "member", _("member")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="jury_members", verbose_name=_("programme"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="jury_memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    affiliation = models.CharField(_("affiliation (shown in the protocol)"), max_length=255)
    email_domain = models.CharField(
        _("organisation's email domain"), max_length=100, blank=True,
        help_text=_("Used to detect possible conflicts of interest, e.g. eurasia.kz."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True,
                                       editable=False)

    class Meta:
        ordering = ["programme", "order", "id"]
        verbose_name = _("jury member")
        verbose_name_plural = _("jury members")
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="one_seat_per_juror"),
        ]

    def __str__(self):
        return self.user.get_full_name()


class Criterion(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="criteria",
                                  verbose_name=_("programme"))
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_ru = models.CharField(_("title (Russian)"), max_length=150)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=150)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=1)
    scale_labels = models.JSONField(
        _("labels of the scores 1–5 (Russian)"), default=list, blank=True,
        help_text=_("Five labels, from 1 to 5."))
    scale_labels_kk = models.JSONField(_("labels of the scores 1–5 (Kazakh)"), default=list,
                                       blank=True)
    scale_labels_en = models.JSONField(_("labels of the scores 1–5 (English)"), default=list,
                                       blank=True)

    class Meta:
        ordering = ["programme", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self):
        return localized(self, "title")

    @property
    def labels(self):
        """The five score labels in the active language (Russian when a language has none)."""
        return (localized(self, "scale_labels", russian="scale_labels")
                or [str(n) for n in range(SCORE_MIN, SCORE_MAX + 1)])


class JurorApplicationRecord(models.Model):
    """A juror's record about one application (a conflict of interest, a score sheet): at
    most one per juror and application. Each record adds its own ``juror`` and
    ``application`` keys (what deleting either does differs) and the constraint of
    ``one_per_juror_and_application``."""

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.juror} · {self.application.organisation}"

    @staticmethod
    def one_per_juror_and_application(name):
        """The uniqueness of the record, under the name its table's migration gave it."""
        return models.UniqueConstraint(fields=["juror", "application"], name=name)


class ConflictQuerySet(models.QuerySet):
    def excluding(self):
        """The conflicts that keep a juror away from an application: all but dismissed ones.
        Scoring, visibility, results and exports all ask this one method (or, through a
        relation, ``excluding_condition``)."""
        return self.filter(self.excluding_condition())

    @staticmethod
    def excluding_condition(through=""):
        """The rule of ``excluding()`` as a condition, for a query that reaches the conflicts
        through a relation (``through="conflicts__"``), e.g. an aggregate's ``filter``."""
        return ~Q(**{f"{through}state": Conflict.State.DISMISSED})


class Conflict(JurorApplicationRecord):
    """A juror's conflict of interest with an application: declared by the juror, automatic
    (a member of the applying organisation) or possible (detected by affiliation), the last
    confirmed or dismissed by the juror or staff."""

    class Kind(models.TextChoices):
        DECLARED = "declared", _("declared by the juror")
        AUTOMATIC = "automatic", _("member of the applying organisation")
        POSSIBLE = "possible", _("possible: matching affiliation")

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        PENDING = "pending", _("to be confirmed or dismissed")
        DISMISSED = "dismissed", _("dismissed")

    juror = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="conflicts",
                              verbose_name=_("jury member"))
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="jury_conflicts", verbose_name=_("application"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    reason = models.TextField(_("reason"), max_length=1000)
    match = models.CharField(_("what matched"), max_length=255, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ConflictQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [JurorApplicationRecord.one_per_juror_and_application(
            "one_conflict_record_per_juror_and_application")]


class ScoreSheet(JurorApplicationRecord):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    juror = models.ForeignKey(JuryMember, on_delete=models.PROTECT, related_name="sheets",
                              verbose_name=_("jury member"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="score_sheets", verbose_name=_("application"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.DRAFT)
    overall_comment = models.TextField(_("overall comment"), max_length=3000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Kept when staff reopen the sheet: once submitted, its juror may have read the others'
    # scores (``permissions.once_submitted``).
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True,
                                              editable=False)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [JurorApplicationRecord.one_per_juror_and_application(
            "one_sheet_per_juror_and_application")]

    @property
    def submitted_once(self):
        """Submitted at least once, also when staff reopened it since: the rule of
        ``permissions.once_submitted`` for one sheet."""
        return self.first_submitted_at is not None


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores",
                              verbose_name=_("score sheet"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("criterion"))
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=Q(value__gte=SCORE_MIN) & Q(value__lte=SCORE_MAX),
                                   name="score_within_scale"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class EligibilityDecision(models.Model):
    """Why an application became eligible or failed the 80/20 rule: computed from its share,
    or overridden by staff or the chair with a written reason."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE,
                                       related_name="eligibility", verbose_name=_("application"))
    eligible = models.BooleanField(_("eligible"))
    overridden = models.BooleanField(_("overridden"), default=False)
    reason = models.TextField(_("reason"), max_length=1000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")

    def __str__(self):
        outcome = Status.ELIGIBLE.label if self.eligible else Status.FAILED_80_20.label
        return f"{self.application}: {outcome}"

    @property
    def explanation(self):
        """Why, in the reader's language: an automatic decision is told again from the share
        and threshold it came from; an override keeps the words of whoever overrode it."""
        if self.overridden:
            return self.reason
        return describe_share(self.application.income_share,
                              self.application.income_share_threshold)


def describe_share(share, threshold):
    return _("%(share)s %% of income from entrepreneurial activity; the rule asks for at "
             "least %(threshold)s %%.") % {"share": share if share is not None else "—",
                                           "threshold": threshold}


class Sitting(models.Model):
    """A sitting of the jury, with who attended and what it decided."""

    class Subject(models.TextChoices):
        APPLICATIONS = "applications", _("NGO applications")
        SUPPORTING = "supporting", _("supporting-organisation nominations")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sittings",
                                  verbose_name=_("programme"))
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=3000, blank=True)
    decisions = models.TextField(_("decisions"), max_length=5000, blank=True)

    class Meta:
        ordering = ["programme", "starts_at"]
        verbose_name = _("jury sitting")
        verbose_name_plural = _("jury sittings")

    def __str__(self):
        return f"{self.get_subject_display()} · {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"


class Attendance(models.Model):
    class Presence(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        ABSENT = "absent", _("absent")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("jury sitting"))
    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="attendance",
                               verbose_name=_("jury member"))
    presence = models.CharField(_("presence"), max_length=10, choices=Presence.choices,
                                default=Presence.IN_PERSON)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "member"], name="one_attendance_record"),
        ]

    def __str__(self):
        return f"{self.member} · {self.get_presence_display()}"


# The presences that count as attending a sitting: the protocol's and the admin's "present".
PRESENT = (Attendance.Presence.IN_PERSON, Attendance.Presence.ONLINE)


class Nominee(models.Model):
    """A candidate in a supporting-organisation nomination (best CSR programme, ...)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="nominees",
                                   limit_choices_to={"kind": Nomination.Kind.SUPPORTING},
                                   verbose_name=_("nomination"))
    name = models.CharField(_("organisation"), max_length=255)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["nomination", "order", "id"]
        verbose_name = _("nominee")
        verbose_name_plural = _("nominees")

    def __str__(self):
        return self.name


class NomineeVote(models.Model):
    """A juror's vote in a supporting-organisation nomination: one nominee, or an abstention
    with its reason (a conflict of interest)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE,
                                   related_name="nominee_votes", verbose_name=_("nomination"))
    juror = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="nominee_votes",
                              verbose_name=_("jury member"))
    nominee = models.ForeignKey(Nominee, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="votes", verbose_name=_("nominee"))
    abstention_reason = models.TextField(_("reason for abstaining"), max_length=1000,
                                         blank=True)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote in a supporting-organisation nomination")
        verbose_name_plural = _("votes in supporting-organisation nominations")
        constraints = [
            models.UniqueConstraint(fields=["nomination", "juror"],
                                    name="one_nominee_vote_per_juror"),
            models.CheckConstraint(
                condition=Q(nominee__isnull=False) | ~Q(abstention_reason=""),
                name="abstention_needs_a_reason"),
        ]

    def __str__(self):
        return f"{self.juror}: {self.nominee or _('abstained')}"


class TieBreak(models.Model):
    """The chair's decision between applications tied on total and on top scores: a lower
    priority ranks first. Recorded, with its reason, for the protocol."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE,
                                       related_name="tie_break", verbose_name=_("application"))
    priority = models.PositiveSmallIntegerField(_("priority"))
    reason = models.TextField(_("reason"), max_length=1000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("tie-break decision")
        verbose_name_plural = _("tie-break decisions")

    def __str__(self):
        return f"{self.application}: {self.priority}"
