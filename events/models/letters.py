"""Letters to ministries, akimats and others, with every answer they brought."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .common import OutreachRecord, check_within_programme, validate_private_document


class Letter(OutreachRecord):
    class RecipientKind(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        AKIMAT = "akimat", _("akimat")
        OTHER = "other", _("other")

    recipient = models.CharField(_("recipient"), max_length=300)
    recipient_kind = models.CharField(_("kind of recipient"), max_length=10,
                                      choices=RecipientKind.choices)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    outgoing_number = models.CharField(_("outgoing number"), max_length=100, blank=True)
    # The four purposes the 2019 letters served; a letter may serve several.
    purpose_inform = models.BooleanField(_("inform potential participants"), default=False)
    purpose_partnership = models.BooleanField(_("invitation to become a partner"),
                                              default=False)
    purpose_ceremony = models.BooleanField(_("participation in the ceremony"), default=False)
    purpose_media = models.BooleanField(_("media coverage"), default=False)
    scan = models.FileField(_("scan of the letter"), upload_to="events/letters/", blank=True,
                            validators=[validate_private_document])

    dated_fields = ("sent_on",)

    class Meta:
        ordering = ["programme", "sent_on", "id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.UniqueConstraint(fields=["programme", "outgoing_number"],
                                    condition=~Q(outgoing_number=""),
                                    name="letter_outgoing_number_unique"),
        ]

    def __str__(self):
        return self.recipient

    def purposes(self):
        """The labels of the purposes ticked, in the report's order."""
        return [str(self._meta.get_field(name).verbose_name)
                for name in ("purpose_inform", "purpose_partnership", "purpose_ceremony",
                             "purpose_media") if getattr(self, name)]


class LetterAnswer(models.Model):
    """One answer to a letter: a recipient may note it in writing and phone as well."""

    class Kind(models.TextChoices):
        NOTED = "noted", _("noted and forwarded")
        SUPPORT = "support", _("support given")
        PHONE_CALL = "phone_call", _("phone call received")
        DECLINED = "declined", _("declined")
        OTHER = "other", _("other")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="answers",
                               verbose_name=_("letter"))
    kind = models.CharField(_("answer"), max_length=12, choices=Kind.choices)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    reference = models.CharField(_("reference number"), max_length=150, blank=True)
    text = models.TextField(_("what was said"), blank=True)
    scan = models.FileField(_("scan of the answer"), upload_to="events/answers/", blank=True,
                            validators=[validate_private_document])

    class Meta:
        ordering = ["letter", "received_on", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}".strip()

    def clean(self):
        if self.letter_id or getattr(self, "letter", None):
            check_within_programme(self.letter.programme, received_on=self.received_on)
