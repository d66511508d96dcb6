"""Staff's messages to a segment of a programme's people, and the addresses that opted out of
such mail (the rules are in ``ozgeris.segment_mail``). Imported by ``ozgeris.models``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SegmentMessage(models.Model):
    """One message staff wrote to a segment (drafts, finalists, jurors …) of one programme, in
    up to three languages (Kazakh and English fall back to Russian). The mail it queued is
    reached through ``outbox_messages``: its delivery counts are read from those rows."""

    programme = models.ForeignKey("ozgeris.Programme", on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("programme"))
    segment = models.CharField(_("recipients"), max_length=80)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("written by"))
    subject_ru = models.CharField(_("subject (Russian)"), max_length=200)
    subject_kk = models.CharField(_("subject (Kazakh)"), max_length=200, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"), max_length=10000)
    body_kk = models.TextField(_("text (Kazakh)"), max_length=10000, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=10000, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    left_out_count = models.PositiveIntegerField(_("left out"), default=0)
    repeat_confirmed = models.BooleanField(_("sent again on purpose"), default=False)
    outbox_messages = models.ManyToManyField("ozgeris.OutboxMessage", related_name="+",
                                             verbose_name=_("emails"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message to a segment")
        verbose_name_plural = _("messages to segments")
        indexes = [models.Index(fields=["programme", "segment", "created_at"],
                                name="segment_message_recent")]

    def __str__(self):
        return self.subject_ru


class MailOptOut(models.Model):
    """An address whose owner asked for no more non-essential mail (the unsubscribe link of a
    message to a segment). Kept as the SHA-256 of the canonical address, not the address: the
    list must be checked, never read; unkeyed, so a new SECRET_KEY does not forget it."""

    address_hash = models.CharField(_("address hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("unsubscribed"), default=timezone.now)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self):
        return self.address_hash[:12]
