"""Every change to organisations and applications, and the application status machine.

Other apps change an application's status only through ``change_status`` (the jury's
eligibility and finalist decisions, the vote's winners). Each function runs in one
transaction, writes an audit entry and queues its mail through the outbox.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit, outbox
from ozgeris.uploads import CONTENT_TYPES, EXTENSIONS, JPEG, PDF, PNG, XLSX, validate_upload

from .models import (
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    ApplicationVersion,
    DeadlineExtension,
    DocumentKind,
    DocumentRequest,
    Invitation,
    Membership,
    Organisation,
    Status,
)


class ApplicationError(Exception):
    """A refusal with a message for the person who asked (already translated)."""


# ---------------------------------------------------------------------------
# The status machine
# ---------------------------------------------------------------------------

TRANSITIONS = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.SUBMITTED, Status.WITHDRAWN, Status.SCREENED,
                       Status.DOCUMENTS_REQUESTED, Status.DOCUMENTS_REJECTED},
    Status.DOCUMENTS_REQUESTED: {Status.SUBMITTED, Status.DOCUMENTS_REJECTED},
    Status.SCREENED: {Status.ELIGIBLE, Status.FAILED_80_20},
    Status.ELIGIBLE: {Status.FINALIST, Status.NOT_SELECTED},
    Status.FINALIST: {Status.WINNER},
    Status.WITHDRAWN: set(),
    Status.DOCUMENTS_REJECTED: set(),
    Status.FAILED_80_20: set(),
    Status.NOT_SELECTED: set(),
    Status.WINNER: set(),
}

# Decisions that must say why (the applicant is told).
REASON_REQUIRED = {Status.DOCUMENTS_REJECTED, Status.DOCUMENTS_REQUESTED}


def can_transition(current, target):
    return target in TRANSITIONS.get(current, set())


def change_status(*, application, to, by, reason="", now=None, **details):
    """Move an application to ``to`` if the status machine allows it; log who and why.

    Side effects: the status, an audit entry ``application.status`` with from/to/reason.
    Raises ApplicationError for a transition the machine does not allow.
    """
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if not can_transition(locked.status, to):
            raise ApplicationError(
                _("An application that is “%(current)s” cannot become “%(target)s”.")
                % {"current": Status(locked.status).label, "target": Status(to).label}
            )
        if to in REASON_REQUIRED and not reason.strip():
            raise ApplicationError(_("Give a reason for this decision."))
        previous = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit.record(by, "application.status", locked, at=now,
                     **{"from": previous, "to": to, "reason": reason, **details})
    application.status = to
    return application


# ---------------------------------------------------------------------------
# The 80/20 rule
# ---------------------------------------------------------------------------

def income_share(total_income, entrepreneurial_income, threshold):
    """The share of income from entrepreneurial activity, in per cent to two decimals, and
    whether it meets ``threshold``. With no income reported the share is undefined (None)
    and the rule is not met; with a figure missing, neither is known."""
    if total_income is None or entrepreneurial_income is None:
        return None, None
    if total_income <= 0:
        return None, False
    share = (Decimal(entrepreneurial_income) * 100 / Decimal(total_income)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return share, share >= Decimal(threshold)


def refresh_income_share(application):
    """Store the share and the 80/20 result with the figures and the threshold they came from."""
    threshold = application.programme.income_share_threshold
    share, passes = income_share(application.total_income, application.entrepreneurial_income,
                                 threshold)
    application.income_share = share
    application.passes_80_20 = passes
    application.income_share_threshold = threshold


# ---------------------------------------------------------------------------
# The application window
# ---------------------------------------------------------------------------

def deadline_for(programme, organisation):
    """The programme's closing time, or the organisation's individual extension if later."""
    extension = DeadlineExtension.objects.filter(programme=programme,
                                                 organisation=organisation).first()
    if extension and extension.until > programme.intake_closes_at:
        return extension.until
    return programme.intake_closes_at


def window_open(application, now=None):
    now = now or timezone.now()
    return (application.programme.intake_opens_at <= now
            < deadline_for(application.programme, application.organisation))


def is_editable(application, now=None):
    """The applicant may change the form: a draft or a submitted application, window open."""
    return application.status in (Status.DRAFT, Status.SUBMITTED) and window_open(application, now)


def open_document_request(application):
    return application.document_requests.filter(fulfilled_at__isnull=True).first()


def uploadable_kinds(application, now=None):
    """Which documents the applicant may upload now: any while the form is editable, and
    after the deadline only those staff asked for."""
    if is_editable(application, now):
        return list(DocumentKind.values)
    request = open_document_request(application)
    if application.status == Status.DOCUMENTS_REQUESTED and request:
        return list(request.kinds)
    return []


# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------

REQUIRED_FIELDS = ("project_title", "social_problem", "solution", "beneficiaries",
                   "impact_evidence", "products", "customers", "years_in_operation", "team",
                   "financial_year", "total_income", "entrepreneurial_income")


def checklist(application, documents=None):
    """(label, done) for each thing a submission needs, in the form's order."""
    field_items = [
        (Application._meta.get_field(name).verbose_name,
         getattr(application, name) not in (None, ""))
        for name in REQUIRED_FIELDS
    ]
    kinds = {doc.kind for doc in (documents if documents is not None
                                  else application.documents.all())}
    document_items = [(DocumentKind(kind).label, kind in kinds) for kind in REQUIRED_DOCUMENTS]
    return field_items + document_items


