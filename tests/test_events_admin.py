"""The outreach admin opens for programme staff: every list and change page, with inlines."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Ceremony, Contract, InfoMeeting, Letter
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db

MODELS = [model for model in apps.get_app_config("events").get_models()
          if model in admin.site._registry]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_staff_open_the_list_and_a_record(client, staff, demo_programme, model):
    client.force_login(staff)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    record = model.objects.first()
    if record is not None:
        assert client.get(reverse(f"{prefix}_change", args=[record.pk])).status_code == 200


def test_every_record_model_has_an_admin():
    registered = {model._meta.model_name for model in MODELS}

    assert {"infomeeting", "rosterentry", "partnermeeting", "letter", "publication", "video",
            "faqentry", "mailingcampaign", "channelsnapshot", "ceremony", "certificate",
            "contract", "contractterms", "evidencefile"} <= registered


def test_a_staff_member_edits_a_letter_with_two_answers(client, staff, demo_programme):
    client.force_login(staff)
    url = reverse("admin:events_letter_add")
    data = {"programme": demo_programme.pk, "recipient": "Акимат Абайской области",
            "recipient_kind": "akimat", "sent_on": "2019-09-10", "outgoing_number": "№ 77",
            "purpose_inform": "on",
            "answers-TOTAL_FORMS": "2", "answers-INITIAL_FORMS": "0",
            "answers-0-kind": "noted", "answers-0-received_on": "2019-09-20",
            "answers-0-reference": "№ 1-2/3",
            "answers-1-kind": "phone_call", "answers-1-received_on": "2019-09-21",
            "events-evidencefile-content_type-object_id-TOTAL_FORMS": "0",
            "events-evidencefile-content_type-object_id-INITIAL_FORMS": "0"}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    letter = Letter.objects.get(outgoing_number="№ 77")
    assert list(letter.answers.values_list("kind", flat=True)) == ["noted", "phone_call"]


def test_an_answer_dated_outside_the_programme_saves_nothing(client, staff, demo_programme):
    client.force_login(staff)
    data = {"programme": demo_programme.pk, "recipient": "Акимат", "recipient_kind": "akimat",
            "answers-TOTAL_FORMS": "1", "answers-INITIAL_FORMS": "0",
            "answers-0-kind": "noted", "answers-0-received_on": "2031-01-01",
            "events-evidencefile-content_type-object_id-TOTAL_FORMS": "0",
            "events-evidencefile-content_type-object_id-INITIAL_FORMS": "0"}

    response = client.post(reverse("admin:events_letter_add"), data)

    assert response.status_code == 200
    assert not Letter.objects.filter(recipient="Акимат").exists()


def test_a_private_scan_opens_through_the_admin_only(client, staff, make_user, demo_programme):
    letter = Letter.objects.filter(programme=demo_programme).first()
    letter.scan = pdf_upload("letter-scan.pdf")
    letter.save()
    client.force_login(staff)

    page = client.get(reverse("admin:events_letter_change", args=[letter.pk]))
    download = reverse("admin:events_record_file", args=[letter.scan.name])

    assert page.status_code == 200
    assert download in page.content.decode()
    assert b"".join(client.get(download).streaming_content).startswith(b"%PDF")
    assert client.get(reverse("admin:events_record_file",
                              args=["applications/2019/other.pdf"])).status_code == 404
    client.force_login(make_user(email="visitor@example.kz"))
    assert client.get(download).status_code == 302  # to the admin login


def test_a_scan_that_is_not_a_document_is_refused(client, staff, demo_programme):
    letter = Letter.objects.filter(programme=demo_programme).first()
    letter.scan = SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script>")

    with pytest.raises(ValidationError):
        letter.full_clean()


@pytest.mark.parametrize(("model_name", "column", "relation"), [
    ("infomeeting", "participants", "roster"),
    ("letter", "answer_count", "answers"),
    ("ceremony", "guest_count", "guests"),
])
def test_a_count_column_shows_each_records_count_and_sorts_by_it(
    client, staff, demo_programme, model_name, column, relation
):
    client.force_login(staff)
    url = reverse(f"admin:events_{model_name}_changelist")
    index = client.get(url).context["cl"].list_display.index(column)

    response = client.get(url, {"o": f"-{index}"})

    shown = [int(n) for n in re.findall(rf'<td class="field-{column}">(\d+)</td>',
                                        response.content.decode())]
    records = response.context["cl"].result_list
    assert shown == [getattr(record, relation).count() for record in records]
    assert shown == sorted(shown, reverse=True) and shown[0] > 0


@pytest.fixture
def viewer(make_user):
    """Admin access with the view permission only, on meetings (and their rosters, which the
    sign-in sheet prints), ceremonies and contracts."""
    user = make_user(email="viewer@example.kz", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="events",
        codename__in=["view_infomeeting", "view_rosterentry", "view_ceremony",
                      "view_contract"]))
    return user


def test_an_own_page_of_a_record_checks_the_permission_on_it(client, viewer, make_user,
                                                             demo_programme):
    meeting = InfoMeeting.objects.filter(programme=demo_programme).first()
    ceremony = Ceremony.objects.filter(programme=demo_programme).first()
    contract = Contract.objects.filter(programme=demo_programme).first()
    sign_in_sheet = reverse("admin:events_infomeeting_sign_in_sheet", args=[meeting.pk])
    pdf = reverse("admin:events_contract_pdf", args=[contract.pk])
    imports = [reverse("admin:events_infomeeting_import", args=[meeting.pk]),
               reverse("admin:events_ceremony_import", args=[ceremony.pk])]
    client.force_login(viewer)

    assert client.get(sign_in_sheet).status_code == 200
    assert client.get(pdf).status_code == 200
    assert [client.get(url).status_code for url in imports] == [403, 403]  # a change page
    assert client.get(reverse("admin:events_contract_pdf", args=[0])).status_code == 404
    client.force_login(make_user(email="no-rights@example.kz", is_staff=True))
    assert [client.get(url).status_code for url in [sign_in_sheet, pdf]] == [403, 403]
