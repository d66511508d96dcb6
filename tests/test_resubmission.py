"""Resubmitting a submitted application is all or nothing (applications.resubmission): the
changes, the new documents and the new version are kept together or not at all, and the
files of a refused resubmission do not stay in the store."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import resubmission, services
from applications.models import REQUIRED_DOCUMENTS, Application, ApplicationDocument

from .factories import COMPLETE_FIELDS, PDF_BYTES, ApplicationFactory, OrganisationFactory


@pytest.fixture
def applicant(make_user):
    return make_user(email="aliya@example.kz", preferred_language="en")


@pytest.fixture
def submitted(applicant, open_programme):
    application = ApplicationFactory(programme=open_programme, **COMPLETE_FIELDS,
                                     organisation=OrganisationFactory(members=[applicant]))
    resubmission.attach_documents(application=application, by=applicant,
                                  uploads={kind: pdf() for kind in REQUIRED_DOCUMENTS})
    services.submit_application(application=application, by=applicant)
    return application


def edited(application, **fields):
    """The application as the form would carry the applicant's changes."""
    copy = Application.objects.get(pk=application.pk)
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy


def pdf(name="new.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, "application/pdf")


def assert_unchanged(application, files_before):
    """The submitted version, its documents and the store are as they were."""
    application.refresh_from_db()
    assert application.project_title == COMPLETE_FIELDS["project_title"]
    assert application.documents.count() == len(REQUIRED_DOCUMENTS)
    assert application.versions.count() == 1
    assert stored_files() == files_before


def stored_files():
    storage = ApplicationDocument._meta.get_field("file").storage
    folder = f"applications/{timezone.now().year}"
    return set(storage.listdir(folder)[1]) if storage.exists(folder) else set()


@pytest.mark.django_db
def test_a_resubmission_keeps_its_changes_and_documents_in_one_new_version(
        submitted, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stored = resubmission.resubmit_application(
            application=submitted, edited=edited(submitted, project_title="Жаңа атау"),
            fields=["project_title"], uploads={"other": pdf()}, by=applicant)

    submitted.refresh_from_db()
    assert [document.kind for document in stored] == ["other"]
    assert submitted.project_title == "Жаңа атау"
    assert submitted.versions.count() == 2
    assert len(submitted.versions.first().snapshot["documents"]) == 4
    assert len(mail.outbox) == 2  # a confirmation of each submission


@pytest.mark.django_db
def test_a_refused_submission_keeps_neither_the_changes_nor_the_new_files(submitted,
                                                                          applicant):
    before = stored_files()

    with pytest.raises(services.ApplicationError) as refused:
        resubmission.resubmit_application(
            application=submitted, edited=edited(submitted, project_title=""),
            fields=["project_title"], uploads={"other": pdf()}, by=applicant)

    assert not isinstance(refused.value, resubmission.ResubmissionRefused)
    assert_unchanged(submitted, before)


@pytest.mark.django_db
def test_a_refused_document_refuses_the_whole_resubmission(submitted, applicant):
    before = stored_files()

    with pytest.raises(resubmission.ResubmissionRefused) as refused:
        resubmission.resubmit_application(
            application=submitted, edited=edited(submitted, project_title="Жаңа атау"),
            fields=["project_title"], by=applicant,
            uploads={"registration": pdf(), "other": SimpleUploadedFile(
                "notes.pdf", b"<html>not a pdf</html>", "application/pdf")})

    assert list(refused.value.upload_errors) == ["other"]
    assert_unchanged(submitted, before)


@pytest.mark.django_db
def test_a_form_with_errors_still_checks_the_documents_and_keeps_none(submitted, applicant):
    before = stored_files()

    with pytest.raises(resubmission.ResubmissionRefused) as refused:
        resubmission.resubmit_application(application=submitted, edited=None,
                                          fields=["project_title"], by=applicant,
                                          uploads={"other": pdf()})

    assert refused.value.upload_errors == {}
    assert_unchanged(submitted, before)