def missing_items(application):
    return [str(label) for label, done in checklist(application) if not done]


# ---------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------

@transaction.atomic
def create_organisation(*, by, now=None, **fields):
    """Create an organisation with ``by`` as its first member. Side effects: audit entry."""
    moment = now or timezone.now()
    organisation = Organisation(created_at=moment, **fields)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=by, role=Membership.Role.OWNER,
                              joined_at=moment)
    audit.record(by, "organisation.created", organisation, at=now)
    return organisation


@transaction.atomic
def invite_member(*, organisation, email, by, accept_url_for):
    """Invite someone by email to act for the organisation. Side effects: an invitation,
    an email through the outbox, an audit entry. ``accept_url_for(token)`` builds the link."""
    if organisation.members.filter(email__iexact=email).exists():
        raise ApplicationError(_("This person is already a member of the organisation."))
    invitation = Invitation.objects.create(organisation=organisation, email=email, invited_by=by)
    outbox.queue_templated_email(
        to=[email],
        template="applications/email/invitation",
        context={"organisation": organisation, "by": by,
                 "url": accept_url_for(invitation.token)},
        language=by.preferred_language,
        purpose="applications:invitation",
    )
    audit.record(by, "organisation.invited", organisation, email=email)
    return invitation


@transaction.atomic
def accept_invitation(*, invitation, user):
    """Join the organisation. The invitation is for one address; a signed-in person with
    another address cannot use it."""
    if invitation.accepted_at:
        raise ApplicationError(_("This invitation has already been used."))
    if invitation.email.lower() != user.email.lower():
        raise ApplicationError(
            _("This invitation was sent to another email address. Sign in with that address.")
        )
    Membership.objects.get_or_create(organisation=invitation.organisation, user=user)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(user, "organisation.joined", invitation.organisation)
    return invitation.organisation


# ---------------------------------------------------------------------------
# Applicants' actions
# ---------------------------------------------------------------------------

def start_application(*, programme, organisation, nomination, by, now=None):
    """Open (or return the existing) application of an organisation in a nomination.

    The unique constraint makes a double click return the same application."""
    if nomination.programme_id != programme.pk or nomination.kind != nomination.Kind.NGO:
        raise ApplicationError(_("Choose one of this programme's nominations."))
    now = now or timezone.now()
    existing = Application.objects.filter(programme=programme, organisation=organisation,
                                          nomination=nomination).first()
    if existing:
        return existing, False
    if not (programme.intake_opens_at <= now < deadline_for(programme, organisation)):
        raise ApplicationError(_("Applications are not being accepted now."))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                programme=programme, organisation=organisation, nomination=nomination,
                created_by=by, created_at=now,
            )
            audit.record(by, "application.started", application, at=now)
    except IntegrityError:
        return Application.objects.get(programme=programme, organisation=organisation,
                                       nomination=nomination), False
    return application, True


