"""The grant report: the grant a programme answers to, its indicator framework (task →
activity → indicator, with targets), the appendices, the report's own contradictions, the
issued versions with their frozen values, and the background export jobs.

Actual values never live here: an indicator names a registered indicator source (or carries a
manual value with its reason), and the report asks the source each time, until staff issue a
version, which freezes what the sources said then.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from ozgeris.models import Programme, localized_property
from ozgeris.uploads import JPEG, PDF, PNG, XLSX, check_new_file


def validate_evidence(file):
    """Evidence of a manual value: a scan, a photo or a spreadsheet, checked by content."""
    check_new_file(file, allowed=(PDF, JPEG, PNG, XLSX))


class Titled(models.Model):
    """A title in Russian (required), Kazakh and English."""

    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    title = localized_property("title")


def russian(field):
    """``<field>_ru`` for a field that predates its Kazakh and English siblings and keeps its
    Russian-only name (``grantee``, ``what``...), so that ``localized`` reads it by the one
    rule: the active language's field, else the Russian one."""
    return property(lambda self: getattr(self, field))


class Grant(models.Model):
    """The grant the programme reports on: the cover of the report (grantee, donor, topic,
    agreement, period, who approves it) and its closing outcomes and lessons, each text in
    Russian, Kazakh and English."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="grant",
                                     verbose_name=_("programme"))
    grantee = models.CharField(_("grantee"), max_length=300)
    grantee_kk = models.CharField(_("grantee (Kazakh)"), max_length=300, blank=True)
    grantee_en = models.CharField(_("grantee (English)"), max_length=300, blank=True)
    donor = models.CharField(_("donor"), max_length=300)
    donor_kk = models.CharField(_("donor (Kazakh)"), max_length=300, blank=True)
    donor_en = models.CharField(_("donor (English)"), max_length=300, blank=True)
    topic = models.CharField(_("grant topic"), max_length=500)
    topic_kk = models.CharField(_("grant topic (Kazakh)"), max_length=500, blank=True)
    topic_en = models.CharField(_("grant topic (English)"), max_length=500, blank=True)
    amount = models.PositiveBigIntegerField(_("amount, ₸"))
    agreement_number = models.CharField(_("agreement number"), max_length=100, blank=True)
    period_start = models.DateField(_("reporting period from"))
    period_end = models.DateField(_("reporting period to"))
    outcomes_ru = models.TextField(_("outcomes (Russian)"), blank=True)
    outcomes_kk = models.TextField(_("outcomes (Kazakh)"), blank=True)
    outcomes_en = models.TextField(_("outcomes (English)"), blank=True)
    lessons_ru = models.TextField(_("lessons learnt (Russian)"), blank=True)
    lessons_kk = models.TextField(_("lessons learnt (Kazakh)"), blank=True)
    lessons_en = models.TextField(_("lessons learnt (English)"), blank=True)
    approved_by = models.CharField(
        _("approved by"), max_length=200, blank=True,
        help_text=_("Who signs the issued report, as printed in its approval block."))
    approver_position_ru = models.CharField(_("approver's position (Russian)"), max_length=200,
                                            blank=True)
    approver_position_kk = models.CharField(_("approver's position (Kazakh)"), max_length=200,
                                            blank=True)
    approver_position_en = models.CharField(_("approver's position (English)"), max_length=200,
                                            blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [models.CheckConstraint(
            condition=models.Q(period_start__lte=models.F("period_end")),
            name="grant_period_in_order",
            violation_error_message=_("The grant's period must not end before it starts."))]

    grantee_ru = russian("grantee")
    donor_ru = russian("donor")
    topic_ru = russian("topic")

    def __str__(self):
        return f"{self.donor}: {self.topic}"

    outcomes = localized_property("outcomes")
    lessons = localized_property("lessons")
    approver_position = localized_property("approver_position")


class Task(Titled):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="report_tasks",
                                  verbose_name=_("programme"))
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(fields=["programme", "number"],
                                               name="one_task_per_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Activity(Titled):
    """An activity (мероприятие) with its narrative. The narrative may hold placeholders:
    ``{source}`` prints an indicator source's value, ``{140|source}`` prints what the source
    says and notes where the typed 140 disagrees with it, ``{table:name}`` inserts a table."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="activities",
                             verbose_name=_("task"))
    number = models.PositiveSmallIntegerField(_("number"))
    narrative_ru = models.TextField(_("narrative (Russian)"), blank=True)
    narrative_kk = models.TextField(_("narrative (Kazakh)"), blank=True)
    narrative_en = models.TextField(_("narrative (English)"), blank=True)

    class Meta:
        ordering = ["task", "number"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [models.UniqueConstraint(fields=["task", "number"],
                                               name="one_activity_per_number")]

    def __str__(self):
        return f"{self.task.number}.{self.number}. {self.title}"

    narrative = localized_property("narrative")


class Appendix(Titled):
    """An appendix (приложение) of the report: what it holds and, where it is data, the
    exporter that writes it (the XLSX report gets a sheet from it)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="appendices",
                                  verbose_name=_("programme"))
    number = models.PositiveSmallIntegerField(_("number"))
    exporters = models.JSONField(_("exporters"), default=list, blank=True,
                                 help_text=_("Names of registered exporters whose data it holds."))
    held_elsewhere = models.CharField(_("kept elsewhere"), max_length=300, blank=True,
                                      help_text=_("e.g. an external drive, for photos and videos"))
    held_elsewhere_kk = models.CharField(_("kept elsewhere (Kazakh)"), max_length=300,
                                         blank=True)
    held_elsewhere_en = models.CharField(_("kept elsewhere (English)"), max_length=300,
                                         blank=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("appendix")
        verbose_name_plural = _("appendices")
        constraints = [models.UniqueConstraint(fields=["programme", "number"],
                                               name="one_appendix_per_number")]

    held_elsewhere_ru = russian("held_elsewhere")

    def __str__(self):
        return f"№{self.number}. {self.title}"


class Indicator(Titled):
    """What the report measures: a figure (or a document's existence) against its target."""

    class Kind(models.TextChoices):
        NUMBER = "number", _("a number")
        DOCUMENT = "document", _("a document exists")

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="indicators",
                                 verbose_name=_("activity"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    unit_ru = models.CharField(_("unit (Russian)"), max_length=100, blank=True)
    unit_kk = models.CharField(_("unit (Kazakh)"), max_length=100, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NUMBER)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True,
                                 blank=True, help_text=_("Empty: no target (no data to judge)."))
    target_note = models.CharField(
        _("about the target"), max_length=300, blank=True,
        help_text=_("e.g. reconstructed: the original report claimed this figure"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices,
                                 default=Direction.AT_LEAST)
    source = models.CharField(_("source"), max_length=100, blank=True,
                              help_text=_("A registered indicator source."))
    manual_value = models.DecimalField(_("manual value"), max_digits=14, decimal_places=2,
                                       null=True, blank=True)
    manual_reason = models.TextField(_("why a manual value"), blank=True)
    manual_evidence = models.FileField(_("evidence"), upload_to="reporting/evidence/",
                                       blank=True, validators=[validate_evidence])
    appendix = models.ForeignKey(Appendix, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="indicators", verbose_name=_("appendix"))
    original_line = models.PositiveIntegerField(_("line in the original report"), null=True,
                                                blank=True)

    class Meta:
        ordering = ["activity", "order", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.CheckConstraint(
            condition=models.Q(manual_value__isnull=True) | ~models.Q(manual_reason=""),
            name="a_manual_value_has_its_reason",
            violation_error_message=_("Give the reason for a manual value."))]

    def __str__(self):
        return self.title

    unit_label = localized_property("unit")


class Contradiction(models.Model):
    """A place where the original report disagrees with itself, and the source that says
    what the data holds."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="contradictions", verbose_name=_("programme"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    what = models.TextField(_("what the original says"))
    what_kk = models.TextField(_("what the original says (Kazakh)"), blank=True)
    what_en = models.TextField(_("what the original says (English)"), blank=True)
    figures = models.JSONField(_("its figures"), default=list, blank=True)
    lines = models.JSONField(_("lines"), default=list, blank=True)
    source = models.CharField(_("source of the data's answer"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    note_kk = models.TextField(_("note (Kazakh)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["programme", "order", "pk"]
        verbose_name = _("contradiction in the original")
        verbose_name_plural = _("contradictions in the original")

    what_ru = russian("what")
    note_ru = russian("note")

    def __str__(self):
        return self.what[:80]


class BudgetLine(Titled):
    """A line of the grant's budget: what was planned and what was spent, in tenge. The spent
    amount is typed by staff, or read from a registered indicator source (the prizes line:
    what the winners' contracts record as paid), so that the report never counts by itself."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="budget_lines", verbose_name=_("programme"))
    number = models.PositiveSmallIntegerField(_("number"))
    planned = models.PositiveBigIntegerField(_("planned, ₸"))
    spent = models.PositiveBigIntegerField(
        _("spent, ₸"), null=True, blank=True,
        help_text=_("Leave empty when a source gives the amount spent."))
    spent_source = models.CharField(
        _("source of the amount spent"), max_length=100, blank=True,
        help_text=_("A registered indicator source, e.g. the prizes paid under the winners' "
                    "contracts."))
    illustrative = models.BooleanField(
        _("illustrative"), default=False,
        help_text=_("The figures are an estimate, not the books: the report says so in print."))
    note_ru = models.TextField(_("note (Russian)"), blank=True)
    note_kk = models.TextField(_("note (Kazakh)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"],
                                    name="one_budget_line_per_number",
                                    violation_error_message=_(
                                        "The budget already has a line with this number.")),
            models.CheckConstraint(
                condition=(models.Q(spent__isnull=True) & ~models.Q(spent_source=""))
                | (models.Q(spent__isnull=False) & models.Q(spent_source="")),
                name="budget_line_spent_typed_or_sourced",
                violation_error_message=_(
                    "Type the amount spent or name its source (one of the two).")),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    note = localized_property("note")


class IllustrativeFigure(models.Model):
    """A figure the original report does not give and the demo (or staff) filled in: the
    report prints what ``source`` gives, labelled as illustrative, with this note."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="illustrative_figures",
                                  verbose_name=_("programme"))
    source = models.CharField(_("source"), max_length=100,
                              help_text=_("A registered table or indicator source."))
    note_ru = models.TextField(_("note (Russian)"))
    note_kk = models.TextField(_("note (Kazakh)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    class Meta:
        ordering = ["programme", "source"]
        verbose_name = _("illustrative figure")
        verbose_name_plural = _("illustrative figures")
        constraints = [models.UniqueConstraint(
            fields=["programme", "source"], name="one_illustrative_mark_per_source",
            violation_error_message=_("This source is already marked as illustrative."))]

    def __str__(self):
        return self.source

    note = localized_property("note")


class ReportVersion(models.Model):
    """An issued report: what every indicator's source said when staff issued it, and the
    texts and targets the report printed then."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT,
                                  related_name="report_versions", verbose_name=_("programme"))
    number = models.PositiveSmallIntegerField(_("number"))
    issued_at = models.DateTimeField(_("issued at"), db_default=Now())
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+", verbose_name=_("issued by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    # {indicator id: {"actual": ..., "status": ...}}
    values = models.JSONField(_("indicator values"), default=dict)
    figures = models.JSONField(_("figures"), default=dict)  # {source name: value} for the narrative
    # The budget as issued: {"lines": [{"number", "planned", "spent", ...}], "totals": {...}}
    budget = models.JSONField(_("budget"), default=dict)
    # What the report printed from records staff may edit later, as it was at issue: the
    # tasks, activities (titles, narratives), indicators (titles, units, targets, directions),
    # appendices, the grant's cover, the contradictions and the illustrative notes
    # (``services.as_issued``). Empty for a version issued before it was kept: that version
    # prints those as they are now, and says so in print.
    content = models.JSONField(_("content as issued"), default=dict, blank=True)

    class Meta:
        ordering = ["programme", "-number"]
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        constraints = [models.UniqueConstraint(fields=["programme", "number"],
                                               name="one_version_per_number")]

    def __str__(self):
        return f"{self.programme.year} v{self.number}"


class ExportJob(models.Model):
    """One export run in the background: its progress while it runs, then its file (private,
    for staff, kept for ``EXPORT_KEEP_HOURS``)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("programme"))
    exporter = models.CharField(_("export"), max_length=60)
    language = models.CharField(_("language"), max_length=5, default="ru")
    options = models.JSONField(_("options"), default=dict, blank=True)  # e.g. {"version": 2}
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(_("steps done"), default=0)
    total = models.PositiveIntegerField(_("steps in all"), default=0)
    message = models.CharField(_("current step"), max_length=200, blank=True)
    # the default store is private
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    # When it last started or reported progress: a running job silent for long has stopped.
    progress_at = models.DateTimeField(_("last step at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.exporter} {self.programme_id} ({self.state})"

    @property
    def percent(self):
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
