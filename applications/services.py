"""Every change to applications, and the application status machine (organisations and their
members: ``applications.organisations``).

Other apps change an application's status only through ``change_status`` (the jury's
eligibility and finalist decisions, the vote's winners). Each function runs in one
transaction, writes an audit entry and queues its mail through the outbox.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit, outbox
from ozgeris.links import portal_link
from ozgeris.uploads import CONTENT_TYPES, EXTENSIONS, JPEG, PDF, PNG, XLSX, validate_upload

from . import fields as application_fields
from .intake import (
    deadline_for,
    intake_open_for,
    is_editable,
    open_document_request,
    uploadable_kinds,
    window_open,
)
from .models import (
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    ApplicationVersion,
    DeadlineExtension,
    DocumentKind,
    DocumentRequest,
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
    # The jury's eligibility can be corrected (an override with a reason) until finalists
    # are chosen.
    Status.ELIGIBLE: {Status.FINALIST, Status.NOT_SELECTED, Status.FAILED_80_20},
    Status.FAILED_80_20: {Status.ELIGIBLE},
    Status.FINALIST: {Status.WINNER},
    Status.WITHDRAWN: {Status.DRAFT},
    Status.DOCUMENTS_REJECTED: set(),
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
# Completeness
# ---------------------------------------------------------------------------

def checklist(application, documents=None):
    """(label, done) for each thing a submission needs (``applications.fields``), in the
    form's order, then the required documents."""
    field_items = [
        (Application._meta.get_field(name).verbose_name,
         getattr(application, name) not in (None, ""))
        for name in application_fields.required_names()
    ]
    kinds = {doc.kind for doc in (documents if documents is not None
                                  else application.documents.all())}
    document_items = [(DocumentKind(kind).label, kind in kinds) for kind in REQUIRED_DOCUMENTS]
    return field_items + document_items


def missing_items(application):
    return [str(label) for label, done in checklist(application) if not done]


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
    if existing and existing.status == Status.WITHDRAWN and intake_open_for(
            programme, organisation, now):
        change_status(application=existing, to=Status.DRAFT, by=by, now=now,
                      reason="reopened by the applicant")
        return existing, False
    if existing:
        return existing, False
    if not intake_open_for(programme, organisation, now):
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


COMPUTED_FIELDS = ["income_share", "passes_80_20", "income_share_threshold", "updated_at"]


def _apply_form(locked, edited, fields):
    for name in fields:
        setattr(locked, name, getattr(edited, name))
    refresh_income_share(locked)


@transaction.atomic
def save_draft(*, application, fields, by, now=None):
    """Save what the applicant typed into a draft (``application`` carries the form's values
    for ``fields``). The row is locked and only those fields are written, so a status change
    made meanwhile is never overwritten. Side effects: the recomputed share, an audit entry."""
    locked = Application.objects.select_for_update().select_related(
        "programme", "organisation").get(pk=application.pk)
    if locked.status != Status.DRAFT or not window_open(locked, now):
        raise ApplicationError(_("The application can no longer be changed."))
    _apply_form(locked, application, fields)
    locked.save(update_fields=[*fields, *COMPUTED_FIELDS])
    audit.record(by, "application.saved", locked, at=now)
    return locked


# How much one application may keep, so that no signed-up user can fill the private store with
# file after file (each upload is checked against settings.UPLOAD_MAX_BYTES, 10 MB, and a form
# carries five). A draft's documents can be removed, a submitted application's stay (its kept
# versions refer to them): ten files of one document leave room for several resubmissions and
# for the "other" attachments, and 100 MB in all for ten files at the upload limit, several
# times what an applicant's scans take.
MAX_DOCUMENTS_PER_KIND = 10
MAX_DOCUMENTS_BYTES = 100 * 1024 * 1024


