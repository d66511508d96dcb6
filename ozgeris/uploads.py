"""Upload validation: the type is read from the content, never from the name or the browser's claim.

``validate_upload(file, allowed=...)`` raises a ValidationError with a message in
the user's language for an empty or oversized file, a type that is not allowed,
or content that only pretends to be an allowed type (a script renamed ``.pdf``,
an HTML page with a PDF header, a ZIP bomb posing as XLSX).

``check_public_file(file, allowed=...)`` is the stricter check for what the portal publishes
(the regulations, the press releases, the finalists' photos): the file is opened whole, a PDF
by qpdf (pikepdf) and an image by Pillow, and one that is also a web page is refused.

Models' file fields name the validators at the end (``validate_public_pdf``,
``validate_private_document``), which check a new file only (``check_new_file``).
"""

import io
import re
import threading
import zipfile
import zlib
from contextlib import contextmanager
from xml.parsers import expat

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

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


def looks_like_markup(head):
    """Whether these bytes hold web page markup (HTML, SVG, XML with script)."""
    lowered = head.lower()
    return any(marker in lowered for marker in _MARKUP_MARKERS)


# What makes a workbook more than a table, refused because staff and jurors open the
# applicants' workbooks in Excel: code (VBA macros, Excel 4.0 macro sheets), links Excel follows
# on its own (other workbooks, data connections, a picture or object elsewhere: a \\server\share
# target hands that server the reader's Windows credentials), and embedded objects and controls.
# Found by the parts' names (compared in lower case, as OOXML compares them), the content types
# [Content_Types].xml declares and the relationships' external targets. A cell's hyperlink to a
# web page or a mail address stays: Excel follows it only when clicked.
_MACROS, _LINKS, _EMBEDDED = "macros", "links", "embedded"
_PARTS = (
    (_MACROS, re.compile(r"(?:^|/)(?:vba[^/]*|macrosheets/.*)$")),
    (_LINKS, re.compile(r"(?:^|/)(?:externallinks/.*|connections\.xml)$")),
    (_EMBEDDED, re.compile(r"(?:^|/)(?:activex/.*|embeddings/.*|[^/]*oleobject[^/]*)$")),
)
_CONTENT_TYPE_WORDS = ((_MACROS, ("macro", "vba")), (_LINKS, ("externallink",)),
                       (_EMBEDDED, ("activex", "oleobject")))
_WEB_TARGETS = ("http://", "https://", "mailto:")


def _active_content_message(found):
    return {
        _MACROS: _("The workbook contains macros and was refused; save it as a plain Excel "
                   "workbook (.xlsx) and upload it again."),
        _LINKS: _("The workbook links to other files or outside data and was refused; remove "
                  "the links, save it as a plain Excel workbook (.xlsx) and upload it again."),
        _EMBEDDED: _("The workbook contains embedded objects or controls and was refused; "
                     "remove them, save it as a plain Excel workbook (.xlsx) and upload it "
                     "again."),
    }[found]


def _part_found(name):
    name = name.lower().replace("\\", "/")
    return next((found for found, pattern in _PARTS if pattern.search(name)), None)


def _refuse_dtd(*_args):
    raise expat.ExpatError("a DTD")


def _first_found(member, judge):
    """Stream the XML part ``member`` through expat and return the first of
    ``judge(element name without namespace, attributes)`` that is not None. A DTD is damage: no
    part of a workbook has one, and it is where entities to expand would be declared."""
    found = []

    def start(name, attributes):
        verdict = None if found else judge(name.rsplit(" ", 1)[-1], attributes)
        if verdict:
            found.append(verdict)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ParseFile(member)
    return found[0] if found else None


def _declared(_name, attributes):
    """What [Content_Types].xml declares beyond a plain workbook (xlsm's macro-enabled main
    part, a VBA project, an ActiveX control ...), or None."""
    content_type = attributes.get("ContentType", "").lower()
    return next((found for found, words in _CONTENT_TYPE_WORDS
                 if any(word in content_type for word in words)), None)


def _linked(name, attributes):
    """_LINKS for a relationship that points outside the workbook (other than a hyperlink to a
    web page or a mail address), else None."""
    if name != "Relationship" or attributes.get("TargetMode", "").strip().lower() != "external":
        return None
    target = attributes.get("Target", "").strip().lower()
    web = attributes.get("Type", "").endswith("/hyperlink") and target.startswith(_WEB_TARGETS)
    return None if web else _LINKS


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
            found = next(filter(None, map(_part_found, sorted(names))), None)
            if found:
                return _active_content_message(found)
            # The sizes above are what the archive claims. Reading every member (in chunks,
            # never more than the claimed total) checks each one's CRC, so a member that
            # expands beyond its claimed size fails here instead of in whoever opens it. The
            # content types and the relationships are parsed as they are read.
            for info in archive.infolist():
                with archive.open(info) as member:
                    found = None
                    if info.filename == "[Content_Types].xml":
                        found = _first_found(member, _declared)
                    elif info.filename.lower().endswith(".rels"):
                        found = _first_found(member, _linked)
                    if found:
                        return _active_content_message(found)
                    while member.read(1 << 16):
                        pass
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, expat.ExpatError):
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
    if kind == PDF and looks_like_markup(head):
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


