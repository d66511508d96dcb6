"""The outreach exporters on the 2019 demo: the rows the report counts, string cells for
user text, the latest reach snapshot, the contracts' totals, the certificates PDF."""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from applications.models import Application, Status
from events.models import (
    InfoMeeting,
    Letter,
    LetterAnswer,
    PartnerAgreement,
    PartnerMeeting,
    Publication,
    PublicationReach,
    RosterEntry,
    Video,
)
from ozgeris.models import Region
from ozgeris.registries import exporters

pytestmark = pytest.mark.django_db


def export(name, tmp_path, extension="xlsx"):
    """Exported in English, so the tests read the headers whatever the translations say."""
    path = tmp_path / f"{name}.{extension}"
    call_command("export", name, programme=2019, output=str(path), language="en",
                 stdout=io.StringIO())
    return path


def sheet(path):
    rows = list(load_workbook(path).active.iter_rows())
    return [c.value for c in rows[0]], rows[1:]


def test_participants_has_a_row_per_roster_entry(demo_programme, tmp_path):
    header, rows = sheet(export("participants", tmp_path))

    assert len(rows) == 155
    cities = [row[1].value for row in rows]
    assert cities.count("Atyrau") == 36 and cities.count("Oskemen") == 29  # English names


def test_letters_has_22_rows_with_their_answers(demo_programme, tmp_path):
    _header, rows = sheet(export("letters", tmp_path))

    assert len(rows) == 22
    references = [row[8].value for row in rows if row[8].value]
    assert "Письмо от 24.09.19 №23-2-12/3Т-И-312" in references


def test_contracts_lists_each_winner_with_the_total(demo_programme, tmp_path):
    winners = Application.objects.filter(programme=demo_programme, status=Status.WINNER).count()

    _header, rows = sheet(export("contracts", tmp_path))

    contract_rows = [row for row in rows if isinstance(row[0].value, int)]
    assert len(contract_rows) == winners
    total = next(row for row in rows if row[5].value is not None and row[0].value is None)
    assert total[5].value == 500_000 * winners


def test_user_text_stays_text_in_the_export(demo_programme, tmp_path):
    meeting = InfoMeeting.objects.filter(programme=demo_programme).first()
    RosterEntry.objects.create(meeting=meeting, name='=HYPERLINK("http://evil","x")',
                               organisation="+7 701 000 00 00")

    _header, rows = sheet(export("participants", tmp_path))

    cell = next(row[4] for row in rows if str(row[4].value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_publications_show_the_latest_reach_snapshot(demo_programme, tmp_path):
    publication = Publication.objects.create(programme=demo_programme, kind="press",
                                             outlet="Test Outlet", url="https://example.kz/a")
    PublicationReach.objects.create(publication=publication, views=10,
                                    taken_at=datetime.datetime(2019, 11, 16, tzinfo=datetime.UTC))
    PublicationReach.objects.create(publication=publication, views=250,
                                    taken_at=datetime.datetime(2019, 11, 30, tzinfo=datetime.UTC))

    header, rows = sheet(export("publications", tmp_path))

    row = next(row for row in rows if row[3].value == "Test Outlet")
    assert row[header.index("Views")].value == 250


def test_partner_meetings_videos_and_guests_export(demo_programme, tmp_path):
    assert len(sheet(export("partner-meetings", tmp_path))[1]) == 10
    assert len(sheet(export("ceremony-guests", tmp_path))[1]) == 200
    assert len(sheet(export("videos", tmp_path))[1]) == 32


def pdf_text(path):
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_certificates_have_a_page_per_laureate(demo_programme, tmp_path):
    path = export("certificates", tmp_path, "pdf")

    text = pdf_text(path)
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                           check=True).stdout
    winners = Application.objects.filter(programme=demo_programme, status=Status.WINNER)
    assert re.search(r"Pages:\s+(\d+)", pages).group(1) == str(winners.count() + 3)
    assert "КОМПАНИЯ \"ШЕВРОН\"" in text
    assert all(w.organisation.name in text for w in winners.select_related("organisation"))


def test_a_meeting_outside_the_demo_counts_in_the_participants(demo_programme, tmp_path):
    meeting = InfoMeeting.objects.create(programme=demo_programme, city="Актобе",
                                         region=Region.objects.get(code="aktobe"))
    RosterEntry.objects.create(meeting=meeting, name="Айдана")

    _header, rows = sheet(export("participants", tmp_path))

    assert len(rows) == 156


@pytest.mark.parametrize("name", ["participants", "letters", "publications", "videos",
                                  "partner-meetings", "contracts", "ceremony-guests"])
def test_an_export_reads_a_fixed_number_of_queries(demo_programme, name):
    render = exporters.get(name).render

    def queries():
        with CaptureQueriesContext(connection) as captured:
            render(demo_programme, {}, lambda *args: None)
        return len(captured)

    before = queries()
    for n in range(3):
        letter = Letter.objects.create(programme=demo_programme, recipient=f"Адресат {n}",
                                       recipient_kind="other")
        LetterAnswer.objects.create(letter=letter, kind="noted")
        meeting = PartnerMeeting.objects.create(programme=demo_programme, title=f"Встреча {n}")
        PartnerAgreement.objects.create(meeting=meeting, text="Договорённость")
        Video.objects.create(programme=demo_programme, title=f"Видео {n}", kind="testimonial")
    assert queries() == before
