"""Roster and guest-list imports: a preview with the bad rows' line numbers, nothing saved
until staff confirm, all or nothing; and the meeting's sign-in sheet. Messages are checked
in English (the tests do not depend on the translations)."""

import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from events import services
from events.imports import UnreadableFile, read_people
from events.models import (
    Ceremony,
    CeremonyGuest,
    GuestCategory,
    ParticipantCategory,
    RosterEntry,
)
from tests.factories import xlsx_upload

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield

CATEGORIES = ParticipantCategory.choices


def csv_file(text, name="roster.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_preview_lists_bad_rows_with_their_line_numbers_and_reasons():
    upload = csv_file("ФИО;Организация;Категория;Контакт;Согласие\n"
                      "Айгерим Нурланова;ОФ «Шаңырақ»;НПО;+7 701 111 11 11;да\n"
                      ";ОО «Без имени»;НПО;;да\n"
                      "Ерлан Сапаров;;молодёжь-2;;да\n"
                      "Динара Ахметова;;youth;;может быть\n"
                      "Айгерим Нурланова;ОФ «Шаңырақ»;НПО;;да\n"
                      ";;;;\n"
                      "Марат Оспанов;;социальный предприниматель;;нет\n")

    preview = read_people(upload, CATEGORIES)

    assert [row["line"] for row in preview.rows] == [2, 8]
    assert preview.rows[0]["category"] == "ngo"
    assert preview.rows[1]["category"] == "social_entrepreneur"
    assert preview.rows[1]["consent"] is False
    errors = dict(preview.errors)
    assert list(errors) == [3, 4, 5, 6]
    assert errors[3] == ["no name"]
    assert "unknown category" in errors[4][0]
    assert "consent" in errors[5][0]
    assert errors[6] == ["the same person is already on the list"]


def test_an_xlsx_roster_is_read_like_a_csv():
    upload = xlsx_upload([["Name", "Organisation", "Category"],
                          ["Асем Жұмабек", "Ellefun", "NGO"], [None, "Ellefun", "NGO"]],
                         "roster.xlsx")

    preview = read_people(upload, CATEGORIES)

    assert [(row["line"], row["name"]) for row in preview.rows] == [(2, "Асем Жұмабек")]
    assert preview.errors == [(3, ["no name"])]


def test_people_already_on_the_roster_are_flagged():
    preview = read_people(csv_file("name,organisation\nАсель,Ellefun\n"), CATEGORIES,
                          existing=[("асель", "ELLEFUN")])

    assert preview.rows == []
    assert preview.errors == [(2, ["the same person is already on the list"])]


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("roster.xlsx", b"%PDF-1.4\n%%EOF\n"), "not accepted"),
    (SimpleUploadedFile("roster.xlsx", b"PK\x03\x04 broken zip"), "damaged"),
    # Its type by its content, not its name (ozgeris.tabular): text is read as CSV.
    (SimpleUploadedFile("roster.xlsx", b"just text"), "name"),
    (SimpleUploadedFile("roster.csv", b"\x00\x01\x02binary"), "not a CSV"),
    (SimpleUploadedFile("roster.csv", "Организация\nEllefun\n".encode()), "name"),
    (SimpleUploadedFile("roster.csv", ("ФИО\nАйжан\n" + "x" * 200_000).encode()),
     "reading stopped at line 3"),
])
def test_an_unreadable_file_answers_with_a_message(upload, message):
    with pytest.raises(UnreadableFile) as error:
        read_people(upload, CATEGORIES)

    assert message in error.value.messages[0]


def test_the_import_is_all_or_nothing(meeting, staff):
    rows = read_people(csv_file("name\nАсель\nБерик\nГүлнар\n"), CATEGORIES).rows
    # Someone adds Берик by hand between the preview and the confirmation.
    RosterEntry.objects.create(meeting=meeting, name="Берик")

    with pytest.raises(services.EventsError):
        services.import_roster(meeting=meeting, rows=rows, by=staff)

    assert list(meeting.roster.values_list("name", flat=True)) == ["Берик"]


