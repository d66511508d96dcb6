"""Upload types are read from the content; forged, empty and oversized files are refused."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ozgeris.uploads import JPEG, PDF, PNG, XLSX, validate_upload

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def xlsx_bytes(extra=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; their translations are checked in page tests."""
    with translation.override("en"):
        yield


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("balance.pdf", PDF_BYTES, PDF),
        ("scan.png", PNG_BYTES, PNG),
        ("photo.jpg", JPEG_BYTES, JPEG),
        ("figures.xlsx", xlsx_bytes(), XLSX),
        ("misnamed.txt", PDF_BYTES, PDF),
    ],
)
def test_allowed_types_are_recognised_from_their_content(name, content, kind):
    assert validate_upload(upload(name, content)) == kind


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "not a PDF"),
        ("page.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "markup"),
        ("empty.pdf", b"", "empty"),
        ("archive.xlsx", b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "not a PDF"),
    ],
)
def test_forged_and_empty_files_are_refused_with_a_message(name, content, message):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, content))
    assert message in " ".join(error.value.messages)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError, match="not an Excel workbook"):
        validate_upload(upload("book.xlsx", buffer.getvalue()))


def test_a_zip_bomb_posing_as_a_workbook_is_refused():
    bomb = xlsx_bytes({"xl/worksheets/sheet1.xml": b"0" * (30 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ValidationError, match="unreasonable size"):
        validate_upload(upload("bomb.xlsx", bomb))


def test_an_oversized_file_is_refused_before_its_content_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="limit"):
        validate_upload(upload("big.pdf", PDF_BYTES + b"0" * 2048))


def test_refusals_are_translated():
    with translation.override("kk"), pytest.raises(ValidationError) as error:
        validate_upload(upload("empty.pdf", b""))
    assert error.value.messages[0] != "The file is empty."


def test_a_type_not_allowed_for_the_field_is_named_in_the_message():
    with pytest.raises(ValidationError) as error:
        validate_upload(upload("photo.png", PNG_BYTES), allowed=(PDF,))
    assert "PNG" in error.value.messages[0]
    assert "PDF" in error.value.messages[0]
