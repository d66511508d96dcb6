"""The applicant's pages: dashboard, eligibility check, organisations, the application form,
documents, submission and the PDF copy. Each view checks access, calls one service, renders."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ozgeris.audit import history
from ozgeris.models import Programme
from ozgeris.pdf import render_pdf
from ozgeris.public_files import sandboxed
from ozgeris.uploads import CONTENT_TYPES, EXTENSIONS, JPEG, PNG, sniff

from . import intake, organisations, permissions, resubmission, services
from .downloads import document_response
from .eligibility import assess
from .forms import (
    ApplicationForm,
    EligibilityCheckForm,
    InvitationForm,
    OrganisationForm,
    ProfileForm,
    StartApplicationForm,
)
from .models import Application, ApplicationDocument, DocumentKind, Invitation, Status


def dashboard(request):
    """What an applicant sees at /apply/: the call, their organisations and applications.
    It offers to start an application only while one of the visitor's organisations may
    apply (an extension counts), as /apply/new/ would accept it."""
    programme = Programme.objects.current()
    context = {"programme": programme}
    organisations = permissions.organisations_for(request.user).select_related("region")
    if programme is not None:
        context["apply_until"] = intake.open_until(programme, list(organisations))
    if request.user.is_authenticated:
        context["organisations"] = organisations.prefetch_related(
            Prefetch("applications",
                     queryset=Application.objects.select_related("nomination", "programme")
                     .order_by("-programme__year", "nomination__order"))
        )
    return render(request, "applications/dashboard.html", context)


def eligibility_check(request):
    """A short check before the long form: says early when an organisation is unlikely to
    qualify, and why, without stopping it from applying (the jury decides). Its last step
    leads to the application only while this visitor may apply."""
    form = EligibilityCheckForm(request.POST or None)
    findings = apply_until = None
    if request.method == "POST" and form.is_valid():
        programme = Programme.objects.current()
        threshold = programme.income_share_threshold if programme else Decimal(20)
        findings = assess(form.cleaned_data, threshold)
        if programme is not None:
            apply_until = intake.open_until(
                programme, list(permissions.organisations_for(request.user)))
    return render(request, "applications/eligibility.html", {
        "title": _("Eligibility check"), "form": form, "findings": findings,
        "apply_until": apply_until})


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = organisations.create_organisation(by=request.user, **form.cleaned_data)
        messages.success(request, _("The organisation was created."))
        return redirect("applications:organisation", pk=organisation.pk)
    return render(request, "applications/organisation_form.html",
                  {"title": _("Add an organisation"), "form": form})


@login_required
def organisation_detail(request, pk):
    organisation = get_object_or_404(permissions.organisations_for(request.user), pk=pk)
    form = OrganisationForm(request.POST or None, instance=organisation, prefix="org",
                            locked_identity=organisations.identity_locked(organisation))
    invite = InvitationForm(prefix="invite")
    if request.method == "POST" and "revoke" in request.POST:
        return _revoke_invitation(request, organisation)
    if request.method == "POST" and "leave_registry" in request.POST:
        organisations.leave_registry(organisation=organisation, by=request.user)
        messages.success(request, _("The organisation is no longer listed in the public "
                                    "registry."))
        return redirect("applications:organisation", pk=pk)
    if request.method == "POST" and "save" in request.POST and form.is_valid():
        try:
            organisations.update_organisation(organisation=form.instance,
                                              changed=form.changed_data, by=request.user)
        except services.ApplicationError as refused:  # an application submitted meanwhile
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The organisation's details were saved."))
            return redirect("applications:organisation", pk=pk)
    return render(request, "applications/organisation_detail.html", {
        "title": organisation.name, "organisation": organisation, "form": form, "invite": invite,
        "members": organisation.members.all(),
        "invitations": organisation.invitations.pending().order_by("created_at"),
        "in_registry": organisations.in_registry(organisation),
        "registry_consent": organisation.applications.filter(registry_consent=True).exists(),
    })


def _revoke_invitation(request, organisation):
    """The "Revoke" button beside a pending invitation (a POST of the organisation's page,
    whose members only reach it): another organisation's invitation is not found here."""
    try:
        invitation_pk = int(request.POST["revoke"])
    except ValueError:
        raise Http404 from None
    invitation = get_object_or_404(organisation.invitations, pk=invitation_pk)
    try:
        organisations.revoke_invitation(invitation=invitation, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The invitation to %(email)s was revoked; its link no "
                                    "longer works.") % {"email": invitation.email})
    return redirect("applications:organisation", pk=organisation.pk)


