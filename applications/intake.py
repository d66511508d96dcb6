"""The application window: the one rule for "may this organisation apply now".

The programme's window runs from its opening to its closing time; staff may move one
organisation's closing time later (a ``DeadlineExtension``). Every page and service that
asks whether someone may apply, edit or submit asks here: the applicant's dashboard,
/apply/, the eligibility check's last step, /apply/new/ and the services behind the form.
Times are compared in UTC and shown in Asia/Almaty. Reading only: the changes (granting an
extension, submitting) are in ``applications.services``.
"""

from django.utils import timezone

from .models import DeadlineExtension, DocumentKind, Status


def deadlines_for(programme, organisations):
    """{organisation's pk: its closing time} for ``organisations``, in one query: the
    programme's closing time, or the organisation's extension if later."""
    closes = programme.intake_closes_at
    extended = dict(DeadlineExtension.objects.filter(
        programme=programme, organisation__in=[organisation.pk for organisation in organisations],
        until__gt=closes).values_list("organisation_id", "until"))
    return {organisation.pk: extended.get(organisation.pk, closes)
            for organisation in organisations}


def deadline_for(programme, organisation=None):
    """``organisation``'s closing time; with no organisation (a visitor, an account without
    one yet) the programme's own."""
    if organisation is None:
        return programme.intake_closes_at
    return deadlines_for(programme, [organisation])[organisation.pk]


def _open_at(programme, deadline, now):
    return programme.intake_opens_at <= (now or timezone.now()) < deadline


def intake_open_for(programme, organisation=None, now=None):
    """Whether ``organisation`` (or anyone, with none) may apply at ``now``."""
    return _open_at(programme, deadline_for(programme, organisation), now)


def open_until(programme, organisations=(), now=None):
    """The latest closing time still ahead for any of ``organisations``, or None when the
    window is closed for all of them; with no organisations, the window anyone may use. The
    pages that offer to apply ask this, so a page never offers what /apply/new/ refuses."""
    deadlines = (list(deadlines_for(programme, organisations).values()) if organisations
                 else [deadline_for(programme)])
    return max((deadline for deadline in deadlines if _open_at(programme, deadline, now)),
               default=None)


def organisations_that_may_apply(programme, organisations, now=None):
    """Those of ``organisations`` (a queryset) whose window is open at ``now``."""
    deadlines = deadlines_for(programme, organisations)
    return organisations.filter(pk__in=[
        pk for pk, deadline in deadlines.items() if _open_at(programme, deadline, now)])


def window_open(application, now=None):
    return intake_open_for(application.programme, application.organisation, now)


def is_editable(application, now=None):
    """The applicant may change the form: a draft or a submitted application, window open.
    A draft is saved as it goes; a submitted application changes only by resubmitting."""
    return application.status in (Status.DRAFT, Status.SUBMITTED) and window_open(application, now)


def open_document_request(application):
    return application.document_requests.filter(fulfilled_at__isnull=True).first()


def uploadable_kinds(application, now=None):
    """Which documents the applicant may upload now: any while the form is editable (for a
    submitted application, as part of a resubmission), and after the deadline only those
    staff asked for."""
    if is_editable(application, now):
        return list(DocumentKind.values)
    request = open_document_request(application)
    if application.status == Status.DOCUMENTS_REQUESTED and request:
        return list(request.kinds)
    return []
