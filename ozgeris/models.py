"""The spine's models: users, programmes, nominations, regions, the audit log, the outbox."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .emails import canonical_email
from .storage import public_storage
from .uploads import validate_public_pdf

# ---------------------------------------------------------------------------
# Titles in three languages
# ---------------------------------------------------------------------------


def localized(obj, field, *, russian=None):
    """The value of ``field_<language>`` for the active language, falling back to Russian
    (``field_ru``, or the field named ``russian`` where the Russian one has no suffix)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    value = getattr(obj, f"{field}_{language}", "")
    return value or getattr(obj, russian or f"{field}_ru", "")


def localized_property(field, *, russian=None):
    """A read-only attribute with ``localized(obj, field, russian=russian)``: on a model with
    ``question_ru``, ``question_kk`` and ``question_en``, ``question = localized_property(
    "question")``."""
    return property(lambda obj: localized(obj, field, russian=russian),
                    doc=f"``{field}`` in the active language, falling back to Russian.")


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------

MAILBOX_HELD_BY_ANOTHER = _(
    "Another account already has this mailbox (this address or another spelling of it).")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(canonical_email=canonical_email(email))

    def stale_canonical_emails(self):
        """[(account, its form under today's rules, the account holding that form or None)] for
        every account whose stored ``canonical_email`` is not ``canonical_email(email)``: a
        change of the rules left it behind, or its mailbox's form belongs to another account
        (migration 0013 keeps both accounts and leaves the choice to staff)."""
        stale = [(user, form) for user in self.order_by("pk").only(
                     "pk", "email", "canonical_email", "date_joined").iterator(chunk_size=2000)
                 if (form := canonical_email(user.email)) != user.canonical_email]
        holders = self.filter(canonical_email__in=[form for _, form in stale]).in_bulk(
            field_name="canonical_email")
        return [(user, form, holders.get(form)) for user, form in stale]


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email is the login; its canonical form is unique.

    ``canonical_email`` (``ozgeris.emails``) folds every spelling of one mailbox (case, Unicode
    compatibility forms, ``+tags``, Gmail's dots, Yandex's domains…), so that
    ``a.b+x@gmail.com`` and ``ab@googlemail.com`` cannot be two accounts (and so cannot vote
    twice). It is computed when the account is created and whenever its email changes; an
    account whose stored form a change of the rules left behind (``manage.py
    canonical_email_collisions``) keeps it until staff decide, so that saving its profile does
    not collide with the account that holds the new form.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    canonical_email = models.CharField(_("canonical email address"), max_length=254, unique=True,
                                       editable=False)
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="ru"
    )
    personal_data_consent_at = models.DateTimeField(
        _("consent to personal data processing"), null=True, blank=True
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # When the login email was confirmed (the vote's fraud checks look at accounts that vote
    # within seconds of it); empty for accounts verified without a confirmation (social login).
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("account deleted at"), null=True, blank=True)
    # Signed into the address of the person's calendar feed (ozgeris.calendars): raising it
    # revokes every address given out before.
    calendar_feed_version = models.PositiveIntegerField(_("calendar feed version"), default=0,
                                                        editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.email

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._email_as_loaded = user.__dict__.get("email")
        return user

    def clean(self):
        """A form that sets the email (the admin's) is told when another account already holds
        that mailbox's canonical form, instead of failing on the unique column."""
        super().clean()
        if not (self._state.adding or self.email != getattr(self, "_email_as_loaded", None)):
            return
        if self.mailbox_held_by_another(self.email):
            raise ValidationError({"email": MAILBOX_HELD_BY_ANOTHER})

    def mailbox_held_by_another(self, address):
        """Whether another account signs in with ``address``'s mailbox (this spelling or any
        other): one mailbox, one account, so it can never become this one's login."""
        from .accounts import mailbox_owner  # it imports this module

        holder = mailbox_owner(address)
        return holder is not None and holder.pk != self.pk

    def save(self, *args, **kwargs):
        if self._state.adding or self.email != getattr(self, "_email_as_loaded", None):
            self.canonical_email = canonical_email(self.email)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "email" in update_fields:
                kwargs["update_fields"] = {*update_fields, "canonical_email"}
        super().save(*args, **kwargs)
        self._email_as_loaded = self.email

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name or self.email.split("@")[0]

    def verified_login_email(self):
        """The login email's allauth record, if we verified it (a queryset, for subqueries)."""
        return self.emailaddress_set.filter(verified=True, email__iexact=self.email)

    @property
    def has_verified_email(self):
        """True when the login email was verified by us (allauth's EmailAddress)."""
        return self.verified_login_email().exists()


# ---------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------


class Region(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("region")
        CITY = "city", _("city of republican significance")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_ru = models.CharField(_("name in Russian"), max_length=100)
    name_kk = models.CharField(_("name in Kazakh"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    centre_ru = models.CharField(_("administrative centre"), max_length=100, blank=True)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    name = localized_property("name")


# ---------------------------------------------------------------------------
# Programmes and nominations
# ---------------------------------------------------------------------------


class ProgrammeQuerySet(models.QuerySet):
    def current(self):
        """The edition the public site shows: the latest published one, or None."""
        return self.filter(is_published=True).order_by("-year").first()

    def current_or_404(self):
        """The current edition for a page that exists only with one (applying, the vote, the
        jury's panel): every such page asks here, so without a published edition they all
        answer the portal's 404 alike."""
        programme = self.current()
        if programme is None:
            raise Http404("No programme is published.")
        return programme

    def published_or_404(self, year):
        """The published edition of ``year`` for the pages that name one in their address
        (ledger, results, laureates, checkpoints); 404 for an unknown or hidden year."""
        try:
            return self.get(year=year, is_published=True)
        except self.model.DoesNotExist as missing:
            raise Http404("No programme is published for this year.") from missing


class Programme(models.Model):
    """One edition of the award. Stage dates are stored in UTC and shown in Asia/Almaty."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    about_ru = models.TextField(_("about the award (Russian)"), blank=True)
    about_kk = models.TextField(_("about the award (Kazakh)"), blank=True)
    about_en = models.TextField(_("about the award (English)"), blank=True)
    regulations = models.FileField(
        _("regulations"),
        storage=public_storage,
        upload_to="regulations/",
        blank=True,
        validators=[validate_public_pdf],
    )
    regulations_approved_on = models.DateField(_("regulations approved on"), null=True, blank=True)
    intake_opens_at = models.DateTimeField(_("applications open"))
    intake_closes_at = models.DateTimeField(_("applications close"))
    scoring_opens_at = models.DateTimeField(_("jury scoring opens"))
    scoring_closes_at = models.DateTimeField(_("jury scoring closes"))
    voting_opens_at = models.DateTimeField(_("public vote opens"))
    voting_closes_at = models.DateTimeField(_("public vote closes"))
    ceremony_at = models.DateTimeField(_("award ceremony"))
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    income_share_threshold = models.DecimalField(
        _("minimum share of income from entrepreneurial activity, %"),
        max_digits=5,
        decimal_places=2,
        default=20,
        help_text=_("The “80/20” rule: an NGO qualifies when at least this share of its income "
                    "comes from entrepreneurial activity."),
    )
    is_published = models.BooleanField(_("shown on the public site"), default=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(intake_opens_at__lt=models.F("intake_closes_at"))
                & models.Q(scoring_opens_at__lt=models.F("scoring_closes_at"))
                & models.Q(voting_opens_at__lt=models.F("voting_closes_at")),
                name="programme_stages_open_before_they_close",
            ),
        ]

    def __str__(self):
        return self.title_with_year

    title = localized_property("title")

    @property
    def title_with_year(self):
        """The title naming its edition's year once ("… 2019", never "… 2019 (2019)")."""
        title = self.title
        return title if str(self.year) in title else f"{title} ({self.year})"

    about = localized_property("about")

    def stages(self):
        """The stages in order as (key, label, starts, ends); ``ends`` is exclusive."""
        return [
            ("intake", _("Applications"), self.intake_opens_at, self.intake_closes_at),
            ("scoring", _("Jury evaluation"), self.scoring_opens_at, self.scoring_closes_at),
            ("voting", _("Public vote"), self.voting_opens_at, self.voting_closes_at),
            ("ceremony", _("Award ceremony"), self.ceremony_at, None),
        ]

    def current_stage(self, now=None):
        """The key of the stage under way at ``now``: a stage runs from its start to its end,
        the ceremony is the current stage on its day; between stages the next one is
        "upcoming" and after the ceremony day the programme is "finished"."""
        now = now or timezone.now()
        for key, _label, starts, ends in self.stages():
            if ends is None:
                ceremony_day = timezone.localdate(starts)
                if timezone.localdate(now) == ceremony_day:
                    return key
            elif starts <= now < ends:
                return key
        if now < self.intake_opens_at:
            return "announced"
        if timezone.localdate(now) > timezone.localdate(self.ceremony_at):
            return "finished"
        return "between"

    def stage_status(self, now=None):
        """What the site's header says: the current stage key and, for a running or the next
        stage, its (label, starts, ends)."""
        now = now or timezone.now()
        key = self.current_stage(now)
        stages = {stage[0]: stage for stage in self.stages()}
        if key in stages:
            return key, stages[key]
        upcoming = next((stage for stage in self.stages() if stage[2] > now), None)
        return key, upcoming


class Nomination(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("NGO nomination")
        SUPPORTING = "supporting", _("supporting-organisation nomination")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="nominations",
                                  verbose_name=_("programme"))
    code = models.SlugField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NGO)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_kk = models.TextField(_("description (Kazakh)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["programme", "kind", "order"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"], name="nomination_code_unique_per_programme"
            ),
        ]

    def __str__(self):
        return self.title

    title = localized_property("title")
    description = localized_property("description")


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------


class AuditEvent(models.Model):
    """Who did what to which object, when. Written by services through ``ozgeris.audit.record``."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


# ---------------------------------------------------------------------------
# Outbox
# ---------------------------------------------------------------------------


class OutboxQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(sent_at__isnull=True, failed_at__isnull=True, available_at__lte=now)


class OutboxMessage(models.Model):
    """An email a service decided to send, written in the same transaction as the change.

    A task drains the outbox after the commit (inline in the embedded default, a
    Celery worker otherwise), so a rolled-back change sends nothing and a broker
    outage delays mail without losing it.
    """

    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    # A message queued on a hot path keeps its template and context and is rendered when it
    # is sent (the subject and text are empty until then).
    template = models.CharField(_("template"), max_length=200, blank=True)
    context = models.JSONField(_("context"), null=True, blank=True)
    # Extra header lines of this message ({"List-Unsubscribe": "<https://…>"}): only the
    # names in ozgeris.outbox.ALLOWED_HEADERS, each value one line (checked when queued and
    # when sent).
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, default="ru")
    purpose = models.CharField(_("purpose"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    available_at = models.DateTimeField(_("send after"), default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(_("gave up"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


# ---------------------------------------------------------------------------
# Background work
# ---------------------------------------------------------------------------


class WorkerHeartbeat(models.Model):
    """One row: when a Celery worker last ran the heartbeat task that beat sends every
    ``HEALTH_HEARTBEAT_SECONDS`` (ozgeris.tasks.heartbeat). /healthz reports its age: a worker
    that stopped, a beat that stopped or a broker that is down all let it grow. It is kept in
    the database, which outlives a Redis crash and is what /healthz reads anyway."""

    # the worker that ran it last
    worker = models.CharField(_("background worker"), max_length=200, blank=True)
    seen_at = models.DateTimeField(_("last seen at"))

    def __str__(self):
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


# Staff's messages to segments and the unsubscribed addresses (issue 18), in their own module.
from .models_messages import MailOptOut, SegmentMessage  # noqa: E402, F401