@login_required
@require_POST
def organisation_invite(request, pk):
    organisation = get_object_or_404(permissions.organisations_for(request.user), pk=pk)
    form = InvitationForm(request.POST, prefix="invite")
    if form.is_valid():
        try:
            organisations.invite_member(
                organisation=organisation, email=form.cleaned_data["email"], by=request.user,
            )
        except services.ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The invitation was sent."))
    else:
        messages.error(request, _("Enter a valid email address."))
    return redirect("applications:organisation", pk=pk)


@login_required
def accept_invitation(request, token):
    invitation = get_object_or_404(Invitation, token=token)
    if request.method == "POST":
        try:
            organisation = organisations.accept_invitation(invitation=invitation, user=request.user)
        except services.ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("You now act for %(org)s.") % {"org": organisation})
            return redirect("applications:dashboard")
    return render(request, "applications/accept_invitation.html", {"invitation": invitation})


@login_required
def application_start(request):
    """Start (or continue) an application for one of the user's organisations that may
    apply now; with none of them, back to the dashboard, which says why."""
    programme = Programme.objects.current_or_404()
    organisations = permissions.organisations_for(request.user)
    if not organisations.exists():
        messages.info(request, _("First add the organisation you apply for."))
        return redirect("applications:organisation_create")
    organisations = intake.organisations_that_may_apply(programme, organisations)
    if not organisations:
        messages.error(request, _("Applications are not being accepted now."))
        return redirect("applications:dashboard")
    only = organisations[0] if len(organisations) == 1 else None
    form = StartApplicationForm(request.POST or None, organisations=organisations,
                                programme=programme, initial={"organisation": only})
    if request.method == "POST" and form.is_valid():
        try:
            application, _created = services.start_application(
                programme=programme, by=request.user, **form.cleaned_data)
        except services.ApplicationError as error:
            form.add_error(None, str(error))
        else:
            return redirect("applications:edit", pk=application.pk)
    return render(request, "applications/start.html", {
        "title": _("Start an application"), "form": form, "programme": programme})


def _own_application(request, pk):
    """The application if the user is a member of its organisation; 404 otherwise."""
    return get_object_or_404(permissions.own_applications(request.user).with_related(), pk=pk)


def _uploads(request):
    """{kind: uploaded file} of the form's document fields."""
    return {kind: request.FILES[f"doc_{kind}"] for kind in DocumentKind.values
            if request.FILES.get(f"doc_{kind}")}


def _say_attached(request, documents):
    if documents:
        messages.success(request, _("Attached: %(names)s.")
                         % {"names": ", ".join(d.original_name for d in documents)})


def _store_uploads(request, application):
    """Store each uploaded document; return {kind: error}. Accepted files stay even if the
    rest of the form has errors."""
    stored, errors = resubmission.attach_documents(application=application,
                                                   uploads=_uploads(request), by=request.user)
    _say_attached(request, stored)
    return errors


@login_required
def application_edit(request, pk):
    """The form. A draft is saved as it is typed (and uploads stay attached even when a field
    has an error); a submitted application changes only by resubmitting, all or nothing; after
    the deadline only documents staff asked for can be sent."""
    application = _own_application(request, pk)
    editable = intake.is_editable(application)
    form = ApplicationForm(request.POST or None, instance=application)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    upload_errors = {}
    if request.method == "POST":
        if application.status == Status.SUBMITTED and editable:
            upload_errors, done = _resubmit(request, application, form)
            if done:
                return redirect("applications:dashboard")
        else:
            upload_errors = _store_uploads(request, application)
            if editable and form.is_valid():
                application = services.save_draft(application=form.instance,
                                                  fields=list(form.fields), by=request.user)
                if "submit" in request.POST and not upload_errors:
                    if _submit(request, application, _("Your application was submitted. "
                                                       "A confirmation email is on its way.")):
                        return redirect("applications:dashboard")
                elif not upload_errors:
                    messages.success(request, _("Your changes were saved."))
                if not upload_errors:
                    return redirect("applications:edit", pk=pk)
            elif not editable and "submit" in request.POST and not upload_errors:
                if _submit(request, application, _("The requested documents were sent.")):
                    return redirect("applications:dashboard")
        if form.errors:
            messages.error(request, _("Please correct the fields marked below. "
                                      "Nothing you typed was lost."))
    documents = list(application.documents.all())
    return render(request, "applications/application_form.html", {
        "application": application,
        "form": form,
        "editable": editable,
        "documents": documents,
        "document_slots": _document_slots(application, documents, upload_errors),
        "checklist": services.checklist(application, documents),
        "deadline": intake.deadline_for(application.programme, application.organisation),
        "document_request": intake.open_document_request(application),
        "rejection": _latest_reason(application, Status.DOCUMENTS_REJECTED),
        "threshold": application.programme.income_share_threshold,
        "versions": application.versions.all()[:10],
    })


