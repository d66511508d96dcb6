"""Attaching documents to an application, and resubmitting a submitted one all or nothing.

Beside ``applications.services`` (which it calls for each document and for the submission)
so that neither file passes 600 lines.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .services import ApplicationError, submit_application, upload_document


class ResubmissionRefused(ApplicationError):
    """The form or a document was refused, so nothing of the resubmission was kept.
    ``upload_errors`` maps each refused document's kind to why; the form's own errors are
    the form's to show."""

    def __init__(self, upload_errors):
        super().__init__("; ".join(upload_errors.values()))
        self.upload_errors = upload_errors


def attach_documents(*, application, uploads, by, now=None):
    """Store each of ``uploads`` ({kind: file}) on the application, one by one: a refused
    file does not stop the others. Returns (stored documents, {kind: why refused}).

    Side effects: those of ``upload_document`` for each file (the file in the private store,
    an audit entry)."""
    stored, errors = [], {}
    for kind, upload in uploads.items():
        try:
            stored.append(upload_document(application=application, kind=kind, file=upload,
                                          by=by, now=now))
        except ValidationError as error:
            errors[kind] = " ".join(error.messages)
        except ApplicationError as error:
            errors[kind] = str(error)
    return stored, errors


def resubmit_application(*, application, edited, fields, uploads, by, now=None):
    """Resubmit a submitted application with the applicant's changes and new documents, all
    or nothing: the submitted version stays as it was unless everything is accepted.

    ``edited`` carries the form's values for ``fields``, or is None when the form has errors
    (the documents are still checked, so the applicant hears of every problem at once);
    ``uploads`` maps a document kind to its new file.

    Side effects, in one transaction: each document stored, then the submission through
    ``submit_application`` (a new version, the confirmation email through the outbox, the
    audit entries). On a refusal the transaction is undone and the files it stored are
    deleted. Returns the stored documents. Raises ResubmissionRefused for a refused document
    or form, ApplicationError for a refused submission (outside the window, incomplete)."""
    stored = []
    try:
        with transaction.atomic():
            stored, errors = attach_documents(application=application, uploads=uploads, by=by,
                                              now=now)
            if errors or edited is None:
                raise ResubmissionRefused(errors)
            submit_application(application=application, by=by, now=now, edited=edited,
                               fields=fields)
    except ApplicationError:
        for document in stored:  # the rows went with the transaction; so do their files
            document.file.storage.delete(document.file.name)
        raise
    return stored
