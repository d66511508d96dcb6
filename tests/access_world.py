"""The world of the access matrix (tests/test_access_matrix.py): the 2031 programme and one
person of each role, built once per module inside a transaction rolled back at the end."""

import io
import os
import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from tests.factories import (
    COMPLETE_FIELDS,
    PDF_BYTES,
    ApplicationFactory,
    OrganisationFactory,
    intake_open_programme,
    past_programme,
    pdf_upload,
)

# A PNG of one pixel (the pending profile photo).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

# The world -----------------------------------------------------------------------------

class World:
    pass


def _user(email, **fields):
    from allauth.account.models import EmailAddress

    from ozgeris.models import User

    user = User.objects.create_user(email=email, password="Correct-horse-7", **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _build():
    from applications import services as applications
    from applications.models import ApplicationDocument, Invitation, Status
    from events.services import create_contracts
    from jury import services as jury
    from jury.copying import ensure_default_criteria
    from jury.models import JuryMember
    from ozgeris.models import Nomination
    from reporting.jobs import start_export

    w = World()
    now = timezone.now()
    # The 2031 programme, its application window open (the applicants submit first).
    w.programme = programme = intake_open_programme(2031)
    for order, code in enumerate(["education", "health", "ecology"], start=1):
        Nomination.objects.create(programme=programme, code=code, order=order,
                                  title_ru=code, title_kk=code, title_en=code)
    ensure_default_criteria(programme)

    w.users = {"anonymous": None}
    w.users["voter"] = _user("voter@matrix.kz")
    w.users["applicant_a"] = a = _user("a@ngo-a.kz")
    w.users["applicant_b"] = b = _user("b@ngo-b.kz")
    w.users["staff"] = staff = _user("staff@matrix.kz", is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    # The read-only seats (issue 18): their rows are READER_ROWS in the matrix.
    from ozgeris.permissions import AUDITOR_GROUP, OBSERVER_GROUP

    for seat, group in (("observer", OBSERVER_GROUP), ("auditor", AUDITOR_GROUP)):
        w.users[seat] = _user(f"{seat}@matrix.kz")
        w.users[seat].groups.add(Group.objects.get(name=group))
    seats = {}
    for role in ("juror", "juror_conflict"):
        user = _user(f"{role}@jury.kz")
        user.groups.add(Group.objects.get(name="Jury"))
        w.users[role] = user
        seats[role] = JuryMember.objects.create(programme=programme, user=user,
                                                affiliation="Independent")

    def submitted(member):
        organisation = OrganisationFactory(members=[member])
        application = ApplicationFactory(programme=programme, organisation=organisation,
                                         **COMPLETE_FIELDS)
        documents = [applications.upload_document(application=application, kind=kind,
                                                  file=pdf_upload(f"{kind}.pdf"), by=member)
                     for kind in ("balance_sheet", "tax_certificate", "creditor_certificate")]
        applications.submit_application(application=application, by=member)
        for status in (Status.SCREENED, Status.ELIGIBLE):
            applications.change_status(application=application, to=status, by=staff)
        return organisation, application, documents

    w.org_a, w.app_a, w.docs_a = submitted(a)
    w.org_b, w.app_b, w.docs_b = submitted(b)
    w.doc_a, w.doc_b = w.docs_a[0], w.docs_b[0]
    w.invitation = Invitation.objects.create(organisation=w.org_a, email="new@ngo-a.kz",
                                             invited_by=a)

    # The jury stage: the second juror declares a conflict on A's application.
    programme.intake_closes_at = now - timedelta(days=3)
    programme.scoring_opens_at = now - timedelta(days=2)
    programme.scoring_closes_at = now + timedelta(days=1)
    programme.save()
    w.conflict = jury.declare_conflict(juror=seats["juror_conflict"], application=w.app_a,
                                       reason="I sit on its board.",
                                       by=w.users["juror_conflict"])

    # The cut and the vote: both finalists, A also a winner (with its contract and a photo
    # awaiting approval); the public vote is open now.
    for application in (w.app_a, w.app_b):
        applications.change_status(application=application, to=Status.FINALIST, by=staff)
    applications.change_status(application=w.app_a, to=Status.WINNER, by=staff)
    [w.contract] = create_contracts(programme=programme, by=staff)
    w.app_a.refresh_from_db()
    w.app_a.pending_photo.save("matrix.png", ContentFile(PNG), save=True)
    programme.scoring_closes_at = now - timedelta(hours=2)
    programme.voting_opens_at = now - timedelta(hours=1)
    programme.voting_closes_at = now + timedelta(days=3)
    programme.save()

    # A past edition (2030) with a finalist's document: no 2031 juror sits on that jury.
    past = past_programme(2030)
    w.app_past = ApplicationFactory(programme=past, status=Status.FINALIST, **COMPLETE_FIELDS)
    w.doc_past = ApplicationDocument(application=w.app_past, kind="balance_sheet",
                                     original_name="balance.pdf", content_type="application/pdf",
                                     size=len(PDF_BYTES), uploaded_by=staff, uploaded_at=now)
    w.doc_past.file.save("balance_sheet-2030.pdf", ContentFile(PDF_BYTES), save=True)

    # A staff export of the jury scores, finished (the task runs inline after the commit).
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.job = start_export(programme=programme, exporter="scores", language="ru", by=staff)
    w.job.refresh_from_db()
    assert w.job.state == "done", w.job.error
    # And one without personal data: still staff's, not the read-only seats'.
    with TestCase.captureOnCommitCallbacks(execute=True):
        w.open_job = start_export(programme=programme, exporter="finalists", language="ru",
                                  by=staff)

    # A published file, and the path of a private one seen from the public store.
    public = storages["public"]
    # The public store takes only a whole PDF, JPEG or PNG (ozgeris.storage).
    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, "PNG")
    w.public_name = public.save("matrix/published.png", ContentFile(photo.getvalue()))
    private = storages["default"]
    w.private_name = w.doc_a.file.name
    w.traversal = os.path.relpath(private.path(w.private_name), public.path(""))
    w.application_type = ContentType.objects.get_for_model(type(w.app_a))
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction; each test runs in a savepoint inside
    it, and the whole of it is rolled back at the end, so no other test sees 2031."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        with django_db_blocker.unblock():
            built = _build()
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        shutil.rmtree(storages["public"].path("matrix"), ignore_errors=True)