@transaction.atomic
def save_draft(*, application, by, now=None):
    """Save what the applicant typed (the form has set the fields). Side effects: the
    recomputed 80/20 share, an audit entry."""
    if not is_editable(application, now):
        raise ApplicationError(_("The application can no longer be changed."))
    refresh_income_share(application)
    application.save()
    audit.record(by, "application.saved", application, at=now)
    return application


@transaction.atomic
def upload_document(*, application, kind, file, by, now=None):
    """Store one document privately after checking its content. Side effects: the file in the
    private store, an audit entry. Raises ApplicationError for a document not allowed now."""
    if kind not in uploadable_kinds(application, now):
        raise ApplicationError(_("This document cannot be uploaded to the application now."))
    detected = validate_upload(file, allowed=(PDF, JPEG, PNG, XLSX))
    document = ApplicationDocument(
        application=application, kind=kind, original_name=file.name[:255],
        content_type=CONTENT_TYPES[detected], size=file.size, uploaded_by=by,
        uploaded_at=now or timezone.now(),
    )
    document.file.save(f"{kind}-{application.pk}{EXTENSIONS[detected]}", file, save=False)
    document.save()
    audit.record(by, "application.document_uploaded", application, at=now, kind=kind,
                 name=document.original_name)
    return document


@transaction.atomic
def remove_document(*, document, by, now=None):
    application = document.application
    if not is_editable(application, now):
        raise ApplicationError(_("The application can no longer be changed."))
    document.file.delete(save=False)
    document.delete()
    audit.record(by, "application.document_removed", application, at=now, kind=document.kind)


def _snapshot(application):
    documents = list(application.documents.all())
    fields = {name: getattr(application, name) for name in (
        "project_title", "social_problem", "solution", "beneficiaries", "beneficiaries_count",
        "impact_evidence", "products", "customers", "prices", "sales_channels",
        "years_in_operation", "team", "video_url", "registry_consent", "financial_year",
        "total_income", "entrepreneurial_income")}
    return {
        **fields,
        "income_share": str(application.income_share) if application.income_share is not None
        else None,
        "passes_80_20": application.passes_80_20,
        "income_share_threshold": str(application.income_share_threshold),
        "organisation": application.organisation.name,
        "bin": application.organisation.bin,
        "nomination": application.nomination.code,
        "documents": [{"kind": d.kind, "name": d.original_name, "size": d.size}
                      for d in documents],
    }


def submit_application(*, application, by, now=None):
    """Submit (or resubmit) the application.

    Refuses outside the window (unless an extension applies) or with anything missing.
    Side effects: status ``submitted``, a new kept version, a confirmation email in the
    applicant's language with the summary and checklist, an audit entry. A document request
    that was open is marked fulfilled (the application returns to screening).
    """
    moment = now or timezone.now()
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related(
            "programme", "organisation", "nomination").get(pk=application.pk)
        request = open_document_request(locked)
        returning = locked.status == Status.DOCUMENTS_REQUESTED and request
        if not returning and not is_editable(locked, now):
            raise ApplicationError(_("Applications are not being accepted now."))
        missing = missing_items(locked)
        if missing:
            raise ApplicationError(_("Complete the application first: %(missing)s.")
                                   % {"missing": "; ".join(missing)})
        if returning:
            have = set(locked.documents.filter(uploaded_at__gte=request.requested_at)
                       .values_list("kind", flat=True))
            absent = [DocumentKind(kind).label for kind in request.kinds if kind not in have]
            if absent:
                raise ApplicationError(_("Upload the requested documents first: %(docs)s.")
                                       % {"docs": "; ".join(str(label) for label in absent)})
            request.fulfilled_at = moment
            request.save(update_fields=["fulfilled_at"])
        refresh_income_share(locked)
        previous = locked.status
        if not can_transition(previous, Status.SUBMITTED):
            raise ApplicationError(_("This application cannot be submitted."))
        locked.status = Status.SUBMITTED
        locked.submitted_at = moment
        locked.save()
        number = locked.versions.count() + 1
        ApplicationVersion.objects.create(application=locked, number=number, submitted_by=by,
                                          submitted_at=moment, snapshot=_snapshot(locked))
        outbox.queue_templated_email(
            to=[by.email],
            template="applications/email/submitted",
            context={"application": locked, "version": number,
                     "checklist": checklist(locked)},
            language=by.preferred_language,
            purpose="applications:submitted",
        )
        audit.record(by, "application.status", locked, at=moment,
                     **{"from": previous, "to": Status.SUBMITTED, "version": number})
    application.refresh_from_db()
    return application