# What the portal publishes: PDFs, and photos as JPEG or PNG.
PUBLIC_KINDS = (PDF, JPEG, PNG)
# A published photo is shown on a web page; a camera's 24 megapixels are plenty, and decoding
# stays within about 120 MB.
PUBLIC_IMAGE_MAX_PIXELS = 40_000_000
# The format Pillow must find in a file whose first bytes announced ``kind`` (MPO is the
# multi-picture JPEG some phones write).
_PILLOW_FORMATS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}}

# Markup that makes a published file a web page as well (a polyglot), anywhere in its bytes.
# Only a browser that took the file for HTML could run it, and the portal never serves one so
# (``ozgeris.public_files``): refusing it is defence in depth, and no list of markers can be
# complete. Compressed data (a PDF's streams, a JPEG's scan) may hold any byte sequence, so each
# marker needs the delimiter that ends a tag name, and the short names (svg, img) a namespace or
# an event handler inside the tag too: random bytes match about once in 10^6 MB. (The first
# bytes of every upload meet the looser _MARKUP_MARKERS in ``detect_type``: no compressed data
# stands there, so a bare marker is enough.)
_POLYGLOT = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|!doctype\s+html)[\s/>]"
    rb"|<(?:svg|img)[\s/][^<>]{0,200}?(?:xmlns|on[a-z]+\s*=)",
    re.IGNORECASE,
)


def _read_all(file):
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _check_pdf(data):
    """Open the PDF as a reader would and decode every stream (qpdf's --check)."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _("The PDF is also a ZIP archive and was refused.")
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                return _("The PDF is encrypted; save it without a password or protection.")
            problems = pdf.check_pdf_syntax()
    except pikepdf.PasswordError:
        return _("The PDF is encrypted; save it without a password or protection.")
    except (pikepdf.PikepdfError, ValueError, RuntimeError):  # qpdf's and its bindings'
        problems = ["unreadable"]
    if problems:
        return _("The PDF is damaged or has no pages and cannot be published; export it again.")
    return None


_pillow_setting = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """Pillow decodes a truncated image (padding it with grey) when the process-wide
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` is on, and WeasyPrint turns it on when imported. The
    check needs it off while it decodes; the portal's processes decode one image at a time
    (gunicorn's and Celery's workers run one request or task each), the lock covers threads."""
    with _pillow_setting:
        previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_image(data, kind):
    """Decode the whole image: ``verify()`` reads its structure, a fresh ``load()`` its pixels
    (Pillow needs a new image after ``verify()``). The size is checked before either."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _PILLOW_FORMATS[kind]:
                return _("The image is damaged and cannot be read.")
            width, height = image.size
            if width * height > PUBLIC_IMAGE_MAX_PIXELS:
                return _("The image is %(width)s × %(height)s pixels; the limit is %(limit)s "
                         "megapixels.") % {"width": width, "height": height,
                                           "limit": PUBLIC_IMAGE_MAX_PIXELS // 1_000_000}
            image.verify()
        with Image.open(io.BytesIO(data)) as image, _truncated_images_refused():
            image.load()
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError):
        return _("The image is damaged and cannot be read.")
    return None


def check_public_file(file, allowed=PUBLIC_KINDS, max_bytes=None):
    """The whole check of a file the portal publishes; return its type or raise
    ValidationError. Beyond ``validate_upload``: no web page markup anywhere in it, and it
    opens whole as what its first bytes say (an encrypted, damaged or truncated PDF, a PDF
    that is also a ZIP archive, an image that does not decode or is too large are refused)."""
    kind = validate_upload(file, allowed=allowed, max_bytes=max_bytes)
    data = _read_all(file)
    if _POLYGLOT.search(data):
        raise ValidationError(_("The file contains web page markup and was refused."))
    problem = _check_pdf(data) if kind == PDF else _check_image(data, kind)
    if problem:
        raise ValidationError(problem)
    return kind


def check_new_file(file, check=validate_upload, **options):
    """What every file field's validator does: ``check(file, **options)`` on a file being
    uploaded, nothing on the stored file a form leaves in place (Django validates every field
    on each save; that file was checked when it came, and a published one is checked again by
    ``recheck_public_files``). Returns the new file's type, or None."""
    if getattr(file, "_committed", False):
        return None
    return check(file, **options)


def validate_public_pdf(file):
    """Field validator for the PDFs staff publish: the regulations and the press releases."""
    check_new_file(file, check_public_file, allowed=(PDF,))


def validate_private_document(file):
    """Field validator for the scans, photos and documents of outreach kept in the private
    store."""
    check_new_file(file, allowed=(PDF, JPEG, PNG))
