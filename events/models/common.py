"""What every outreach record shares: its programme, the report's appendix number, evidence
files (or counted evidence kept elsewhere) and the rule that its dates fall in the programme."""

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ozgeris.models import Programme
from ozgeris.uploads import validate_private_document  # events' migrations name it here


def programme_period(programme):
    """The days an outreach record of ``programme`` may be dated: from 1 January of the year
    its intake opens (outreach starts before the call) to 31 December of the year after its
    ceremony (answers, payments and late coverage follow the ceremony, but a record dated
    years away is a typing error)."""
    first_year = min(programme.year, timezone.localtime(programme.intake_opens_at).year)
    last_year = timezone.localtime(programme.ceremony_at).year + 1
    return datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)


def check_within_programme(programme, **days):
    """Raise a ValidationError at each field whose date lies outside the programme's period."""
    if programme is None:
        return
    first, last = programme_period(programme)
    errors = {}
    for field, value in days.items():
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if value is not None and not first <= value <= last:
            errors[field] = _("The date must fall within the programme (%(first)s – %(last)s).") % {
                "first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")}
    if errors:
        raise ValidationError(errors)


def lines(text):
    """The non-empty lines of a multi-line text field (representatives, journalists)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")
    EN = "en", _("English")


class EvidenceFile(models.Model):
    """Evidence attached to any outreach record: a file, or a count of items kept elsewhere
    (72 photos in the programme's archive) with where to find them."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photos")
        VIDEO = "video", _("video")
        DOCUMENT = "document", _("document")
        SCAN = "scan", _("scan")
        PRESS_RELEASE = "press_release", _("press release")
        SCRIPT = "script", _("script")
        AGENDA = "agenda", _("programme of the meeting")
        CONCEPT = "concept", _("concept")
        OTHER = "other", _("other")

    class Activity(models.TextChoices):
        MEETINGS = "meetings", _("information meetings")
        ONLINE = "online", _("online campaign")
        PARTNERS = "partners", _("partner meetings")
        LETTERS = "letters", _("letters")
        CEREMONY = "ceremony", _("ceremony")
        CONTRACTS = "contracts", _("contracts")
        VOTE = "vote", _("the public vote")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE,
                                     verbose_name=_("object type"))
    object_id = models.PositiveBigIntegerField(_("object id"))
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Evidence about an activity as a whole (72 photos of all the meetings) is attached to
    # the programme itself and says which activity it documents.
    activity = models.CharField(_("activity"), max_length=10, choices=Activity.choices,
                                blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to="events/evidence/%Y/", blank=True,
                            validators=[validate_private_document])
    count = models.PositiveIntegerField(
        _("number of items"), default=1,
        help_text=_("For evidence kept elsewhere: how many photos, videos or pages."))
    archive_reference = models.CharField(
        _("where it is kept"), max_length=255, blank=True,
        help_text=_("The archive folder or appendix where the originals are, when no file is "
                    "attached."))
    appendix = models.CharField(_("appendix No."), max_length=40, blank=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["content_type", "object_id", "kind", "id"]
        verbose_name = _("evidence")
        # One English word for one and many; Russian and Kazakh say the many.
        verbose_name_plural = pgettext_lazy("many", "evidence")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1),
                                   name="evidence_count_positive"),
        ]

    def __str__(self):
        label = self.title or self.get_kind_display()
        return f"{label} ×{self.count}" if self.count != 1 else label

    def clean(self):
        if not self.file and not self.archive_reference.strip():
            raise ValidationError(
                _("Attach the file or say where the originals are kept."), code="no_evidence")


class ListedPerson(models.Model):
    """A person on one of a record's lists (a meeting's roster, the ceremony's guests), with
    the fields the list's import fills (``services.PERSON_FIELDS``). Each list adds the key
    to its record, its ``category`` choices, and the constraints of ``person_constraints``."""

    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    consent = models.BooleanField(_("consented to personal data processing"), default=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @staticmethod
    def person_constraints(record_field, *, once_name, named_name):
        """A person stands once on a record's list (by name and organisation), and has a
        name; the constraints keep the names each list's migration gave them."""
        return [
            models.UniqueConstraint(fields=[record_field, "name", "organisation"],
                                    name=once_name),
            models.CheckConstraint(condition=~models.Q(name=""), name=named_name),
        ]


class OutreachRecord(models.Model):
    """The base of every per-programme record: its programme, appendix number and evidence."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("programme"))
    appendix = models.CharField(
        _("appendix No."), max_length=40, blank=True,
        help_text=_("The appendix of the grant report that holds the evidence (Приложение №)."))
    notes = models.TextField(_("notes"), blank=True)
    evidence = GenericRelation(EvidenceFile)

    # Date fields checked against the programme's period in clean().
    dated_fields = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.programme_id:
            check_within_programme(self.programme,
                                   **{name: getattr(self, name) for name in self.dated_fields})