def _check_room(application, kind, size):
    """Raise ApplicationError if one more file of ``kind`` and ``size`` bytes would take the
    application past MAX_DOCUMENTS_PER_KIND or MAX_DOCUMENTS_BYTES."""
    documents = ApplicationDocument.objects.filter(application=application)
    if documents.filter(kind=kind).count() >= MAX_DOCUMENTS_PER_KIND:
        raise ApplicationError(
            _("The application already holds %(limit)s files of this document, the most it "
              "takes; a draft's files can be removed to make room.")
            % {"limit": MAX_DOCUMENTS_PER_KIND})
    held = documents.aggregate(total=Sum("size"))["total"] or 0
    if held + size > MAX_DOCUMENTS_BYTES:
        raise ApplicationError(
            _("The application's documents would take %(total)s; the limit is %(limit)s in "
              "all. Make the file smaller, or remove a draft's file you no longer need.")
            % {"total": filesizeformat(held + size), "limit": filesizeformat(MAX_DOCUMENTS_BYTES)})


@transaction.atomic
def upload_document(*, application, kind, file, by, now=None):
    """Store one document privately after checking its content and that the application has
    room for it (MAX_DOCUMENTS_PER_KIND, MAX_DOCUMENTS_BYTES: the application's row is locked
    while its documents are counted, so parallel uploads cannot both take the last place).
    Side effects: the file in the private store, an audit entry. Raises ApplicationError for a
    document not allowed now or with no room, ValidationError for a refused file."""
    if kind not in uploadable_kinds(application, now):
        raise ApplicationError(_("This document cannot be uploaded to the application now."))
    detected = validate_upload(file, allowed=(PDF, JPEG, PNG, XLSX))
    Application.objects.select_for_update().only("pk").get(pk=application.pk)  # the lock
    _check_room(application, kind, file.size)
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
    """Remove a document from a draft. Submitted documents stay (a version refers to them);
    the file goes once the transaction commits."""
    application = document.application
    if application.status != Status.DRAFT or not window_open(application, now):
        raise ApplicationError(_("Documents of a submitted application cannot be removed; "
                                 "upload a newer one when you resubmit."))
    name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
    audit.record(by, "application.document_removed", application, at=now, kind=document.kind)


def _snapshot(application):
    """The submitted version as kept: every declared answer, the 80/20 result, the
    organisation and the documents."""
    documents = list(application.documents.all())
    fields = {name: getattr(application, name) for name in application_fields.names()}
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


def submit_application(*, application, by, now=None, edited=None, fields=()):
    """Submit the application, or resubmit it with the applicant's changes.

    ``edited`` and ``fields`` carry a resubmission's form values: they are written in the
    same transaction, so a resubmission that is refused (outside the window, or with
    something missing) changes nothing and the submitted version stays as it was.
    Side effects: status ``submitted``, a new kept version, a confirmation email in the
    applicant's language with the summary and checklist, an audit entry. An open document
    request is marked fulfilled (the application returns to screening). Resubmitting what is
    already the latest version (a double click) does nothing.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related(
            "programme", "organisation", "nomination").get(pk=application.pk)
        request = open_document_request(locked)
        returning = locked.status == Status.DOCUMENTS_REQUESTED and request
        if not returning and not is_editable(locked, now):
            raise ApplicationError(_("Applications are not being accepted now."))
        if edited is not None and not returning:
            _apply_form(locked, edited, fields)
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
        snapshot = _snapshot(locked)
        latest = locked.versions.first()
        if locked.status == Status.SUBMITTED and latest and latest.snapshot == snapshot:
            application.refresh_from_db()
            return application
        previous = locked.status
        if not can_transition(previous, Status.SUBMITTED):
            raise ApplicationError(_("This application cannot be submitted."))
        locked.status = Status.SUBMITTED
        locked.submitted_at = moment
        locked.save()
        number = (latest.number if latest else 0) + 1
        ApplicationVersion.objects.create(application=locked, number=number, submitted_by=by,
                                          submitted_at=moment, snapshot=snapshot)
        deadline = deadline_for(locked.programme, locked.organisation)
        outbox.queue_templated_email(
            to=[by.email],
            template="applications/email/submitted",
            context={"application": locked, "version": number,
                     "checklist": checklist(locked), "deadline": deadline,
                     "can_still_edit": moment < deadline},
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
        email_members(application, "applications/email/documents_requested",
                       {"application": application, "request": request,
                        "kinds": [DocumentKind(kind).label for kind in kinds]},
                       "applications:documents_requested")
    return request


def reject_documents(*, application, reason, by, now=None):
    """The documents are not acceptable: the application leaves the competition and its
    members are told why by email."""
    with transaction.atomic():
        change_status(application=application, to=Status.DOCUMENTS_REJECTED, by=by,
                      reason=reason, now=now)
        email_members(application, "applications/email/documents_rejected",
                       {"application": application, "reason": reason},
                       "applications:documents_rejected")
    return application


def email_members(application, template, context, purpose):
    """Queue ``template`` to each active member of the application's organisation, in the
    member's language."""
    return email_organisation(application.organisation, template, context, purpose)


