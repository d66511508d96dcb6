"""How much one application may keep (``applications.services.MAX_DOCUMENTS_PER_KIND`` and
``MAX_DOCUMENTS_BYTES``): refused in the service, shown beside the slot on the application's
page, and nothing stored. Each test's files are tiny PDFs; the sizes near the 100 MB limit are
the rows' recorded sizes, nothing that large is written."""

from functools import partial
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from applications import services
from applications.models import ApplicationDocument

from .at_once import run_at_once
from .factories import PDF_BYTES, pdf_upload, started_application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PER_KIND = "files of this document"
IN_ALL = "in all"


@pytest.fixture
def member(make_user):
    return make_user(email="limits@example.kz", preferred_language="en")


@pytest.fixture
def draft(open_programme, member, media):
    return started_application(open_programme, member)


def upload(application, member, kind="other", name="letter.pdf"):
    return services.upload_document(application=application, kind=kind, file=pdf_upload(name),
                                    by=member)


def fill(application, member, kind="other", count=services.MAX_DOCUMENTS_PER_KIND):
    for number in range(count):
        upload(application, member, kind, f"letter-{number}.pdf")


def stored_files(media):
    root = Path(media)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# At the service ------------------------------------------------------------------------------

def test_a_kind_takes_at_most_its_limit_of_files(draft, member):
    fill(draft, member)

    with pytest.raises(services.ApplicationError, match=PER_KIND):
        upload(draft, member)

    assert draft.documents.filter(kind="other").count() == services.MAX_DOCUMENTS_PER_KIND
    upload(draft, member, kind="balance_sheet")  # another document still has room


def test_sixty_uploads_of_one_kind_keep_only_the_limit(draft, member):
    refused = 0
    for _ in range(60):
        try:
            upload(draft, member)
        except services.ApplicationError:
            refused += 1

    assert draft.documents.count() == services.MAX_DOCUMENTS_PER_KIND
    assert refused == 60 - services.MAX_DOCUMENTS_PER_KIND


def test_removing_a_drafts_file_makes_room_again(draft, member):
    fill(draft, member)
    services.remove_document(document=draft.documents.first(), by=member)

    upload(draft, member)

    assert draft.documents.count() == services.MAX_DOCUMENTS_PER_KIND


def test_an_application_takes_at_most_its_limit_of_bytes_in_all(draft, member):
    """Nine files recorded at 11 MB: 99 MB held. A file that brings the total past 100 MB is
    refused, whatever its kind; one that fits is kept."""
    fill(draft, member, kind="other", count=9)
    ApplicationDocument.objects.filter(application=draft).update(size=11 * 1024 * 1024)
    room = services.MAX_DOCUMENTS_BYTES - 99 * 1024 * 1024

    big = SimpleUploadedFile("scan.pdf", PDF_BYTES + b"%" * room)
    with pytest.raises(services.ApplicationError, match=IN_ALL):
        services.upload_document(application=draft, kind="balance_sheet", file=big, by=member)

    fitting = SimpleUploadedFile("scan.pdf", PDF_BYTES + b"%" * (room - len(PDF_BYTES)))
    services.upload_document(application=draft, kind="balance_sheet", file=fitting, by=member)
    assert draft.documents.count() == 10


def test_the_limits_message_is_in_the_users_language(draft, member):
    fill(draft, member)

    with translation.override("ru"), pytest.raises(services.ApplicationError) as refused:
        upload(draft, member)

    assert "10" in str(refused.value)
    assert PER_KIND not in str(refused.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_uploads_do_not_pass_the_limit_together(open_programme, make_user, media):
    """One place left and eight uploads at once (tabs, a script): the application's row is
    locked while its documents are counted, so one takes the place and seven are refused."""
    member = make_user(email="race-limits@example.kz")
    application = started_application(open_programme, member)
    fill(application, member, count=services.MAX_DOCUMENTS_PER_KIND - 1)

    outcomes = run_at_once([partial(upload, application, member)] * 8)

    assert sum(isinstance(outcome, ApplicationDocument) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, services.ApplicationError) for outcome in outcomes) == 7
    assert application.documents.count() == services.MAX_DOCUMENTS_PER_KIND


# Through the application's page ----------------------------------------------------------

def _post(client, application, files, action="save"):
    return client.post(reverse("applications:edit", args=[application.pk]),
                       {"project_title": "Қолөнер", **files, action: "1"}, **EN)


def test_the_page_refuses_a_file_past_the_kinds_limit_beside_its_slot(client, draft, member,
                                                                      media):
    fill(draft, member)
    before = stored_files(media)
    client.force_login(member)

    response = _post(client, draft, {"doc_other": pdf_upload("one-more.pdf"),
                                     "doc_balance_sheet": pdf_upload("balance.pdf")})

    assert response.status_code == 200
    page = response.content.decode()
    assert (f"The application already holds {services.MAX_DOCUMENTS_PER_KIND} "
            f"{PER_KIND}") in page
    assert draft.documents.filter(kind="other").count() == services.MAX_DOCUMENTS_PER_KIND
    assert draft.documents.filter(kind="balance_sheet").count() == 1  # the other file stays
    assert len(stored_files(media)) == len(before) + 1


def test_the_page_refuses_a_file_past_the_total_and_stores_nothing(client, draft, member,
                                                                  media):
    fill(draft, member, count=9)
    ApplicationDocument.objects.filter(application=draft).update(size=11 * 1024 * 1024)
    before = stored_files(media)
    client.force_login(member)
    room = services.MAX_DOCUMENTS_BYTES - 99 * 1024 * 1024

    response = _post(client, draft, {"doc_balance_sheet": SimpleUploadedFile(
        "scan.pdf", PDF_BYTES + b"%" * room)}, action="submit")

    assert response.status_code == 200
    assert "the limit is 100.0\xa0MB in all" in response.content.decode()
    assert not draft.documents.filter(kind="balance_sheet").exists()
    assert stored_files(media) == before
    draft.refresh_from_db()
    assert draft.status == "draft"