def withdraw_application(*, application, by, now=None):
    if not window_open(application, now):
        raise ApplicationError(_("An application can be withdrawn only before the deadline."))
    return change_status(application=application, to=Status.WITHDRAWN, by=by, now=now)


# ---------------------------------------------------------------------------
# Staff screening
# ---------------------------------------------------------------------------

def screen_application(*, application, by, now=None):
    """The documents are in order: the application goes to the jury's eligibility check."""
    return change_status(application=application, to=Status.SCREENED, by=by, now=now)


def request_documents(*, application, kinds, message, by, now=None):
    """Ask the organisation for documents. Side effects: status ``documents requested``, a
    request the applicant can answer even after the deadline, an email to the members."""
    if not kinds or not message.strip():
        raise ApplicationError(_("Choose the documents and say what is missing."))
    with transaction.atomic():
        change_status(application=application, to=Status.DOCUMENTS_REQUESTED, by=by,
                      reason=message, now=now, documents=list(kinds))
        request = DocumentRequest.objects.create(application=application, kinds=list(kinds),
                                                 message=message, requested_by=by,
                                                 requested_at=now or timezone.now())
        for member in application.organisation.members.filter(is_active=True):
            outbox.queue_templated_email(
                to=[member.email],
                template="applications/email/documents_requested",
                context={"application": application, "request": request,
                         "kinds": [DocumentKind(kind).label for kind in kinds]},
                language=member.preferred_language,
                purpose="applications:documents_requested",
            )
    return request


def reject_documents(*, application, reason, by, now=None):
    return change_status(application=application, to=Status.DOCUMENTS_REJECTED, by=by,
                         reason=reason, now=now)


@transaction.atomic
def grant_extension(*, programme, organisation, until, reason, by):
    """Let one organisation submit and edit until ``until``. Side effects: audit entry."""
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the extension."))
    extension, _created = DeadlineExtension.objects.update_or_create(
        programme=programme, organisation=organisation,
        defaults={"until": until, "reason": reason, "granted_by": by},
    )
    audit.record(by, "application.extension_granted", organisation,
                 until=until.isoformat(), reason=reason, programme=programme.year)
    return extension


@transaction.atomic
def update_profile(*, application, by):
    """Save the public profile the applicant edited; a changed profile needs staff approval
    again before the public pages show it."""
    application.profile_approved_at = None
    application.save()
    audit.record(by, "application.profile_updated", application)
    return application


@transaction.atomic
def approve_profile(*, application, by):
    """Staff approve the finalist's public photo and text for the public pages."""
    application.profile_approved_at = timezone.now()
    application.save(update_fields=["profile_approved_at", "updated_at"])
    audit.record(by, "application.profile_approved", application)


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------

REMINDERS = (
    ("reminded_week_before_at", timedelta(days=7)),
    ("reminded_day_before_at", timedelta(days=1)),
)


def send_draft_reminders(now=None):
    """Remind organisations with an unsubmitted draft a week and a day before the deadline
    (each reminder once). Returns how many reminders were queued."""
    now = now or timezone.now()
    sent = 0
    for field, ahead in REMINDERS:
        drafts = Application.objects.filter(
            status=Status.DRAFT, programme__intake_opens_at__lte=now,
            programme__intake_closes_at__gt=now, programme__intake_closes_at__lte=now + ahead,
            **{f"{field}__isnull": True},
        ).select_related("programme", "organisation", "nomination")
        for application in drafts:
            with transaction.atomic():
                updated = Application.objects.filter(
                    pk=application.pk, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not updated:
                    continue
                for member in application.organisation.members.filter(is_active=True):
                    outbox.queue_templated_email(
                        to=[member.email],
                        template="applications/email/draft_reminder",
                        context={"application": application,
                                 "missing": missing_items(application)},
                        language=member.preferred_language,
                        purpose="applications:reminder",
                    )
                sent += 1
    return sent
