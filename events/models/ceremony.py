"""The award ceremony with its guests, press releases, feedback and fair, and the
certificates handed out there."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.models import Application
from ozgeris.storage import public_storage
from ozgeris.uploads import validate_public_pdf

from .common import ListedPerson, OutreachRecord


class Ceremony(OutreachRecord):
    held_at = models.DateTimeField(_("date and time"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    press_release_ru = models.FileField(
        _("press release (Russian)"), storage=public_storage, upload_to="press/", blank=True,
        validators=[validate_public_pdf])
    press_release_kk = models.FileField(
        _("press release (Kazakh)"), storage=public_storage, upload_to="press/", blank=True,
        validators=[validate_public_pdf])

    dated_fields = ("held_at",)

    class Meta:
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        constraints = [
            models.UniqueConstraint(fields=["programme"], name="one_ceremony_per_programme"),
        ]

    def __str__(self):
        return f"{self.city} {self.held_at:%d.%m.%Y}".strip()


class GuestCategory(models.TextChoices):
    GOVERNMENT = "government", _("government")
    INTERNATIONAL = "international", _("international organisation")
    NGO = "ngo", _("NGO")
    SOCIAL_ENTREPRENEUR = "social_entrepreneur", _("social entrepreneur")
    BUSINESS = "business", _("business")
    YOUTH = "youth", _("youth")
    MEDIA = "media", _("media")
    OTHER = "other", _("other")


class CeremonyGuest(ListedPerson):
    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="guests",
                                 verbose_name=_("ceremony"))
    category = models.CharField(_("category"), max_length=24, choices=GuestCategory.choices,
                                default=GuestCategory.OTHER)

    class Meta:
        ordering = ["ceremony", "id"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        constraints = ListedPerson.person_constraints(
            "ceremony", once_name="guest_once_per_ceremony", named_name="guest_has_name")


class GuestFeedback(models.Model):
    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="feedback",
                                 verbose_name=_("ceremony"))
    person = models.CharField(_("person"), max_length=200)
    role = models.CharField(_("role"), max_length=300, blank=True)
    quote = models.TextField(_("what they said"))
    video_url = models.URLField(_("video"), max_length=500, blank=True)

    class Meta:
        ordering = ["ceremony", "id"]
        verbose_name = _("guest feedback")
        # One English word for one and many; Russian and Kazakh say the many.
        verbose_name_plural = pgettext_lazy("many", "guest feedback")

    def __str__(self):
        return self.person


class FairExhibitor(models.Model):
    """A social entrepreneur who showed their work at the fair held with the ceremony."""

    ceremony = models.ForeignKey(Ceremony, on_delete=models.CASCADE, related_name="exhibitors",
                                 verbose_name=_("ceremony"))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("what they showed"), blank=True)
    video_url = models.URLField(_("video"), max_length=500, blank=True)

    class Meta:
        ordering = ["ceremony", "id"]
        verbose_name = _("fair exhibitor")
        verbose_name_plural = _("fair exhibitors")
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "name"], name="exhibitor_once_per_fair"),
        ]

    def __str__(self):
        return self.name


class Certificate(OutreachRecord):
    """A laureate's certificate: a winning application's, or a supporting-organisation
    laureate's (named here, since the jury's nominees are not this app's to read)."""

    class Kind(models.TextChoices):
        WINNER = "winner", _("winner")
        SUPPORTING = "supporting", _("supporting-organisation laureate")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField(_("number"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("winning application"))
    laureate = models.CharField(_("laureate"), max_length=300)
    nomination = models.CharField(_("nomination"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)

    dated_fields = ("issued_on",)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"],
                                    name="certificate_number_unique"),
            models.UniqueConstraint(fields=["programme", "application"],
                                    condition=Q(application__isnull=False),
                                    name="one_certificate_per_winner"),
            models.CheckConstraint(
                condition=Q(kind="supporting") | Q(application__isnull=False),
                name="winner_certificate_has_application"),
        ]

    def __str__(self):
        return f"№{self.number} {self.laureate}"