def email_organisation(organisation, template, context, purpose):
    """Queue ``template`` to each active member of ``organisation``, in the member's language.
    Returns how many messages were queued."""
    members = list(organisation.members.filter(is_active=True))
    for member in members:
        outbox.queue_templated_email(to=[member.email], template=template, context=context,
                                     language=member.preferred_language, purpose=purpose)
    return len(members)


@transaction.atomic
def grant_extension(*, programme, organisation, until, reason, by):
    """Let one organisation submit and edit until ``until``. Side effects: the extension
    (replacing an earlier one), an email to the organisation's members in their language
    with the new deadline and a link to their applications, an audit entry."""
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the extension."))
    extension, _created = DeadlineExtension.objects.update_or_create(
        programme=programme, organisation=organisation,
        defaults={"until": until, "reason": reason, "granted_by": by},
    )
    notified = email_organisation(
        organisation, "applications/email/extension_granted",
        {"organisation": organisation, "programme": programme,
         "deadline": deadline_for(programme, organisation),
         "url": portal_link("applications:dashboard")},
        "applications:extension_granted")
    audit.record(by, "application.extension_granted", organisation,
                 until=until.isoformat(), reason=reason, programme=programme.year,
                 notified=notified)
    return extension


PROFILE_STATUSES = (Status.ELIGIBLE, Status.FINALIST, Status.WINNER)
PROFILE_FIELDS = ["pending_photo", "public_text_ru", "public_text_kk", "video_url"]


@transaction.atomic
def update_profile(*, application, by):
    """Save the public profile the applicant edited (``application`` carries the form's
    values). The photo waits in the private store and nothing is public until staff approve
    this very version. Side effects: approval withdrawn, an audit entry."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in PROFILE_STATUSES:
        raise ApplicationError(_("The public profile is for applications in the final round."))
    previous_photo = locked.pending_photo.name
    for name in PROFILE_FIELDS:
        setattr(locked, name, getattr(application, name))
    locked.profile_approved_at = None
    locked.profile_updated_at = timezone.now()
    locked.save(update_fields=[*PROFILE_FIELDS, "profile_approved_at", "profile_updated_at",
                               "updated_at"])
    if previous_photo and previous_photo != locked.pending_photo.name:
        storage = locked.pending_photo.storage
        transaction.on_commit(lambda: storage.delete(previous_photo))
    audit.record(by, "application.profile_updated", locked)
    return locked


@transaction.atomic
def approve_profile(*, application, seen_version, by):
    """Staff publish the profile they reviewed: its photo is copied to the public store.
    ``seen_version`` is the profile's ``profile_updated_at`` as the reviewer saw it; a
    profile changed since is refused, so nothing unseen is published."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.profile_updated_at is None or locked.profile_updated_at.isoformat() != seen_version:
        raise ApplicationError(_("The profile changed while you were reviewing it; "
                                 "review it again."))
    old_public = locked.public_photo.name
    if locked.pending_photo:
        with locked.pending_photo.open("rb") as photo:
            try:
                locked.public_photo.save(locked.pending_photo.name.rsplit("/", 1)[-1],
                                         ContentFile(photo.read()), save=False)
            except ValidationError as refused:  # the public store's whole check
                raise ApplicationError(
                    _("The photo cannot be published: %(reason)s")
                    % {"reason": " ".join(refused.messages)}) from refused
        if old_public:
            storage = locked.public_photo.storage
            transaction.on_commit(lambda: storage.delete(old_public))
    locked.profile_approved_at = timezone.now()
    locked.save(update_fields=["public_photo", "profile_approved_at", "updated_at"])
    audit.record(by, "application.profile_approved", locked)
    return locked
