"""Information meetings with their rosters and questions, partner meetings with their
agreements, and the FAQ gathered from the meetings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ozgeris.models import Programme, Region, localized_property

from .common import ListedPerson, OutreachRecord, validate_private_document


class ParticipantCategory(models.TextChoices):
    NGO = "ngo", _("NGO")
    SOCIAL_ENTREPRENEUR = "social_entrepreneur", _("social entrepreneur")
    YOUTH = "youth", _("youth")
    OTHER = "other", _("other")


class InfoMeeting(OutreachRecord):
    """An information meeting in a city, with the people who signed its roster."""

    city = models.CharField(_("city"), max_length=120)
    city_kk = models.CharField(_("city (Kazakh)"), max_length=120, blank=True)
    city_en = models.CharField(_("city (English)"), max_length=120, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    held_on = models.DateField(_("date"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    partner_organisation = models.CharField(_("partner organisation"), max_length=255,
                                            blank=True)
    agenda = models.TextField(_("programme of the meeting"), blank=True,
                              help_text=_("One item per line."))
    agenda_document = models.FileField(_("programme document"), upload_to="events/agendas/",
                                       blank=True, validators=[validate_private_document])

    dated_fields = ("held_on",)

    class Meta:
        ordering = ["programme", "held_on", "city"]
        verbose_name = _("information meeting")
        verbose_name_plural = _("information meetings")

    # ``city`` predates its Kazakh and English siblings and keeps its name.
    city_name = localized_property("city", russian="city")

    def __str__(self):
        day = f" {self.held_on:%d.%m.%Y}" if self.held_on else ""
        return f"{self.city}{day}"


class RosterEntry(ListedPerson):
    """One person on a meeting's sign-in list."""

    meeting = models.ForeignKey(InfoMeeting, on_delete=models.CASCADE, related_name="roster",
                                verbose_name=_("meeting"))
    category = models.CharField(_("category"), max_length=24, choices=ParticipantCategory.choices,
                                default=ParticipantCategory.OTHER)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = ListedPerson.person_constraints(
            "meeting", once_name="roster_person_once_per_meeting",
            named_name="roster_entry_has_name")


class MeetingQuestion(models.Model):
    """A question participants asked at a meeting (the FAQ is written from these)."""

    meeting = models.ForeignKey(InfoMeeting, on_delete=models.CASCADE, related_name="questions",
                                verbose_name=_("meeting"))
    text = models.TextField(_("question"))

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("question asked")
        verbose_name_plural = _("questions asked")

    def __str__(self):
        return self.text[:80]


class FaqEntry(models.Model):
    """A question with its answer on the public FAQ page, in three languages."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("programme"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question_ru = models.TextField(_("question (Russian)"))
    question_kk = models.TextField(_("question (Kazakh)"), blank=True)
    question_en = models.TextField(_("question (English)"), blank=True)
    answer_ru = models.TextField(_("answer (Russian)"))
    answer_kk = models.TextField(_("answer (Kazakh)"), blank=True)
    answer_en = models.TextField(_("answer (English)"), blank=True)
    is_published = models.BooleanField(_("shown on the FAQ page"), default=True)
    asked_at = models.ManyToManyField(InfoMeeting, blank=True, related_name="faq_entries",
                                      verbose_name=_("asked at"))

    class Meta:
        ordering = ["programme", "order", "id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ")

    question = localized_property("question")
    answer = localized_property("answer")

    def __str__(self):
        return self.question_ru[:80]


class PartnerMeeting(OutreachRecord):
    """A meeting with a partner or a player of the ecosystem, and what was agreed."""

    title = models.CharField(_("title"), max_length=300)
    first_date = models.DateField(_("date"), null=True, blank=True)
    last_date = models.DateField(_("last date"), null=True, blank=True,
                                 help_text=_("When the meeting ran over several days."))
    place = models.CharField(_("place"), max_length=255, blank=True)
    our_representatives = models.TextField(_("our representatives"), blank=True,
                                           help_text=_("One per line."))
    their_representatives = models.TextField(_("their representatives"), blank=True,
                                             help_text=_("One per line."))

    dated_fields = ("first_date", "last_date")

    class Meta:
        ordering = ["programme", "first_date", "id"]
        verbose_name = _("partner meeting")
        verbose_name_plural = _("partner meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_date__isnull=True) | Q(first_date__isnull=False,
                                                        last_date__gte=models.F("first_date")),
                name="partner_meeting_dates_in_order"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.last_date and (self.first_date is None or self.last_date < self.first_date):
            raise ValidationError({"last_date": _("The last date cannot precede the first.")})


class PartnerAgreement(models.Model):
    meeting = models.ForeignKey(PartnerMeeting, on_delete=models.CASCADE,
                                related_name="agreements", verbose_name=_("meeting"))
    text = models.TextField(_("agreement reached"))

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return self.text[:80]
