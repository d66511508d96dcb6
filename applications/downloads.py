"""Serving an application's private document, once a view has checked who may read it (the
applicant's own pages, the jury panel)."""

from django.http import FileResponse, Http404


def document_response(document):
    """The document as a download, sandboxed so a hostile file cannot run in the portal."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["Content-Security-Policy"] = "sandbox"
    return response
