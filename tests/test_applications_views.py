"""The applicant's journey through the pages, and who may see what."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import organisations, services
from applications.models import Application, Organisation, Status
from applications.organisations import IDENTITY_FIELDS
from applications.services import ApplicationError

from .factories import COMPLETE_FIELDS, PDF_BYTES, ApplicationFactory, OrganisationFactory


def org_data(**overrides):
    return {"name": "ОФ «Жүректен жүрекке»", "legal_form": "OF", "bin": "190140001239",
            "region": "", "city": "Шымкент", "contact_person": "Әлия Нұрланқызы",
            "contact_email": "aliya@example.kz", "phone": "+7 701 123 45 67",
            "year_founded": 2014, **overrides}


@pytest.fixture
def applicant(make_user, client):
    user = make_user(email="aliya@example.kz", preferred_language="en")
    client.force_login(user)
    return user


@pytest.fixture
def organisation(applicant):
    return OrganisationFactory(members=[applicant])


@pytest.mark.django_db
def test_the_dashboard_invites_an_anonymous_visitor_to_sign_up(client, demo_programme):
    page = client.get(reverse("applications:dashboard")).content.decode()
    assert reverse("account_signup") in page


@pytest.mark.django_db
def test_an_organisation_is_created_with_a_valid_bin_and_refused_with_a_bad_one(
    client, applicant, demo_programme
):
    from ozgeris.models import Region
    from tests.factories import valid_bin

    region = Region.objects.get(code="shymkent").pk
    bad = client.post(reverse("applications:organisation_create"),
                      org_data(region=region, bin="190140001230"))
    assert bad.status_code == 200
    assert "check digit" in bad.content.decode()
    assert "Жүректен жүрекке" in bad.content.decode()  # nothing typed is lost

    good = client.post(reverse("applications:organisation_create"),
                       org_data(region=region, bin=valid_bin(77)))
    organisation = Organisation.objects.get(bin=valid_bin(77))
    assert good.url == reverse("applications:organisation", args=[organisation.pk])
    assert organisation.members.get() == applicant


@pytest.mark.django_db
def test_the_eligibility_check_warns_without_stopping(client, demo_programme):
    response = client.post(reverse("applications:eligibility"), {
        "registered_non_profit": "yes", "legal_form": "TOO", "full_financial_year": "yes",
        "has_entrepreneurial_income": "no"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "unlikely to qualify" in page
    assert "80/20" in page
    assert reverse("applications:dashboard") in page


@pytest.mark.django_db
def test_an_applicant_fills_in_over_two_visits_uploads_and_submits(
    client, applicant, organisation, open_programme, django_capture_on_commit_callbacks
):
    start = client.post(reverse("applications:start"), {
        "organisation": organisation.pk,
        "nomination": open_programme.nominations.get(code="ecology").pk})
    application = Application.objects.get(organisation=organisation)
    assert start.url == reverse("applications:edit", args=[application.pk])

    first_half = {k: v for k, v in COMPLETE_FIELDS.items() if k in ("project_title",
                                                                     "social_problem")}
    client.post(start.url, {**first_half, "save": "1"})
    page = client.get(start.url).content.decode()
    assert "Шеберхана «Қолөнер»" in page

    uploads = {f"doc_{kind}": SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf")
               for kind in ("balance_sheet", "tax_certificate", "creditor_certificate")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start.url, {**COMPLETE_FIELDS, **uploads, "submit": "1"})

    assert response.url == reverse("applications:dashboard")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.income_share == 30
    assert application.documents.count() == 3
    assert mail.outbox[-1].to == ["aliya@example.kz"]
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert "status-submitted" in dashboard
    pdf = client.get(reverse("applications:pdf", args=[application.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_a_failed_submit_keeps_what_was_typed_and_the_accepted_files(
    client, applicant, organisation, open_programme
):
    application, _ = services.start_application(
        programme=open_programme, organisation=organisation,
        nomination=open_programme.nominations.get(code="ecology"), by=applicant)
    url = reverse("applications:edit", args=[application.pk])
    good = SimpleUploadedFile("balance.pdf", PDF_BYTES, "application/pdf")
    forged = SimpleUploadedFile("tax.pdf", b"<html><script>alert(1)</script>", "application/pdf")

    response = client.post(url, {"project_title": "Қолөнер", "total_income": "10",
                                 "entrepreneurial_income": "11", "doc_balance_sheet": good,
                                 "doc_tax_certificate": forged, "submit": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Қолөнер"' in page
    assert "cannot exceed total income" in page
    assert "The file&#x27;s content is not a PDF, JPEG, PNG or XLSX document." in page
    assert application.documents.get().kind == "balance_sheet"


@pytest.mark.django_db
def test_after_the_deadline_the_form_is_closed(client, applicant, organisation, open_programme,
                                               time_machine):
    application = ApplicationFactory(programme=open_programme, organisation=organisation)
    time_machine.move_to(open_programme.intake_closes_at)

    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()
    client.post(reverse("applications:edit", args=[application.pk]),
                {"project_title": "Late", "save": "1"})

    assert "can no longer be changed" in page
    assert 'name="save"' not in page
    application.refresh_from_db()
    assert application.project_title == ""


@pytest.mark.parametrize("status,decided", [("not_selected", True), ("failed_80_20", True),
                                             ("winner", True), ("screened", False)])
def test_a_decided_application_points_to_the_decision_not_to_a_review(
        client, applicant, organisation, open_programme, status, decided):
    application = ApplicationFactory(programme=open_programme, organisation=organisation,
                                     status=status)

    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()

    feedback = reverse("jury:feedback", args=[application.pk])
    assert ("The jury has decided on this application." in page) is decided
    assert (f'href="{feedback}"' in page) is decided
    assert ("is with the programme team" in page) is not decided


# Access ------------------------------------------------------------------------

@pytest.fixture
def submitted_with_document(open_programme, make_user):
    owner = make_user(email="owner@example.kz")
    organisation = OrganisationFactory(members=[owner])
    application = ApplicationFactory(programme=open_programme, organisation=organisation)
    document = services.upload_document(
        application=application, kind="balance_sheet",
        file=SimpleUploadedFile("b.pdf", PDF_BYTES, "application/pdf"), by=owner)
    # On the jury's desk: screened and found eligible.
    Application.objects.filter(pk=application.pk).update(status="eligible")
    return application, document


ACCESS = [
    # who, application page, document download
    ("anonymous", 302, 302),
    ("other_applicant", 404, 404),
    ("voter", 404, 404),
    ("owner", 200, 200),
    ("juror", 404, 404),  # jurors read documents in the jury panel, which knows their seat
    ("staff", 404, 200),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "page_status", "document_status"), ACCESS)
def test_who_may_open_an_application_and_its_documents(client, make_user, submitted_with_document,
                                                       who, page_status, document_status):
    from django.contrib.auth.models import Group

    application, document = submitted_with_document
    if who == "owner":
        client.force_login(application.organisation.members.get())
    elif who != "anonymous":
        user = make_user(email=f"{who}@example.kz", is_staff=(who == "staff"))
        if who == "other_applicant":
            OrganisationFactory(members=[user])
        if who == "juror":
            user.groups.add(Group.objects.get(name="Jury"))
        if who == "staff":
            user.groups.add(Group.objects.get(name="Programme staff"))
        client.force_login(user)

    page = client.get(reverse("applications:edit", args=[application.pk]))
    download = client.get(reverse("applications:document", args=[application.pk, document.pk]))

    assert page.status_code == page_status
    assert download.status_code == document_status
    if document_status == 200:
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn", "documents_rejected"])
def test_a_juror_cannot_download_documents_before_screening(client, make_user, open_programme,
                                                            status):
    from django.contrib.auth.models import Group

    owner = make_user(email="owner@example.kz")
    application = ApplicationFactory(programme=open_programme,
                                     organisation=OrganisationFactory(members=[owner]))
    document = services.upload_document(
        application=application, kind="balance_sheet",
        file=SimpleUploadedFile("b.pdf", PDF_BYTES, "application/pdf"), by=owner)
    Application.objects.filter(pk=application.pk).update(status=status)
    juror = make_user(email="juror@example.kz")
    juror.groups.add(Group.objects.get(name="Jury"))
    client.force_login(juror)

    response = client.get(reverse("applications:document", args=[application.pk, document.pk]))
    assert response.status_code == 404


# Query counts --------------------------------------------------------------------

def queries_for(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Warm caches (session, programme) and the visitor cookie, which is recorded the first
    # time the browser brings it back and then at most every VISIT_REFRESH_SECONDS.
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_for_1_and_50_applications(
    client, applicant, open_programme
):
    nominations = list(open_programme.nominations.filter(kind="ngo"))
    url = reverse("applications:dashboard")

    def add(count):
        for i in range(count):
            ApplicationFactory(programme=open_programme, nomination=nominations[i % 3],
                               organisation=OrganisationFactory(members=[applicant]))

    add(1)
    one, _ = queries_for(client, url)
    add(49)
    fifty, page = queries_for(client, url)

    assert one == fifty
    assert page.count("status-draft") == 50


@pytest.mark.django_db
def test_the_staff_list_costs_the_same_queries_for_1_and_50_applications(
    client, make_user, open_programme
):
    from django.contrib.auth.models import Group

    staff = make_user(email="staff@example.kz", is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(staff)
    url = reverse("admin:applications_application_changelist")

    ApplicationFactory(programme=open_programme)
    one, _ = queries_for(client, url)
    for _ in range(49):
        ApplicationFactory(programme=open_programme)
    fifty, page = queries_for(client, url)

    assert one == fifty
    assert len(set(re.findall(r"/admin/applications/application/\d+/change/", page))) == 50


@pytest.fixture
def submitted_own(applicant, organisation, open_programme):
    application = ApplicationFactory(programme=open_programme, organisation=organisation,
                                     **COMPLETE_FIELDS)
    for kind in ("balance_sheet", "tax_certificate", "creditor_certificate"):
        services.upload_document(application=application, kind=kind, by=applicant,
                                 file=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES,
                                                         "application/pdf"))
    services.submit_application(application=application, by=applicant)
    return application


@pytest.mark.django_db
def test_a_resubmission_is_all_or_nothing(client, submitted_own):
    url = reverse("applications:edit", args=[submitted_own.pk])
    new_file = SimpleUploadedFile("new.pdf", PDF_BYTES, "application/pdf")

    refused = client.post(url, {**COMPLETE_FIELDS, "project_title": "", "submit": "1",
                                "doc_other": new_file})
    assert refused.status_code == 200
    submitted_own.refresh_from_db()
    assert submitted_own.project_title == COMPLETE_FIELDS["project_title"]
    assert submitted_own.documents.count() == 3  # the new file went with the refusal

    client.post(url, {**COMPLETE_FIELDS, "project_title": "Жаңа атау", "submit": "1"})
    submitted_own.refresh_from_db()
    assert submitted_own.project_title == "Жаңа атау"
    assert submitted_own.versions.count() == 2


@pytest.mark.django_db
def test_submitted_documents_cannot_be_removed(client, submitted_own):
    document = submitted_own.documents.first()

    client.post(reverse("applications:document_remove", args=[submitted_own.pk, document.pk]))

    assert submitted_own.documents.filter(pk=document.pk).exists()


@pytest.mark.django_db
def test_the_organisations_identity_is_fixed_after_a_submission(client, submitted_own):
    """What the finalists' pages and the registry show (name, website, city...) stays as
    submitted: no finalist renames itself or points its website elsewhere during the vote.
    Its contacts still change."""
    organisation = submitted_own.organisation
    before = {name: getattr(organisation, name) for name in IDENTITY_FIELDS}
    url = reverse("applications:organisation", args=[organisation.pk])
    data = {f"org-{k}": v for k, v in org_data(region=organisation.region_id,
                                                 bin="190140001239").items()}

    client.post(url, {**data, "org-legal_form": "TOO", "org-city": "Тараз",
                      "org-name": "Vote for us at evil.example",
                      "org-website": "https://evil.example/", "org-phone": "+7 702 000 00 01",
                      "save": "1"})

    organisation.refresh_from_db()
    assert {name: getattr(organisation, name) for name in IDENTITY_FIELDS} == before
    assert organisation.phone == "+7 702 000 00 01"
    with pytest.raises(ApplicationError, match="ask the programme staff"):
        organisations.update_organisation(organisation=organisation, changed=["website"],
                                          by=submitted_own.organisation.members.first())


@pytest.mark.django_db
def test_a_bin_typed_with_spaces_is_accepted(client, applicant, demo_programme):
    from ozgeris.models import Region
    from tests.factories import valid_bin

    number = valid_bin(88)
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    client.post(reverse("applications:organisation_create"),
                org_data(region=Region.objects.get(code="almaty").pk, bin=spaced))

    assert Organisation.objects.filter(bin=number).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language,label", [("ru", "Название"), ("kk", "Атауы")])
def test_an_organisations_name_is_labelled_as_a_name_of_a_thing(client, make_user, language,
                                                                label):
    client.force_login(make_user(email="new@example.kz", preferred_language=language))
    client.cookies["django_language"] = language

    page = client.get(reverse("applications:organisation_create"),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<label for="id_name">{label}' in page


@pytest.mark.django_db
def test_an_application_submitted_while_the_details_were_edited_is_said_not_a_500(
        client, submitted_own, monkeypatch):
    """The page was opened before another member submitted: the save is refused with the
    reason, on the page, with what was typed kept."""
    organisation = submitted_own.organisation
    monkeypatch.setattr(organisations, "identity_locked", lambda organisation: False)
    url = reverse("applications:organisation", args=[organisation.pk])
    data = {f"org-{k}": v for k, v in org_data(region=organisation.region_id,
                                                 bin=organisation.bin).items()}
    monkeypatch.setattr(organisations, "update_organisation", _refuse_identity)

    response = client.post(url, {**data, "org-name": "Typed name", "save": "1"})

    assert response.status_code == 200
    assert "ask the programme staff" in response.content.decode()
    assert 'value="Typed name"' in response.content.decode()


def _refuse_identity(**kwargs):
    raise ApplicationError("The organisation's name cannot change: ask the programme staff.")
