"""The review's findings on the outreach records: the contract actions and pages need the
permission to change contracts, the sign-in sheet the permission to see the roster; direction
controls cannot reorder a contract's text; a long laureate name stays on the certificate; a
person at two meetings is one participant."""

import datetime
import shutil
import subprocess

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from applications import services as application_services
from applications.models import Status
from events import indicators, services
from events.documents import certificates_pdf, contract_pdf
from events.forms import ContractDetailsForm
from events.models import Certificate, Contract, InfoMeeting, RosterEntry
from ozgeris.models import Region
from tests.factories import ApplicationFactory, OrganisationFactory

needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext")

DETAILS = {"signatory_name": "Иван Петров", "signatory_position": "Председатель",
           "authority_basis": "Устава", "iik": "KZ86125KZT5004100100", "bank_name": "Банк",
           "bik": "HSBKKZKX", "kbe": "18"}


def pdf_text(content, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


def staff_with(make_user, *codenames, email="clerk@example.kz"):
    user = make_user(email=email, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def meeting(programme, day):
    return InfoMeeting.objects.create(programme=programme, city="Тараз",
                                      region=Region.objects.get(code="jambyl"),
                                      held_on=datetime.date(2031, 1, day))


@pytest.fixture
def winner(programme, staff, make_user):
    """A winning application whose organisation has the member m@winner.kz."""
    member = make_user(email="m@winner.kz")
    application = ApplicationFactory(programme=programme, status=Status.FINALIST,
                                     organisation=OrganisationFactory(members=[member]))
    application_services.change_status(application=application, to=Status.WINNER, by=staff)
    application.member = member
    return application


@pytest.fixture
def submitted_contract(programme, staff, winner):
    [contract] = services.create_contracts(programme=programme, by=staff)
    return services.submit_contract_details(contract=contract, by=winner.member,
                                            details=DETAILS)


# --- Contracts: creating them and accepting the details are changes --------------------------

@pytest.mark.django_db
def test_view_only_permission_cannot_accept_contract_details(client, submitted_contract,
                                                             make_user):
    client.force_login(staff_with(make_user, "view_contract"))
    page = client.get(reverse("admin:events_contract_changelist"))
    assert page.status_code == 200
    assert b"accept_details" not in page.content

    client.post(reverse("admin:events_contract_changelist"),
                {"action": "accept_details", "_selected_action": [submitted_contract.pk]})

    submitted_contract.refresh_from_db()
    assert submitted_contract.state == Contract.State.DETAILS_SUBMITTED


@pytest.mark.django_db
def test_who_may_change_contracts_accepts_the_details(client, submitted_contract, make_user):
    client.force_login(staff_with(make_user, "view_contract", "change_contract"))
    client.post(reverse("admin:events_contract_changelist"),
                {"action": "accept_details", "_selected_action": [submitted_contract.pk]})
    submitted_contract.refresh_from_db()
    assert submitted_contract.state == Contract.State.CHECKED


@pytest.mark.django_db
def test_view_only_permission_cannot_create_contracts(client, programme, winner, make_user):
    client.force_login(staff_with(make_user, "view_contract"))
    url = reverse("admin:events_contract_for_winners")
    mail.outbox.clear()

    assert client.get(url).status_code == 403
    assert client.post(url, {"programme": programme.pk}).status_code == 403
    assert url.encode() not in client.get(
        reverse("admin:events_contract_changelist")).content

    assert not Contract.objects.filter(programme=programme).exists()
    assert not Certificate.objects.filter(programme=programme).exists()


@pytest.mark.django_db
def test_who_may_change_contracts_creates_them(client, programme, winner, make_user):
    client.force_login(staff_with(make_user, "view_contract", "change_contract"))
    url = reverse("admin:events_contract_for_winners")
    assert url.encode() in client.get(reverse("admin:events_contract_changelist")).content

    response = client.post(url, {"programme": programme.pk})

    assert response.status_code == 302
    assert Contract.objects.filter(programme=programme, application=winner).count() == 1
    assert Certificate.objects.filter(programme=programme, application=winner).count() == 1


# --- The sign-in sheet prints the roster ----------------------------------------------------

@pytest.mark.django_db
def test_the_sign_in_sheet_needs_the_permission_to_view_the_roster(client, vote_programme,
                                                                  make_user):
    held = meeting(vote_programme, 20)
    RosterEntry.objects.create(meeting=held, name="Айжан", contact="+7 701 555 12 34",
                               consent=True)
    client.force_login(staff_with(make_user, "view_infomeeting"))
    sheet = reverse("admin:events_infomeeting_sign_in_sheet", args=[held.pk])

    assert client.get(sheet).status_code == 403
    page = client.get(reverse("admin:events_infomeeting_change", args=[held.pk]))
    assert page.status_code == 200 and sheet.encode() not in page.content


@needs_pdftotext
@pytest.mark.django_db
def test_who_may_view_the_roster_prints_the_sign_in_sheet(client, vote_programme, make_user,
                                                          tmp_path):
    held = meeting(vote_programme, 20)
    RosterEntry.objects.create(meeting=held, name="Айжан", contact="+7 701 555 12 34",
                               consent=True)
    client.force_login(staff_with(make_user, "view_infomeeting", "view_rosterentry"))
    sheet = reverse("admin:events_infomeeting_sign_in_sheet", args=[held.pk])

    assert sheet.encode() in client.get(
        reverse("admin:events_infomeeting_change", args=[held.pk])).content
    response = client.get(sheet)
    assert response.status_code == 200
    assert "+7 701 555 12 34" in pdf_text(response.content, tmp_path)


# --- Direction controls in a contract's details ---------------------------------------------

@needs_pdftotext
@pytest.mark.django_db
def test_an_override_in_the_details_is_dropped_and_the_contract_reads_as_written(
        programme, staff, winner, tmp_path):
    [contract] = services.create_contracts(programme=programme, by=staff)
    contract = services.submit_contract_details(contract=contract, by=winner.member, details={
        **DETAILS, "signatory_name": "Иван\u202eПетров\u2066", "bank_name": "\u200fБанк"})

    assert contract.signatory_name == "ИванПетров"
    assert contract.bank_name == "Банк"
    text = pdf_text(contract_pdf(contract, "ru"), tmp_path)
    assert "ИванПетров, действующего на основании Устава, именуемое" in text


@needs_pdftotext
@pytest.mark.parametrize("language, after", [
    ("ru", ", действующего на основании Устава, именуемое в дальнейшем"),
    ("kk", ", екінші тараптан, бірлесіп «Тараптар»"),
])
@pytest.mark.django_db
def test_an_override_typed_by_staff_stays_inside_its_value(programme, staff, winner, tmp_path,
                                                           language, after):
    """A staff edit in the admin does not go through the service: each value the contract
    prints stands in its own box, so an override reverses that value alone."""
    [contract] = services.create_contracts(programme=programme, by=staff)
    Contract.objects.filter(pk=contract.pk).update(
        **{**DETAILS, "signatory_name": "Иван\u202eПетров"})
    contract.refresh_from_db()

    text = pdf_text(contract_pdf(contract, language), tmp_path)

    assert after in text


@pytest.mark.django_db
def test_the_details_form_drops_direction_controls_and_needs_more():
    form = ContractDetailsForm(data={**DETAILS, "signatory_name": "\u202e\u202c",
                                     "authority_basis": "Устава\u200e"})
    assert not form.is_valid()
    assert list(form.errors) == ["signatory_name"]
    assert form.cleaned_data["authority_basis"] == "Устава"


# --- The certificate ------------------------------------------------------------------------

@needs_pdftotext
@pytest.mark.django_db
def test_a_long_laureate_name_is_printed_whole_on_the_certificate(programme, staff, winner,
                                                                  tmp_path):
    [certificate] = services.issue_certificates(programme=programme, by=staff)
    certificate.laureate = "START" + "Ә" * 120 + "END"  # one word longer than the line

    text = pdf_text(certificates_pdf(programme, [certificate]), tmp_path)

    assert "START" in text and "END" in text
    assert text.replace(" ", "").count("Ә") == 120


# --- The report's participants are people ---------------------------------------------------

@pytest.mark.django_db
def test_one_person_at_two_meetings_is_one_participant(vote_programme):
    first, second = meeting(vote_programme, 20), meeting(vote_programme, 21)
    for held in (first, second):
        RosterEntry.objects.create(meeting=held, name="Айжан Ким", organisation="ОО Жол",
                                   contact="aizhan@example.kz", consent=True)
    # One mailbox however written; one person by name and organisation without an email.
    RosterEntry.objects.create(meeting=first, name="Ерлан", contact="Erlan+a@Gmail.com")
    RosterEntry.objects.create(meeting=second, name="Ерлан Б.", contact="erlan@gmail.com")
    RosterEntry.objects.create(meeting=first, name="Дана  Ли", organisation="ИП Ли",
                               contact="+7 701 000 00 00")
    RosterEntry.objects.create(meeting=second, name="дана ли", organisation="ИП Ли")
    # Namesakes of two organisations are two people.
    RosterEntry.objects.create(meeting=second, name="Айжан Ким", organisation="ТОО Сай")

    assert indicators.participants(vote_programme) == 4
    [(_city, _region, _date, n), *_rest] = indicators.participants_by_city(vote_programme)[1]
    assert n == 3  # the table counts each meeting's attendance
