"""Publications and videos with their reach over time, mailing campaigns and the
programme's own channels."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from ozgeris.models import localized_property

from .common import Language, OutreachRecord, check_within_programme, validate_private_document
from .meetings import InfoMeeting


class Platform(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    VK = "vk", "VK"
    YOUTUBE = "youtube", "YouTube"
    WEBSITE = "website", _("website")
    OTHER = "other", _("other")


class Publication(OutreachRecord):
    """A social-media post or a press, online or TV item about the award."""

    class Kind(models.TextChoices):
        SOCIAL_POST = "social_post", _("social media post")
        PRESS = "press", _("press or online media")
        TV = "tv", _("TV")

    class Subject(models.TextChoices):
        CAMPAIGN = "campaign", _("the award and the call for applications")
        MEETING = "meeting", _("an information meeting")
        VOTE = "vote", _("the public vote")
        CEREMONY = "ceremony", _("the ceremony")
        PROMO_VIDEO = "promo_video", _("a promo video")
        FAQ = "faq", _("answers to questions")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices,
                                blank=True)
    outlet = models.CharField(_("outlet or page"), max_length=255, blank=True)
    journalists = models.TextField(_("journalists"), blank=True, help_text=_("One per line."))
    title = models.CharField(_("title"), max_length=400, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices,
                                blank=True)
    subject = models.CharField(_("about"), max_length=12, choices=Subject.choices,
                               default=Subject.CAMPAIGN)
    meeting = models.ForeignKey(InfoMeeting, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="publications", verbose_name=_("meeting"))

    dated_fields = ("published_on",)

    class Meta:
        ordering = ["programme", "published_on", "id"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return self.title or self.outlet or self.url or str(self.get_kind_display())

    def clean(self):
        super().clean()
        if not (self.url or self.outlet or self.title):
            raise ValidationError(_("Give the link, the outlet or the title."))


class ReachFigures(models.Model):
    """Reach figures taken at one moment; a figure the source does not give stays empty."""

    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    views = models.PositiveIntegerField(_("views"), null=True, blank=True)
    reach = models.PositiveIntegerField(_("reach"), null=True, blank=True)
    interactions = models.PositiveIntegerField(_("interactions"), null=True, blank=True)
    shares = models.PositiveIntegerField(_("shares"), null=True, blank=True)
    comments = models.PositiveIntegerField(_("comments"), null=True, blank=True)
    likes = models.PositiveIntegerField(_("likes"), null=True, blank=True)

    subject_field = None  # the foreign key to what the figures are of, set by each child

    class Meta:
        abstract = True
        get_latest_by = "taken_at"
        verbose_name = _("reach snapshot")
        verbose_name_plural = _("reach snapshots")

    def __str__(self):
        return f"{self.taken_at:%d.%m.%Y %H:%M}"

    def clean(self):
        subject = getattr(self, self.subject_field, None)
        if subject is not None:
            check_within_programme(subject.programme, taken_at=self.taken_at)

    @staticmethod
    def one_snapshot_per_moment(subject_field):
        """The constraint that a subject has one snapshot per moment (its name is the one the
        migrations gave it)."""
        return models.UniqueConstraint(fields=[subject_field, "taken_at"],
                                       name=f"one_{subject_field}_snapshot_per_moment")


class PublicationReach(ReachFigures):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="reach",
                                    verbose_name=_("publication"))

    subject_field = "publication"

    class Meta(ReachFigures.Meta):
        ordering = ["publication", "-taken_at"]
        constraints = [ReachFigures.one_snapshot_per_moment("publication")]


class Video(OutreachRecord):
    class Kind(models.TextChoices):
        PROMO = "promo", _("promo video")
        VOTE_PROMO = "vote_promo", _("promo video of the public vote")
        FINALIST = "finalist", _("finalist video")
        SOCIAL_ENTREPRENEUR = "social_entrepreneur", _("social entrepreneur video")
        TESTIMONIAL = "testimonial", _("testimonial")
        CEREMONY = "ceremony", _("ceremony video")

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("link"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    script = models.TextField(_("script"), blank=True)
    script_document = models.FileField(_("script document"), upload_to="events/scripts/",
                                       blank=True, validators=[validate_private_document])
    application = models.ForeignKey(Application, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("finalist's application"))

    dated_fields = ("published_on",)

    class Meta:
        ordering = ["programme", "kind", "published_on", "id"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")

    def __str__(self):
        return self.title


class VideoReach(ReachFigures):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="reach",
                              verbose_name=_("video"))

    subject_field = "video"

    class Meta(ReachFigures.Meta):
        ordering = ["video", "-taken_at"]
        constraints = [ReachFigures.one_snapshot_per_moment("video")]


class MailingCampaign(OutreachRecord):
    """Messages sent by the portal or through a partner's mailing list."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("the portal's mail")
        PARTNER_LIST = "partner_list", _("a partner's mailing list")
        INVITATIONS = "invitations", _("invitations")
        OTHER = "other", _("other")

    title = models.CharField(_("title"), max_length=300)
    channel = models.CharField(_("channel"), max_length=14, choices=Channel.choices)
    list_owner = models.CharField(_("list owner"), max_length=255, blank=True)
    audience = models.CharField(_("audience"), max_length=255, blank=True)
    messages_sent = models.PositiveIntegerField(_("messages sent"), null=True, blank=True)
    at_least = models.BooleanField(
        _("the count is a lower bound"), default=False,
        help_text=_("Tick when the source gives “1000+” rather than an exact count."))
    sent_on = models.DateField(_("sent on"), null=True, blank=True)

    dated_fields = ("sent_on",)

    class Meta:
        ordering = ["programme", "sent_on", "id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self):
        return self.title


class ChannelSnapshot(models.Model):
    """The programme's own page on a platform, as it stood on a day."""

    programme = models.ForeignKey("ozgeris.Programme", on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("programme"))
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    taken_on = models.DateField(_("on"))
    period_note = models.CharField(_("period"), max_length=120, blank=True,
                                   help_text=_("When the figures cover a period, not a day."))
    period_note_kk = models.CharField(_("period (Kazakh)"), max_length=120, blank=True)
    period_note_en = models.CharField(_("period (English)"), max_length=120, blank=True)
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    posts = models.PositiveIntegerField(_("posts"), null=True, blank=True)
    page_views = models.PositiveIntegerField(_("page views"), null=True, blank=True)
    page_reach = models.PositiveIntegerField(_("page reach"), null=True, blank=True)
    engagement = models.PositiveIntegerField(_("engagement"), null=True, blank=True)
    appendix = models.CharField(_("appendix No."), max_length=40, blank=True)

    class Meta:
        ordering = ["programme", "taken_on", "platform"]
        verbose_name = _("channel snapshot")
        verbose_name_plural = _("channel snapshots")
        constraints = [
            models.UniqueConstraint(fields=["programme", "platform", "taken_on"],
                                    name="one_channel_snapshot_per_day"),
            models.CheckConstraint(
                condition=Q(followers__isnull=False) | Q(posts__isnull=False)
                | Q(page_views__isnull=False) | Q(page_reach__isnull=False)
                | Q(engagement__isnull=False),
                name="channel_snapshot_has_a_figure"),
        ]

    # ``period_note`` predates its Kazakh and English siblings and keeps its name.
    period = localized_property("period_note", russian="period_note")

    def __str__(self):
        return f"{self.get_platform_display()} {self.taken_on:%d.%m.%Y}"

    def clean(self):
        if self.programme_id:
            check_within_programme(self.programme, taken_on=self.taken_on)
