"""Upload validation: the type is read from the content, never from the name or the browser's claim.

``validate_upload(file, allowed=...)`` raises a ValidationError with a message in
the user's language for an empty or oversized file, a type that is not allowed,
or content that only pretends to be an allowed type (a script renamed ``.pdf``,
an HTML page with a PDF header, a ZIP bomb posing as XLSX).
"""

import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "pdf"
JPEG = "jpeg"
PNG = "png"
XLSX = "xlsx"

TYPE_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", XLSX: "XLSX"}
CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", XLSX: ".xlsx"}

# Markup that has no business at the start of a document we accept: a browser
# that ignored our Content-Type would run it.
_MARKUP_MARKERS = (b"<html", b"<script", b"<!doctype", b"<svg", b"<body", b"<iframe", b"<?xml")
# An XLSX expands to a few times its size; far more is a ZIP bomb.
_XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
_XLSX_MAX_RATIO = 100


def sniff(head):
    """The type the first bytes of a file announce, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    return None


def _looks_like_markup(head):
    lowered = head.lower()
    return any(marker in lowered for marker in _MARKUP_MARKERS)


def _check_xlsx(file):
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return _("The file is a ZIP archive, not an Excel workbook.")
            total = sum(info.file_size for info in archive.infolist())
            compressed = sum(info.compress_size for info in archive.infolist()) or 1
            if total > _XLSX_MAX_UNCOMPRESSED or total / compressed > _XLSX_MAX_RATIO:
                return _("The workbook expands to an unreasonable size and was refused.")
            # The sizes above are what the archive claims. Reading every member (in chunks,
            # never more than the claimed total) checks each one's CRC, so a member that
            # expands beyond its claimed size fails here instead of in whoever opens it.
            for info in archive.infolist():
                with archive.open(info) as member:
                    while member.read(1 << 16):
                        pass
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return _("The Excel workbook is damaged and cannot be read.")
    return None


def detect_type(file):
    """Read the file's content and return its type, or raise ValidationError."""
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(_("The file's content is not a PDF, JPEG, PNG or XLSX document."))
    if kind == PDF and _looks_like_markup(head):
        raise ValidationError(_("The file contains web page markup and was refused."))
    if kind == XLSX:
        problem = _check_xlsx(file)
        file.seek(0)
        if problem:
            raise ValidationError(problem)
    return kind


def validate_upload(file, allowed=(PDF, JPEG, PNG, XLSX), max_bytes=None):
    """Check an uploaded file; return its detected type."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = getattr(file, "size", None)
    if not size:
        raise ValidationError(_("The file is empty."))
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    kind = detect_type(file)
    if kind not in allowed:
        raise ValidationError(
            _("A %(found)s file is not accepted here; allowed: %(allowed)s.")
            % {
                "found": TYPE_LABELS[kind],
                "allowed": ", ".join(TYPE_LABELS[item] for item in allowed),
            }
        )
    return kind


def validate_public_pdf(file):
    """Model-field validator for documents staff publish as PDF (the regulations)."""
    # A stored file that is not being replaced has nothing new to check.
    if getattr(file, "_committed", False):
        return
    validate_upload(file, allowed=(PDF,))