def test_the_admin_previews_then_saves_only_on_confirmation(client, staff, meeting):
    staff.preferred_language = "en"  # a signed-in person's page speaks their language
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    url = reverse("admin:events_infomeeting_import", args=[meeting.pk])
    upload = csv_file("ФИО,Категория\nАсель,НПО\n,НПО\nБерик,молодежь\n")

    preview = client.post(url, {"file": upload}, **EN)

    assert preview.status_code == 200
    body = preview.content.decode()
    assert "no name" in body and "<td>3</td>" in body
    assert not meeting.roster.exists()

    confirmed = client.post(url, {"payload": preview.context["payload"]})

    assert confirmed.status_code == 302
    assert list(meeting.roster.values_list("name", "category")) == [
        ("Асель", "ngo"), ("Берик", "youth")]


def test_a_tampered_preview_saves_nothing(client, staff, meeting):
    client.force_login(staff)
    url = reverse("admin:events_infomeeting_import", args=[meeting.pk])

    response = client.post(url, {"payload": "[{\"name\": \"Mallory\"}]:forged"})

    assert response.status_code == 302
    assert not meeting.roster.exists()


def test_a_broken_workbook_gets_a_message_in_the_admin(client, staff, meeting):
    staff.preferred_language = "en"
    staff.save()
    client.force_login(staff)
    url = reverse("admin:events_infomeeting_import", args=[meeting.pk])

    response = client.post(url, {"file": SimpleUploadedFile("r.xlsx", b"PK\x03\x04 junk")},
                           **EN)

    assert response.status_code == 200
    assert "damaged" in response.content.decode()
    assert not meeting.roster.exists()


def test_the_import_page_is_for_staff_only(client, make_user, meeting):
    client.force_login(make_user(email="someone@example.kz"))

    response = client.get(reverse("admin:events_infomeeting_import", args=[meeting.pk]))

    assert response.status_code == 302  # to the admin login


def test_the_guest_list_uses_the_same_importer(client, staff, open_programme):
    ceremony = Ceremony.objects.create(programme=open_programme,
                                       held_at=open_programme.ceremony_at, city="Алматы")
    client.force_login(staff)
    url = reverse("admin:events_ceremony_import", args=[ceremony.pk])

    preview = client.post(url, {"file": csv_file("ФИО;Организация;Категория\n"
                                                 "Тогжан Куттугаева;;СМИ\n"
                                                 "Серик Есмаатов;;government\n")})
    assert preview.context["preview"].errors == []
    client.post(url, {"payload": preview.context["payload"]})

    assert sorted(CeremonyGuest.objects.filter(ceremony=ceremony).values_list(
        "name", "category")) == [("Серик Есмаатов", GuestCategory.GOVERNMENT),
                                 ("Тогжан Куттугаева", GuestCategory.MEDIA)]


def test_a_guest_list_preview_is_not_taken_by_the_meeting_with_the_same_id(
        client, staff, meeting, open_programme):
    """A stale tab or a mis-posted form: the ceremony's preview names its list, so the
    information meeting whose id it shares refuses it, and its guest categories with it."""
    ceremony = Ceremony.objects.create(pk=meeting.pk, programme=open_programme,
                                       held_at=open_programme.ceremony_at, city="Алматы")
    client.force_login(staff)
    preview = client.post(reverse("admin:events_ceremony_import", args=[ceremony.pk]),
                          {"file": csv_file("ФИО;Категория\nТогжан Куттугаева;СМИ\n")})

    response = client.post(reverse("admin:events_infomeeting_import", args=[meeting.pk]),
                           {"payload": preview.context["payload"]})

    assert response.status_code == 302
    assert not meeting.roster.exists()


def test_a_row_of_a_category_the_list_does_not_take_refuses_the_file(meeting, staff):
    rows = [{"name": "Тогжан", "organisation": "", "category": GuestCategory.MEDIA,
             "contact": "", "consent": False}]

    with pytest.raises(services.EventsError, match="category"):
        services.import_roster(meeting=meeting, rows=rows, by=staff)

    assert not meeting.roster.exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_sign_in_sheet_lists_the_roster(client, staff, meeting, tmp_path):
    services.import_roster(meeting=meeting, by=staff, rows=[
        {"name": "Айгерим Нурланова", "organisation": "ОФ «Шаңырақ»", "category": "ngo",
         "contact": "", "consent": True}])
    client.force_login(staff)

    response = client.get(reverse("admin:events_infomeeting_sign_in_sheet", args=[meeting.pk]))

    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(path), "-"], check=True,
                                              capture_output=True, text=True).stdout)
    assert "Айгерим Нурланова" in text and "ОФ «Шаңырақ»" in text and "Атырау" in text