def _submit(request, application, success):
    try:
        services.submit_application(application=application, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


def _resubmit(request, application, form):
    """Resubmit a submitted application with its changes and new documents, all or nothing.
    Returns (upload errors, whether it was resubmitted)."""
    try:
        stored = resubmission.resubmit_application(
            application=application, edited=form.instance if form.is_valid() else None,
            fields=list(form.fields), uploads=_uploads(request), by=request.user)
    except resubmission.ResubmissionRefused as refused:
        return refused.upload_errors, False
    except services.ApplicationError as error:
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": error})
        return {}, False
    _say_attached(request, stored)
    messages.success(request, _("Your application was resubmitted."))
    return {}, True


def _latest_reason(application, status):
    if application.status != status:
        return ""
    event = history(application).filter(action="application.status",
                                         details__to=status).first()
    return event.details.get("reason", "") if event else ""


def _document_slots(application, documents, errors):
    allowed = set(intake.uploadable_kinds(application))
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document)
    return [
        {"kind": kind, "label": label, "documents": by_kind.get(kind, []),
         "required": kind in services.REQUIRED_DOCUMENTS, "can_upload": kind in allowed,
         "error": errors.get(kind)}
        for kind, label in DocumentKind.choices
    ]


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    application = _own_application(request, pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    try:
        services.remove_document(document=document, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, str(error))
    return redirect("applications:edit", pk=pk)


@login_required
def document_download(request, pk, document_pk):
    """Private documents reach only the organisation's members and staff here (jurors read
    them in the jury panel)."""
    application = get_object_or_404(permissions.applications_for(request.user), pk=pk)
    document = get_object_or_404(ApplicationDocument, application=application, pk=document_pk)
    return document_response(document)


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _own_application(request, pk)
    try:
        services.withdraw_application(application=application, by=request.user)
    except services.ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("applications:dashboard")


@login_required
def application_pdf(request, pk):
    """A PDF copy of the latest submitted version."""
    application = _own_application(request, pk)
    version = application.versions.first()
    if version is None:
        raise Http404
    content = render_pdf("applications/pdf/application.html", {
        "application": application, "version": version, "data": version.snapshot,
        "form": ApplicationForm(instance=application),
    })
    response = FileResponse(iter([content]), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="application-{application.pk}-v{version.number}.pdf"')
    return response


@login_required
def application_profile(request, pk):
    """The finalist's public profile: photo, short texts, video; staff approve it."""
    application = _own_application(request, pk)
    if application.status not in services.PROFILE_STATUSES:
        raise Http404
    form = ProfileForm(request.POST or None, request.FILES or None, instance=application)
    if request.method == "POST" and form.is_valid():
        services.update_profile(application=form.save(commit=False), by=request.user)
        messages.success(request, _("The profile was saved; staff will review it before it "
                                    "is published."))
        return redirect("applications:profile", pk=pk)
    return render(request, "applications/profile.html", {
        "title": _("Public profile"), "application": application, "form": form})


@login_required
def profile_photo(request, pk):
    """The photo awaiting approval, for the organisation's members and staff only, with the
    type found in its first bytes: never the one its uploaded name suggests (a PNG stored as
    ``photo.eps`` by an older version is served as a PNG); content of another type is not
    served at all."""
    application = get_object_or_404(permissions.applications_for(request.user), pk=pk)
    if not application.pending_photo:
        raise Http404
    try:
        handle = application.pending_photo.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    kind = sniff(handle.read(16))
    if kind not in (JPEG, PNG):
        handle.close()
        raise Http404
    handle.seek(0)
    # Someone's upload: nothing in it runs.
    return sandboxed(FileResponse(handle, content_type=CONTENT_TYPES[kind],
                                  filename=f"photo-{application.pk}{EXTENSIONS[kind]}"))
