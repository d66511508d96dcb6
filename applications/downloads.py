"""Serving an application's private document, once a view has checked who may read it (the
applicant's own pages, the jury panel)."""

from pathlib import PurePath

from django.http import FileResponse, Http404

from ozgeris.public_files import sandboxed
from ozgeris.uploads import CONTENT_TYPES, EXTENSIONS


def download_name(document):
    """The uploader's file name with the extension of the type found in its content, so a PDF
    uploaded as ``report.html`` reaches the reader's computer as ``report.pdf``."""
    kind = {content_type: kind for kind, content_type in CONTENT_TYPES.items()}.get(
        document.content_type)
    stem = PurePath(document.original_name).stem or "document"
    return f"{stem}{EXTENSIONS[kind]}" if kind else document.original_name


def document_response(document):
    """The document as a download, sandboxed so a hostile file cannot run in the portal."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    return sandboxed(FileResponse(handle, as_attachment=True, filename=download_name(document),
                                  content_type=document.content_type))
