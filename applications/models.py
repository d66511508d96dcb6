"""Organisations, their applications, documents, versions and the public finalist profile.

Only ``applications.services`` changes an application's status; the field is never
edited directly (the admin shows it read-only).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ozgeris.models import Nomination, Programme, Region, localized
from ozgeris.storage import public_storage

from .validators import validate_bin, validate_video_url


class LegalForm(models.TextChoices):
    OO = "OO", _("Public association (ОО)")
    OF = "OF", _("Public foundation (ОФ)")
    KF = "KF", _("Corporate foundation (КФ)")
    CHF = "CHF", _("Private foundation (ЧФ)")
    OYUL = "OYUL", _("Association of legal entities (ОЮЛ)")
    NAO = "NAO", _("Non-profit joint-stock company (НАО)")
    TOO = "TOO", _("Limited liability partnership (ТОО)")
    IP = "IP", _("Individual entrepreneur (ИП)")
    OTHER = "OTHER", _("Other")


NON_PROFIT_FORMS = {LegalForm.OO, LegalForm.OF, LegalForm.KF, LegalForm.CHF, LegalForm.OYUL,
                    LegalForm.NAO}


class Organisation(models.Model):
    """An NGO (or another organisation) that applies; reused across programmes."""

    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=255)
    legal_form = models.CharField(_("legal form"), max_length=8, choices=LegalForm.choices)
    bin = models.CharField(
        _("BIN"), max_length=12, unique=True, validators=[validate_bin],
        help_text=_("Business identification number: 12 digits."),
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    city = models.CharField(_("city or settlement"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    social_links = models.TextField(
        _("social networks"), max_length=1000, blank=True, help_text=_("One link per line.")
    )
    contact_person = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact email"))
    phone = models.CharField(_("phone"), max_length=40)
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations",
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("created the organisation")
        MEMBER = "member", _("member")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     verbose_name=_("organisation"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation}"


def _invitation_token():
    return secrets.token_urlsafe(24)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor revoked (an expired one still shows, so that it can be
        revoked and its address invited again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """A link mailed to one address that makes its holder a member. Revoked by hand
    (``applications.organisations.revoke_invitation``) or when the member who sent it leaves the
    organisation (``remove_member``); a revoked one grants nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="invitations", verbose_name=_("organisation"))
    email = models.EmailField(_("email address"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=_invitation_token,
                             editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("revoked by"))

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return self.email


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    SCREENED = "screened", _("documents checked")
    DOCUMENTS_REQUESTED = "documents_requested", _("documents requested")
    DOCUMENTS_REJECTED = "documents_rejected", _("documents rejected")
    ELIGIBLE = "eligible", _("eligible")
    FAILED_80_20 = "failed_80_20", _("did not meet the 80/20 rule")
    FINALIST = "finalist", _("finalist")
    NOT_SELECTED = "not_selected", _("not selected")
    WINNER = "winner", _("winner")


class DocumentKind(models.TextChoices):
    BALANCE_SHEET = "balance_sheet", _("balance sheet (income and expenses)")
    TAX_CERTIFICATE = "tax_certificate", _("certificate of no tax debt")
    CREDITOR_CERTIFICATE = "creditor_certificate", _("certificate of no creditor debt")
    REGISTRATION = "registration", _("state registration certificate")
    OTHER = "other", _("other attachment")


REQUIRED_DOCUMENTS = (DocumentKind.BALANCE_SHEET, DocumentKind.TAX_CERTIFICATE,
                      DocumentKind.CREDITOR_CERTIFICATE)


# The public vote's finalists: chosen by the jury, and after the vote its winners are still
# finalists. Whoever counts or lists finalists asks ApplicationQuerySet.finalists.
FINALIST_STATUSES = (Status.FINALIST, Status.WINNER)
# Found eligible by the jury (the 80/20 share and the documents), whatever the jury decided
# next: what the jury scores, and what the report counts as eligible.
ELIGIBLE_STATUSES = (Status.ELIGIBLE, Status.FINALIST, Status.NOT_SELECTED, Status.WINNER)
# The jury has decided (the 80/20 share, then finalists): the applicant reads its decision.
DECIDED_STATUSES = (Status.FAILED_80_20, Status.FINALIST, Status.NOT_SELECTED, Status.WINNER)
# Staff checked the documents, whatever the jury decided next: what the public registry lists
# (an application just submitted, or whose documents were rejected, took no part yet).
CHECKED_STATUSES = (Status.SCREENED, Status.ELIGIBLE, *DECIDED_STATUSES)


class ApplicationQuerySet(models.QuerySet):
    def submitted(self):
        """Everything that reached the jury's desk: not drafts, not withdrawn."""
        return self.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])

    def eligible(self):
        """Found eligible, before or after the jury's decision (ELIGIBLE_STATUSES)."""
        return self.filter(status__in=ELIGIBLE_STATUSES)

    def finalists(self, programme):
        """The public vote's finalists (and, after it, its winners)."""
        return self.filter(
            programme=programme, status__in=FINALIST_STATUSES
        ).select_related("organisation", "nomination")

    def with_related(self):
        return self.select_related("organisation", "organisation__region", "nomination",
                                   "programme")


