"""Winners' contracts: created for the winners, filled in by the winning organisation's
members only (anyone else gets a 404), checked by staff, rendered to PDF with the details."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from applications import services as application_services
from applications.models import Status
from events import services
from events.models import Certificate, Contract, ContractTerms
from tests.factories import ApplicationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

DETAILS = {"signatory_name": "Айгүл Серікқызы", "signatory_position": "Председатель",
           "authority_basis": "Устава", "iik": "KZ86 125K ZT50 0410 0100",
           "bank_name": "АО «Народный банк Казахстана»", "bik": "hsbkkzkx", "kbe": "18"}


@pytest.fixture
def member(make_user):
    return make_user(email="member@winner.kz")


@pytest.fixture
def contract(programme, member, staff):
    application = ApplicationFactory(programme=programme, status=Status.FINALIST,
                                     organisation=OrganisationFactory(members=[member]))
    application_services.change_status(application=application, to=Status.WINNER, by=staff)
    [contract] = services.create_contracts(programme=programme, by=staff)
    return contract


def test_a_contract_per_winner_with_the_programme_amount(programme, staff, contract):
    ContractTerms.objects.filter(programme=programme).update(amount=750_000)
    finalist = ApplicationFactory(programme=programme, status=Status.FINALIST)
    application_services.change_status(application=finalist, to=Status.WINNER, by=staff)
    ApplicationFactory(programme=programme, status=Status.FINALIST)  # not a winner

    new = services.create_contracts(programme=programme, by=staff)

    assert [(c.application, c.amount) for c in new] == [(finalist, 750_000)]
    assert contract.amount == 500_000
    assert Contract.objects.filter(programme=programme).count() == 2
    assert services.create_contracts(programme=programme, by=staff) == []


def test_members_fill_in_the_details(client, member, contract):
    client.force_login(member)

    response = client.post(reverse("events:contract", args=[contract.pk]), DETAILS)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == Contract.State.DETAILS_SUBMITTED
    assert (contract.iik, contract.bik, contract.kbe) == ("KZ86125KZT5004100100", "HSBKKZKX",
                                                          "18")
    assert contract.details_submitted_by == member


def test_a_wrong_iik_is_refused_at_the_field(client, member, contract):
    client.force_login(member)

    response = client.post(reverse("events:contract", args=[contract.pk]),
                           {**DETAILS, "iik": "KZ87125KZT5004100100"})

    assert response.status_code == 200
    assert "iik" in response.context["form"].errors
    contract.refresh_from_db()
    assert contract.state == Contract.State.AWAITING_DETAILS and contract.iik == ""


def test_another_organisation_gets_a_404(client, make_user, contract):
    outsider = make_user(email="other@ngo.kz")
    OrganisationFactory(members=[outsider])
    client.force_login(outsider)

    for name in ("events:contract", "events:contract_pdf"):
        assert client.get(reverse(name, args=[contract.pk])).status_code == 404
    assert client.post(reverse("events:contract", args=[contract.pk]),
                       DETAILS).status_code == 404
    contract.refresh_from_db()
    assert contract.signatory_name == ""


def test_the_list_shows_only_ones_own_contracts(client, member, make_user, contract):
    client.force_login(make_user(email="other@ngo.kz"))
    assert list(client.get(reverse("events:contracts")).context["contracts"]) == []

    client.force_login(member)
    assert list(client.get(reverse("events:contracts")).context["contracts"]) == [contract]


def test_anonymous_visitors_are_sent_to_log_in(client, contract):
    response = client.get(reverse("events:contract", args=[contract.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_checked_details_can_no_longer_be_changed(client, member, staff, contract):
    services.submit_contract_details(contract=contract, details=DETAILS, by=member)
    services.check_contract_details(contract=contract, by=staff, approved=True)
    client.force_login(member)

    client.post(reverse("events:contract", args=[contract.pk]),
                {**DETAILS, "signatory_name": "Someone else"})

    contract.refresh_from_db()
    assert contract.state == Contract.State.CHECKED
    assert contract.signatory_name == "Айгүл Серікқызы"
    with pytest.raises(services.EventsError):
        services.submit_contract_details(contract=contract, details=DETAILS, by=member)


def test_staff_return_details_with_a_note_and_the_organisation_corrects_them(
        member, staff, contract):
    with pytest.raises(services.EventsError):
        services.check_contract_details(contract=contract, by=staff, approved=True)
    services.submit_contract_details(contract=contract, details=DETAILS, by=member)
    with pytest.raises(services.EventsError):
        services.check_contract_details(contract=contract, by=staff, approved=False)

    returned = services.check_contract_details(contract=contract, by=staff, approved=False,
                                               note="Укажите ИИК в тенге")

    assert returned.state == Contract.State.RETURNED
    again = services.submit_contract_details(contract=contract, details=DETAILS, by=member)
    assert again.state == Contract.State.DETAILS_SUBMITTED


def test_staff_accept_details_from_the_admin_list(client, member, staff, contract):
    services.submit_contract_details(contract=contract, details=DETAILS, by=member)
    client.force_login(staff)

    client.post(reverse("admin:events_contract_changelist"),
                {"action": "accept_details", "_selected_action": [contract.pk]})

    contract.refresh_from_db()
    assert contract.state == Contract.State.CHECKED
    assert contract.checked_by == staff


def pdf_text(content, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
@pytest.mark.parametrize("language, title", [("ru", "ДОГОВОР О СПОНСОРСКОЙ ПОМОЩИ"),
                                             ("kk", "ДЕМЕУШІЛІК КӨМЕК ТУРАЛЫ")])
def test_the_contract_pdf_carries_the_winners_details(client, member, contract, tmp_path,
                                                      language, title):
    services.submit_contract_details(contract=contract, details={
        **DETAILS, "iik": "KZ86125KZT5004100100", "bik": "HSBKKZKX"}, by=member)
    client.force_login(member)

    response = client.get(reverse("events:contract_pdf", args=[contract.pk]),
                          {"language": language})

    text = pdf_text(response.content, tmp_path)
    organisation = contract.application.organisation
    assert title in text
    assert organisation.name in text and organisation.bin in text
    assert "KZ86125KZT5004100100" in text and "Айгүл Серікқызы" in text
    assert "500 000 ₸" in text
    assert translation.get_language() == "ru"  # the PDF's language did not leak


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_staff_download_the_demo_contract_from_the_admin(client, staff, demo_programme,
                                                         tmp_path):
    contract = Contract.objects.filter(programme=demo_programme).first()
    if contract is None:
        pytest.skip("the voting demo step declares no winners yet")
    client.force_login(staff)

    response = client.get(reverse("admin:events_contract_pdf", args=[contract.pk]))

    text = pdf_text(response.content, tmp_path)
    assert contract.application.organisation.name in text and contract.iik in text


def test_staff_create_contracts_and_certificates_for_the_winners(client, programme, staff):
    winner = ApplicationFactory(programme=programme, status=Status.FINALIST)
    application_services.change_status(application=winner, to=Status.WINNER, by=staff)
    client.force_login(staff)

    response = client.post(reverse("admin:events_contract_for_winners"),
                           {"programme": programme.pk})

    assert response.status_code == 302
    assert Contract.objects.get(programme=programme).application == winner
    assert Certificate.objects.get(programme=programme).laureate == winner.organisation.name


def test_staff_record_a_payment_with_its_date_and_it_is_logged(rf, staff, contract):
    from types import SimpleNamespace

    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from ozgeris.models import AuditEvent

    with pytest.raises(services.EventsError):
        services.record_payment(contract=contract, payment=Contract.Payment.PAID,
                                paid_on=None, by=staff)
    request = rf.post("/")
    request.user, request.session = staff, {}
    request._messages = FallbackStorage(request)
    paid_on = contract.programme.ceremony_at.date()
    contract.payment, contract.paid_on = Contract.Payment.PAID, paid_on
    form = SimpleNamespace(changed_data=["payment", "paid_on"],
                           initial={"payment": Contract.Payment.NOT_PAID, "paid_on": None})

    admin.site._registry[Contract].save_model(request, contract, form, change=True)

    contract.refresh_from_db()
    assert (contract.payment, contract.paid_on) == (Contract.Payment.PAID, paid_on)
    assert AuditEvent.objects.filter(action="events.contract_payment", actor=staff).exists()


def test_a_payment_without_its_date_is_refused_in_the_admin_with_a_message(rf, staff,
                                                                            contract):
    from django.contrib import admin
    from django.utils import translation

    request = rf.get("/")
    request.user = staff
    form_class = admin.site._registry[Contract].get_form(request, contract)
    data = {**form_class(instance=contract).initial, "payment": Contract.Payment.PAID,
            "paid_on": ""}
    with translation.override("ru"):
        form = form_class(data, instance=contract)
        assert not form.is_valid()
        assert "Укажите дату оплаты." in str(form.errors)
    contract.refresh_from_db()
    assert contract.payment == Contract.Payment.NOT_PAID


def test_the_winners_members_are_asked_for_their_details_by_email(programme, member, staff,
                                                                   make_user):
    from ozgeris.models import OutboxMessage

    gone = make_user(email="left@winner.kz", is_active=False)
    application = ApplicationFactory(programme=programme, status=Status.FINALIST,
                                     organisation=OrganisationFactory(members=[member, gone]))
    application_services.change_status(application=application, to=Status.WINNER, by=staff)
    [contract] = services.create_contracts(programme=programme, by=staff)

    mails = OutboxMessage.objects.filter(purpose="events:contract_ready")
    assert list(mails.values_list("to", flat=True)) == [[member.email]]  # not the inactive one
    body = mails.get().body
    assert contract.number in body
    assert reverse("events:contract", args=[contract.pk]) in body
