"""Markup and spreadsheet formulas typed into text fields come out as the same text,
escaped for where they land (issue 8, "Hostile input"): the applicant's pages, the staff
admin, the confirmation email, the application PDF, the ``applications`` XLSX export, and
for the outreach records the admin, the sign-in sheet PDF and the ``participants`` /
``letters`` exports.

"Escaped" is checked two ways: the raw markup never appears, and the escaped text does
(so the value really was shown, not silently dropped). In a PDF, pdftotext must read the
literal text back: markup that had been interpreted would have become an image, not text.
"""

import datetime
import html
import io
import re
import shutil
import subprocess

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import Application, Status
from events.models import InfoMeeting, Letter, RosterEntry
from ozgeris.models import OutboxMessage, Region

from .factories import COMPLETE_FIELDS, PDF_BYTES, started_application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

FORMULA = '=HYPERLINK("http://evil","x")'
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '<script>alert("oz")</script>'
BREAKOUT = '"><svg onload=alert(1)>'
RAW_MARKUP = [IMG, SCRIPT, BREAKOUT, "<svg onload", "<img src=x", "<script>alert",
              "<b onclick", "<i onclick"]

ORG_NAME = f"{FORMULA} {IMG}"  # starts with "=": a formula to a spreadsheet
TYPED = {
    "project_title": f"{IMG} Қолөнер",
    "social_problem": f"{SCRIPT}\n{FORMULA}",
    "solution": BREAKOUT,
    "team": FORMULA,
} | {  # every other text field of the form: its own markup, so each is checked on its own
    name: f"{name}: <b onclick=alert('{name}')>{name}</b> & co"
    for name in ("beneficiaries", "impact_evidence", "products", "customers", "prices",
                 "sales_channels")
}
ORG_TYPED = {name: f"{name}: <i onclick=alert('{name}')>{name}</i>"
             for name in ("city", "address", "contact_person")}

needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"),
                                     reason="needs poppler-utils (pdftotext)")


def escaped(text):
    """``text`` as Django's autoescape writes it."""
    return html.escape(text, quote=True)


def assert_escaped(body, *values):
    for marker in RAW_MARKUP:
        assert marker not in body, f"raw {marker!r} in the output"
    for value in values:
        for line in value.splitlines():  # a page may break lines with <br> or \r\n
            assert escaped(line) in body or escaped(line).replace("&quot;", '"') in body, \
                f"{line!r} not shown (escaped)"


def pdf_text(content, tmp_path, name="out.pdf"):
    path = tmp_path / name
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", " ", text)


# ---------------------------------------------------------------------------
# An application submitted with markup and formulas in its text
# ---------------------------------------------------------------------------

@pytest.fixture
def applicant(make_user):
    return make_user(email="hostile@example.kz", preferred_language="en")


@pytest.fixture
def applicant_client(applicant):
    client = Client(**EN)
    client.force_login(applicant)
    return client


@pytest.fixture
def staff_client(staff):
    client = Client(**EN)
    client.force_login(staff)
    return client