class Application(models.Model):
    """One organisation's application in one nomination of one programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications",
                                  verbose_name=_("programme"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="applications", verbose_name=_("organisation"))
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT,
                                   related_name="applications", verbose_name=_("nomination"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    # The project
    project_title = models.CharField(_("project title"), max_length=200, blank=True)
    social_problem = models.TextField(_("the social problem"), max_length=3000, blank=True)
    solution = models.TextField(_("the solution and activities"), max_length=3000, blank=True)
    beneficiaries = models.TextField(_("who benefits"), max_length=1500, blank=True)
    beneficiaries_count = models.PositiveIntegerField(_("number of beneficiaries per year"),
                                                      null=True, blank=True)
    impact_evidence = models.TextField(_("evidence of social impact"), max_length=3000,
                                       blank=True)
    products = models.TextField(_("products and services"), max_length=2000, blank=True)
    customers = models.TextField(_("customers"), max_length=1500, blank=True)
    prices = models.TextField(_("prices"), max_length=1000, blank=True)
    sales_channels = models.TextField(_("sales channels"), max_length=1000, blank=True)
    years_in_operation = models.PositiveSmallIntegerField(
        _("years in operation"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    team = models.TextField(_("team"), max_length=2000, blank=True)
    video_url = models.URLField(_("video link"), blank=True, validators=[validate_video_url],
                                help_text=_("YouTube, Facebook or Instagram."))
    registry_consent = models.BooleanField(
        _("show the organisation in the public registry of social enterprises"), default=False
    )

    # Financials for the last full year, in tenge, and the 80/20 result computed from them
    financial_year = models.PositiveSmallIntegerField(_("financial year"), null=True, blank=True)
    total_income = models.BigIntegerField(_("total income, ₸"), null=True, blank=True,
                                          validators=[MinValueValidator(0)])
    entrepreneurial_income = models.BigIntegerField(
        _("income from entrepreneurial activity, ₸"), null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    income_share = models.DecimalField(_("share of entrepreneurial income, %"), max_digits=6,
                                       decimal_places=2, null=True, blank=True, editable=False)
    income_share_threshold = models.DecimalField(_("threshold applied, %"), max_digits=5,
                                                 decimal_places=2, null=True, blank=True,
                                                 editable=False)
    passes_80_20 = models.BooleanField(_("meets the 80/20 rule"), null=True, editable=False)

    # Reminders about an unsubmitted draft (a week and a day before the deadline)
    reminded_week_before_at = models.DateTimeField(_("reminder a week before the deadline"),
                                                   null=True, blank=True, editable=False)
    reminded_day_before_at = models.DateTimeField(_("reminder a day before the deadline"),
                                                  null=True, blank=True, editable=False)

    # The finalist's public profile (shown on the vote and laureates pages once approved).
    # The photo waits in the private store until staff approve it and publish a copy.
    pending_photo = models.ImageField(_("photo"), upload_to="profiles/", blank=True)
    public_photo = models.ImageField(_("published photo"), storage=public_storage,
                                     upload_to="finalists/", blank=True, editable=False)
    public_text_ru = models.TextField(_("public text (Russian)"), max_length=600, blank=True)
    public_text_kk = models.TextField(_("public text (Kazakh)"), max_length=600, blank=True)
    profile_updated_at = models.DateTimeField(_("profile changed"), null=True, blank=True,
                                              editable=False)
    profile_approved_at = models.DateTimeField(_("profile approved"), null=True, blank=True,
                                               editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "nomination"],
                name="one_application_per_organisation_and_nomination",
            ),
            models.CheckConstraint(
                condition=Q(entrepreneurial_income__isnull=True) | Q(total_income__isnull=True)
                | Q(entrepreneurial_income__lte=models.F("total_income")),
                name="entrepreneurial_income_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} — {self.project_title or self.nomination}"

    @property
    def is_decided(self):
        return self.status in DECIDED_STATUSES

    @property
    def public_text(self):
        return localized(self, "public_text")

    # The public profile as visitors see it: only while staff's approval stands. An edit takes
    # the approval back (services.update_profile): photo, text and video alike wait for the
    # next one.
    @property
    def approved_photo(self):
        return self.public_photo if self.profile_approved_at else None

    @property
    def approved_text(self):
        return self.public_text if self.profile_approved_at else ""

    @property
    def approved_video_url(self):
        return self.video_url if self.profile_approved_at else ""


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="documents", verbose_name=_("application"))
    kind = models.CharField(_("document"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="applications/%Y/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["kind", "-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class DocumentRequest(models.Model):
    """Staff asked for documents during screening; the applicant may upload exactly these,
    even after the deadline, and the application returns to screening."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="document_requests", verbose_name=_("application"))
    kinds = models.JSONField(_("documents"))
    message = models.TextField(_("what is missing"), max_length=2000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")

    def __str__(self):
        return f"{self.application} — {', '.join(self.kinds)}"


class ApplicationVersion(models.Model):
    """A frozen copy of what was submitted, one per submission."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="versions", verbose_name=_("application"))
    number = models.PositiveSmallIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+", verbose_name=_("by"))
    snapshot = models.JSONField(_("saved contents"))

    class Meta:
        ordering = ["application", "-number"]
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="one_version_number")
        ]

    def __str__(self):
        return f"{self.application} v{self.number}"


class DeadlineExtension(models.Model):
    """Staff let one organisation submit or edit after the programme's deadline."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, verbose_name=_("programme"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="extensions", verbose_name=_("organisation"))
    until = models.DateTimeField(_("open until"))
    reason = models.TextField(_("reason"), max_length=1000)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"],
                                    name="one_extension_per_organisation")
        ]

    def __str__(self):
        return f"{self.organisation} → {self.until:%Y-%m-%d %H:%M}"
