"""PDF rendering with WeasyPrint, shared by every app's PDF exports."""

from django.conf import settings
from django.template.loader import render_to_string

PDF_FONTS_DIR = settings.BASE_DIR / "static" / "fonts" / "pdf"


def render_pdf(template, context, *, attachments=(), archival=False):
    """Render ``template`` with ``context`` to PDF bytes. Templates extend
    ``pdf/document.html``, whose head embeds the fonts (``includes/pdf_fonts.html``).

    ``attachments``: ``(filename, bytes, description)`` files embedded in the PDF.
    ``archival``: write PDF/A-3a, the accessible level of the archive format that allows
    attachments: tagged (headings, tables with their header cells, figures with their alt
    text from an SVG's <title> or an image's alt), with the document's language from
    ``<html lang>``. The template must then set ``lang`` and give every image its alt text:
    WeasyPrint only logs what is missing."""
    import io

    from weasyprint import HTML, Attachment  # imported here: loading Pango is slow

    html = render_to_string(template, {**context, "pdf_fonts": PDF_FONTS_DIR.as_uri()})
    options = {"attachments": [
        Attachment(file_obj=io.BytesIO(content), name=name, description=description,
                   relationship="Data")
        for name, content, description in attachments]}
    if archival:
        options["pdf_variant"] = "pdf/a-3a"
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(**options)
