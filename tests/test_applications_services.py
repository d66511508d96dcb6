"""The intake's rules, in the one service that owns them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from applications import reminders, services
from applications.models import Application, ApplicationVersion, Status
from ozgeris.models import AuditEvent

from .factories import (
    ApplicationFactory,
    OrganisationFactory,
    complete_application,
    pdf_upload,
    started_application,
)


@pytest.fixture
def member(make_user):
    return make_user(email="ngo@example.kz", preferred_language="kk")


@pytest.fixture
def application(open_programme, member):
    application = started_application(open_programme, member)
    return application


complete = complete_application


# The 80/20 share -----------------------------------------------------------

@pytest.mark.parametrize(
    ("total", "earned", "share", "passes"),
    [
        (10_000_000, 2_000_000, Decimal("20.00"), True),
        (10_000_000, 1_999_999, Decimal("20.00"), True),   # rounds to 20.00
        (10_000_000, 1_999_000, Decimal("19.99"), False),
        (3, 1, Decimal("33.33"), True),
        (0, 0, None, False),                                 # no income: undefined, not met
        (None, 5, None, None),                               # a figure missing: unknown
    ],
)
def test_income_share_and_the_80_20_result(total, earned, share, passes):
    assert services.income_share(total, earned, Decimal("20")) == (share, passes)


@pytest.mark.django_db
def test_the_share_is_stored_with_the_figures_and_threshold_it_came_from(application, member):
    application.programme.income_share_threshold = Decimal("25")
    application.programme.save()
    application.total_income, application.entrepreneurial_income = 1000, 240

    services.save_draft(application=application,
                        fields=["total_income", "entrepreneurial_income"], by=member)

    application.refresh_from_db()
    assert application.income_share == Decimal("24.00")
    assert application.income_share_threshold == Decimal("25.00")
    assert application.passes_80_20 is False


@pytest.mark.django_db
def test_the_database_refuses_more_entrepreneurial_than_total_income(application):
    application.total_income, application.entrepreneurial_income = 100, 101
    with pytest.raises(IntegrityError), transaction.atomic():
        application.save()


# One application per organisation and nomination -----------------------------

@pytest.mark.django_db
def test_starting_twice_returns_the_same_application(application, member):
    again, created = services.start_application(
        programme=application.programme, organisation=application.organisation,
        nomination=application.nomination, by=member)

    assert not created
    assert again.pk == application.pk
    assert Application.objects.filter(organisation=application.organisation).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_application_in_the_same_nomination(application):
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(programme=application.programme,
                                   organisation=application.organisation,
                                   nomination=application.nomination)


@pytest.mark.django_db
def test_a_supporting_organisation_nomination_cannot_be_applied_for(application, member):
    with pytest.raises(services.ApplicationError):
        services.start_application(
            programme=application.programme, organisation=application.organisation,
            nomination=application.programme.nominations.get(code="csr"), by=member)


# Submission -------------------------------------------------------------------

@pytest.mark.django_db
def test_submit_refuses_an_incomplete_application_and_names_what_is_missing(application,
                                                                            member):
    with pytest.raises(services.ApplicationError) as error, translation.override("en"):
        services.submit_application(application=application, by=member)
    assert "project title" in str(error.value)
    assert application.status == Status.DRAFT


@pytest.mark.django_db
def test_submit_keeps_a_version_and_emails_the_applicant_in_their_language(
    application, member, django_capture_on_commit_callbacks
):
    complete(application, member)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=application, by=member)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    version = application.versions.get()
    assert version.snapshot["project_title"] == "Шеберхана «Қолөнер»"
    assert version.snapshot["income_share"] == "30.00"
    assert len(version.snapshot["documents"]) == 3
    assert mail.outbox[0].to == ["ngo@example.kz"]
    assert "Шеберхана «Қолөнер»" in mail.outbox[0].subject
    assert "өтінім" in mail.outbox[0].body.lower()  # Kazakh, the applicant's language
    assert "3\u00a0000\u00a0000\u00a0₸" in mail.outbox[0].body


@pytest.mark.django_db
def test_resubmitting_before_the_deadline_keeps_each_version(application, member):
    complete(application, member)
    services.submit_application(application=application, by=member)
    application.project_title = "Жаңа атау"
    services.submit_application(application=application, by=member, edited=application,
                                fields=["project_title"])
    services.submit_application(application=application, by=member)  # a double click

    titles = list(ApplicationVersion.objects.filter(application=application)
                  .order_by("number").values_list("snapshot__project_title", flat=True))
    assert titles == ["Шеберхана «Қолөнер»", "Жаңа атау"]


@pytest.mark.django_db
def test_a_submitted_application_changes_only_by_a_complete_resubmission(application, member):
    complete(application, member)
    services.submit_application(application=application, by=member)
    application.refresh_from_db()

    application.project_title = ""
    with pytest.raises(services.ApplicationError):
        services.save_draft(application=application, fields=["project_title"], by=member)
    with pytest.raises(services.ApplicationError):
        services.submit_application(application=application, by=member, edited=application,
                                    fields=["project_title"])
    with pytest.raises(services.ApplicationError):
        services.remove_document(document=application.documents.first(), by=member)

    application.refresh_from_db()
    assert application.project_title == "Шеберхана «Қолөнер»"
    assert application.documents.count() == 3
    assert application.versions.count() == 1


@pytest.mark.django_db
def test_a_save_does_not_overwrite_a_status_changed_meanwhile(application, member, make_user):
    stale = Application.objects.get(pk=application.pk)
    complete(application, member)
    services.submit_application(application=application, by=member)
    services.screen_application(application=application, by=make_user(email="s@example.kz"))

    stale.project_title = "Stale"
    with pytest.raises(services.ApplicationError):
        services.save_draft(application=stale, fields=["project_title"], by=member)
    application.refresh_from_db()
    assert application.status == Status.SCREENED


@pytest.mark.django_db
def test_a_withdrawn_application_can_be_reopened_before_the_deadline(application, member):
    complete(application, member)
    services.submit_application(application=application, by=member)
    services.withdraw_application(application=application, by=member)

    again, created = services.start_application(
        programme=application.programme, organisation=application.organisation,
        nomination=application.nomination, by=member)

    assert (again.pk, created, again.status) == (application.pk, False, Status.DRAFT)


@pytest.mark.django_db
def test_the_window_closes_at_the_exact_second_in_almaty_time(application, member, time_machine):
    complete(application, member)
    closes = application.programme.intake_closes_at

    time_machine.move_to(closes - timedelta(seconds=1))
    assert services.is_editable(application)
    time_machine.move_to(closes)
    assert not services.is_editable(application)
    with pytest.raises(services.ApplicationError):
        services.submit_application(application=application, by=member)
    with pytest.raises(services.ApplicationError):
        services.save_draft(application=application, fields=["project_title"], by=member)


@pytest.mark.django_db
def test_an_individual_extension_reopens_the_window_for_one_organisation(
    application, member, make_user, time_machine
):
    complete(application, member)
    staff = make_user(email="staff@example.kz", is_staff=True)
    time_machine.move_to(application.programme.intake_closes_at + timedelta(hours=1))

    services.grant_extension(programme=application.programme,
                             organisation=application.organisation,
                             until=application.programme.intake_closes_at + timedelta(days=2),
                             reason="The bank needs 10 days for the certificate", by=staff)

    services.submit_application(application=application, by=member)
    assert application.status == Status.SUBMITTED
    assert AuditEvent.objects.filter(action="application.extension_granted").exists()
    other = ApplicationFactory(programme=application.programme)
    assert not services.is_editable(other)


# The status machine -------------------------------------------------------------

ALL = list(Status)
ALLOWED = {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets}


@pytest.mark.django_db
@pytest.mark.parametrize("current", ALL)
def test_every_transition_is_allowed_or_refused_as_the_machine_says(current, open_programme,
                                                                    make_user):
    staff = make_user(email="staff@example.kz")
    application = ApplicationFactory(programme=open_programme, status=current)

    for target in ALL:
        sid = transaction.savepoint()
        if (current, target) in ALLOWED:
            services.change_status(application=application, to=target, by=staff, reason="why")
            application.refresh_from_db()
            assert application.status == target
            event = AuditEvent.objects.get(action="application.status",
                                           object_id=str(application.pk))
            assert (event.details["from"], event.details["to"]) == (current, target)
        else:
            with pytest.raises(services.ApplicationError):
                services.change_status(application=application, to=target, by=staff,
                                       reason="why")
            application.refresh_from_db()
            assert application.status == current
        transaction.savepoint_rollback(sid)
        application.refresh_from_db()


def test_the_machine_allows_exactly_the_documented_transitions():
    """Written out by hand (docs/architecture.md, "The application's status machine"): a
    transition added to or dropped from services.TRANSITIONS fails here until the map agrees."""
    documented = {
        (Status.DRAFT, Status.SUBMITTED),
        # Resubmitted with changes before the deadline: a new version, still submitted.
        (Status.SUBMITTED, Status.SUBMITTED),
        (Status.SUBMITTED, Status.WITHDRAWN),
        # Started again before the deadline: the withdrawn application becomes a draft.
        (Status.WITHDRAWN, Status.DRAFT),
        (Status.SUBMITTED, Status.SCREENED),
        (Status.SUBMITTED, Status.DOCUMENTS_REQUESTED),
        (Status.SUBMITTED, Status.DOCUMENTS_REJECTED),
        (Status.DOCUMENTS_REQUESTED, Status.SUBMITTED),
        # The requested documents never came.
        (Status.DOCUMENTS_REQUESTED, Status.DOCUMENTS_REJECTED),
        (Status.SCREENED, Status.ELIGIBLE),
        (Status.SCREENED, Status.FAILED_80_20),
        # The jury corrects its eligibility decision (with a reason) until finalists are chosen.
        (Status.ELIGIBLE, Status.FAILED_80_20),
        (Status.FAILED_80_20, Status.ELIGIBLE),
        (Status.ELIGIBLE, Status.FINALIST),
        (Status.ELIGIBLE, Status.NOT_SELECTED),
        (Status.FINALIST, Status.WINNER),
    }
    assert ALLOWED == documented


@pytest.mark.django_db
def test_rejecting_documents_needs_a_reason_and_tells_the_members(
    application, member, django_capture_on_commit_callbacks
):
    complete(application, member)
    services.submit_application(application=application, by=member)
    with pytest.raises(services.ApplicationError):
        services.reject_documents(application=application, reason="  ", by=member)

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_documents(application=application, reason="Справка на другой БИН",
                                  by=member)
    assert "Справка на другой БИН" in mail.outbox[-1].body


# The documents-requested loop after the deadline ------------------------------------

@pytest.mark.django_db
def test_requested_documents_can_be_sent_after_the_deadline_and_only_those(
    application, member, make_user, time_machine, django_capture_on_commit_callbacks
):
    staff = make_user(email="staff@example.kz", is_staff=True)
    complete(application, member)
    services.submit_application(application=application, by=member)
    time_machine.move_to(application.programme.intake_closes_at + timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        services.request_documents(application=application, kinds=["tax_certificate"],
                                   message="The certificate is older than 30 days.", by=staff)
    assert "tax" in mail.outbox[-1].body.lower() or "салық" in mail.outbox[-1].body.lower()
    assert services.uploadable_kinds(application) == ["tax_certificate"]
    with pytest.raises(services.ApplicationError):
        services.upload_document(application=application, kind="balance_sheet",
                                 file=pdf_upload(), by=member)
    with pytest.raises(services.ApplicationError):
        services.submit_application(application=application, by=member)  # nothing new yet

    services.upload_document(application=application, kind="tax_certificate",
                             file=pdf_upload("new.pdf"), by=member)
    services.submit_application(application=application, by=member)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.document_requests.get().fulfilled_at is not None
    services.screen_application(application=application, by=staff)
    assert application.status == Status.SCREENED


@pytest.mark.django_db
def test_a_forged_upload_is_refused_and_nothing_is_stored(application, member):
    script = SimpleUploadedFile("balance.pdf", b"#!/bin/sh\necho pwned\n",
                                content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.upload_document(application=application, kind="balance_sheet", file=script,
                                 by=member)
    assert application.documents.count() == 0


# Reminders ---------------------------------------------------------------------

@pytest.mark.django_db
def test_draft_reminders_go_a_week_and_a_day_before_the_deadline_once_each(
    application, member, time_machine, django_capture_on_commit_callbacks
):
    closes = application.programme.intake_closes_at
    time_machine.move_to(closes - timedelta(days=8))
    assert reminders.send_draft_reminders() == 0

    time_machine.move_to(closes - timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_draft_reminders() == 1
        assert reminders.send_draft_reminders() == 0
    time_machine.move_to(closes - timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_draft_reminders() == 1
        assert reminders.send_draft_reminders() == 0

    assert [m.to for m in mail.outbox] == [["ngo@example.kz"], ["ngo@example.kz"]]


@pytest.mark.django_db
def test_reminders_follow_an_extension_and_skip_what_is_not_a_draft(
    application, member, make_user, time_machine
):
    other = ApplicationFactory(programme=application.programme, status="submitted")
    closes = application.programme.intake_closes_at
    services.grant_extension(programme=application.programme,
                             organisation=application.organisation,
                             until=closes + timedelta(days=10), reason="bank delay",
                             by=make_user(email="s@example.kz"))

    time_machine.move_to(closes - timedelta(hours=20))
    assert reminders.send_draft_reminders() == 0  # its deadline is ten days later
    time_machine.move_to(closes + timedelta(days=9, hours=5))
    assert reminders.send_draft_reminders() == 1  # only the last-day reminder
    application.refresh_from_db()
    other.refresh_from_db()
    assert application.reminded_week_before_at and application.reminded_day_before_at
    assert other.reminded_day_before_at is None


@pytest.mark.django_db
def test_draft_reminders_cost_the_same_queries_for_two_drafts_and_eight(
    open_programme, make_user, time_machine
):
    """The drafts due, with their documents, members and deadlines, are read and written in
    a fixed number of statements (each organisation with an active and an inactive member)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    closes = open_programme.intake_closes_at
    created = []

    def drafts(count):
        for _ in range(count):
            members = [make_user(email=f"m{len(created)}-{n}@example.kz", is_active=n == 0)
                       for n in range(2)]
            created.append(ApplicationFactory(programme=open_programme, status="draft",
                                              organisation=OrganisationFactory(members=members)))

    def queries(moment):
        time_machine.move_to(moment)
        with CaptureQueriesContext(connection) as captured:
            reminded = reminders.send_draft_reminders()
        return len(captured), reminded

    drafts(2)
    two = queries(closes - timedelta(days=6))
    drafts(6)
    Application.objects.update(reminded_week_before_at=None)
    eight = queries(closes - timedelta(days=5))
    assert two[1] == 2 and eight[1] == 8
    assert two[0] == eight[0]
    from ozgeris.models import OutboxMessage

    assert OutboxMessage.objects.filter(purpose="applications:reminder").count() == 10
