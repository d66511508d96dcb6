"""PDF rendering with WeasyPrint, shared by every app's PDF exports."""

from django.conf import settings
from django.template.loader import render_to_string

PDF_FONTS_DIR = settings.BASE_DIR / "static" / "fonts" / "pdf"


def render_pdf(template, context):
    """Render ``template`` with ``context`` to PDF bytes. Templates include
    ``includes/pdf_fonts.html`` inside their <style> to get the embedded fonts."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    html = render_to_string(template, {**context, "pdf_fonts": PDF_FONTS_DIR.as_uri()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