@pytest.fixture
def submitted(applicant, applicant_client, open_programme, django_capture_on_commit_callbacks):
    application = started_application(open_programme, applicant, name=ORG_NAME, **ORG_TYPED)
    uploads = {f"doc_{kind}": SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf")
               for kind in ("balance_sheet", "tax_certificate", "creditor_certificate")}
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("applications:edit", args=[application.pk]),
            {**COMPLETE_FIELDS, **TYPED, **uploads, "submit": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.project_title == TYPED["project_title"]
    return application


def test_the_applicants_pages_show_the_text_escaped(applicant_client, submitted):
    edit = applicant_client.get(reverse("applications:edit", args=[submitted.pk]))
    assert_escaped(edit.content.decode(), *TYPED.values())

    dashboard = applicant_client.get(reverse("applications:dashboard"))
    assert_escaped(dashboard.content.decode(), TYPED["project_title"], ORG_NAME)

    organisation = applicant_client.get(reverse("applications:organisation",
                                                args=[submitted.organisation_id]))
    assert_escaped(organisation.content.decode(), ORG_NAME, *ORG_TYPED.values())


def test_the_staff_admin_shows_the_text_escaped(staff_client, submitted):
    change = staff_client.get(reverse("admin:applications_application_change",
                                      args=[submitted.pk]))
    assert change.status_code == 200
    assert_escaped(change.content.decode(), *TYPED.values())

    listing = staff_client.get(reverse("admin:applications_application_changelist"),
                               {"q": "Қолөнер"})
    assert listing.status_code == 200
    assert_escaped(listing.content.decode(), TYPED["project_title"])

    organisation = staff_client.get(reverse("admin:applications_organisation_change",
                                            args=[submitted.organisation_id]))
    assert_escaped(organisation.content.decode(), ORG_NAME, *ORG_TYPED.values())


def test_the_confirmation_email_carries_no_live_markup(submitted, applicant):
    """The confirmation is plain text only, so nothing typed into the form can be markup a
    mail client runs. Adding an HTML part fails this test on purpose: it must then check that
    the typed text arrives escaped in it."""
    sent = [email for email in mail.outbox
            if applicant.email in email.to and TYPED["project_title"] in email.subject]

    assert len(sent) == 1
    assert sent[0].content_subtype == "plain"
    assert getattr(sent[0], "alternatives", []) == []
    assert "\n" not in sent[0].subject
    assert TYPED["project_title"] in sent[0].body  # as typed: it is text, not HTML


def test_the_plain_text_email_shows_the_literal_text(submitted, applicant):
    message = OutboxMessage.objects.filter(to=[applicant.email],
                                           purpose="applications:submitted").latest("id")

    assert TYPED["project_title"] in message.subject
    assert ORG_NAME in message.body
    assert "&lt;" not in message.body and "&quot;" not in message.body


@needs_pdftotext
def test_the_application_pdf_shows_the_literal_text(applicant_client, submitted, tmp_path):
    response = applicant_client.get(reverse("applications:pdf", args=[submitted.pk]))
    assert response["Content-Type"] == "application/pdf"

    text = pdf_text(b"".join(response.streaming_content), tmp_path)

    for value in (IMG, SCRIPT, BREAKOUT, FORMULA):
        assert value in text, value
    for value in TYPED.values():
        assert re.sub(r"\s+", " ", value) in text, value
    assert ORG_NAME in text


def export(name, year, tmp_path):
    path = tmp_path / f"{name}.xlsx"
    call_command("export", name, programme=year, output=str(path), language="en",
                 stdout=io.StringIO())
    rows = list(load_workbook(path).active.iter_rows())
    return [cell.value for cell in rows[0]], rows[1:]


def assert_text_cell(cell, value):
    assert cell.value == value
    assert cell.data_type == "s"  # a string: not a formula ("f"), not an error ("e")
    if value.startswith(("=", "+", "-", "@")):
        assert cell.quotePrefix  # and editing it in Excel does not make it one


def test_the_applications_export_writes_the_literal_strings(submitted, open_programme,
                                                            tmp_path):
    header, rows = export("applications", open_programme.year, tmp_path)

    bin_column = header.index("BIN")
    row = next(r for r in rows if r[bin_column].value == submitted.organisation.bin)
    assert_text_cell(row[header.index("Organisation")], ORG_NAME)
    assert_text_cell(row[header.index("Project title")], TYPED["project_title"])
    for cells in rows:
        for cell in cells:
            assert cell.data_type != "f"


# ---------------------------------------------------------------------------
# Outreach records: a roster entry and a letter
# ---------------------------------------------------------------------------

@pytest.fixture
def meeting(demo_programme):
    return InfoMeeting.objects.create(programme=demo_programme, city=f"Атырау {IMG}",
                                      region=Region.objects.get(code="atyrau"),
                                      held_on=datetime.date(2019, 9, 18), venue=BREAKOUT)


@pytest.fixture
def roster_entry(meeting):
    return RosterEntry.objects.create(meeting=meeting, name=f"{FORMULA}{IMG}",
                                      organisation=SCRIPT, contact="+7 701 000 00 00",
                                      category="ngo", consent=True)


@pytest.fixture
def letter(demo_programme):
    return Letter.objects.create(programme=demo_programme, recipient=f"{FORMULA} {SCRIPT}",
                                 recipient_kind="ministry", sent_on=datetime.date(2019, 9, 1),
                                 outgoing_number=f"@SUM(A1) {IMG}")


def test_the_participants_export_writes_the_literal_strings(roster_entry, tmp_path):
    header, rows = export("participants", 2019, tmp_path)

    row = next(r for r in rows if r[header.index("Name")].value == roster_entry.name)
    assert_text_cell(row[header.index("Name")], roster_entry.name)
    assert_text_cell(row[header.index("Organisation")], SCRIPT)
    assert_text_cell(row[header.index("Contact")], "+7 701 000 00 00")
    assert_text_cell(row[header.index("City")], f"Атырау {IMG}")


def test_the_letters_export_writes_the_literal_strings(letter, tmp_path):
    header, rows = export("letters", 2019, tmp_path)

    row = next(r for r in rows if r[header.index("Recipient")].value == letter.recipient)
    assert_text_cell(row[header.index("Recipient")], letter.recipient)
    assert_text_cell(row[header.index("Outgoing number")], letter.outgoing_number)


def test_the_outreach_admin_shows_the_text_escaped(staff_client, roster_entry, letter, meeting):
    pages = [
        reverse("admin:events_infomeeting_change", args=[meeting.pk]),
        reverse("admin:events_infomeeting_changelist"),
        reverse("admin:events_rosterentry_changelist") + "?q=HYPERLINK",
        reverse("admin:events_letter_change", args=[letter.pk]),
        reverse("admin:events_letter_changelist") + "?q=HYPERLINK",
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for marker in RAW_MARKUP:
            assert marker not in body, (url, marker)

    roster = staff_client.get(pages[2]).content.decode()
    assert escaped(IMG) in roster and escaped(SCRIPT) in roster
    letters = staff_client.get(pages[4]).content.decode()
    assert escaped(SCRIPT) in letters


@needs_pdftotext
def test_the_sign_in_sheet_shows_the_literal_text(staff_client, roster_entry, meeting,
                                                  tmp_path):
    response = staff_client.get(reverse("admin:events_infomeeting_sign_in_sheet",
                                        args=[meeting.pk]))
    assert response.status_code == 200
    content = response.content if not response.streaming else b"".join(
        response.streaming_content)

    text = pdf_text(content, tmp_path)

    assert IMG in text
    assert SCRIPT in text


def test_an_application_with_markup_appears_escaped_on_the_public_finalist_page(
    client, submitted
):
    Application.objects.filter(pk=submitted.pk).update(status=Status.FINALIST)
    submitted.programme.is_published = True
    submitted.programme.save(update_fields=["is_published"])

    response = client.get(reverse("voting:finalist", args=[submitted.pk]), **EN)

    if response.status_code == 404:  # another published programme is the current one
        pytest.skip("the finalist's programme is not the current one")
    body = response.content.decode()
    for marker in RAW_MARKUP:
        assert marker not in body
    assert escaped(IMG) in body


HEADER_INJECTION = "Қолөнер\r\nBcc: evil@example.com\r\n\r\n<b>injected body</b>"


@pytest.fixture
def submitted_with_a_line_break_in_the_title(
    applicant, applicant_client, open_programme, django_capture_on_commit_callbacks
):
    """A title with CR/LF (a browser strips them from a one-line input; a script does not),
    submitted; the outbox drained after the commit."""
    application = started_application(open_programme, applicant)
    uploads = {f"doc_{kind}": SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf")
               for kind in ("balance_sheet", "tax_certificate", "creditor_certificate")}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("applications:edit", args=[application.pk]),
            {**COMPLETE_FIELDS, "project_title": HEADER_INJECTION, **uploads, "submit": "1"})
    assert response.status_code == 302
    return OutboxMessage.objects.filter(to=[applicant.email],
                                        purpose="applications:submitted").get()


def test_a_line_break_typed_into_the_title_cannot_add_an_email_header(
    submitted_with_a_line_break_in_the_title
):
    for email in mail.outbox:
        assert "evil@example.com" not in email.bcc
        headers = email.message().as_string().split("\n\n", 1)[0]
        assert "evil@example.com" not in headers


def test_a_line_break_in_the_title_does_not_stop_the_confirmation(
    submitted_with_a_line_break_in_the_title, applicant
):
    message = submitted_with_a_line_break_in_the_title
    message.refresh_from_db()
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.sent_at is not None, message.last_error
    assert [m.subject for m in mail.outbox if applicant.email in m.to]
