"""The PDFs of the outreach records: a meeting's sign-in sheet, a winner's contract (in
Russian or Kazakh) and the laureates' certificates (one page each, Kazakh and Russian)."""

from django.utils import timezone, translation

from ozgeris.formats import format_tenge
from ozgeris.pdf import render_pdf

from .services import contract_terms

BLANK_LINES = 25  # a sheet for a meeting with no roster yet is printed with empty lines


def sign_in_sheet_pdf(meeting):
    entries = list(meeting.roster.all())
    return render_pdf("events/pdf/sign_in_sheet.html", {
        "meeting": meeting, "programme": meeting.programme, "entries": entries,
        "blank": range(len(entries) + 1, max(BLANK_LINES, len(entries) + 5) + 1),
        "LANGUAGE_CODE": translation.get_language() or "ru",
    })


def contract_pdf(contract, language="ru"):
    """The contract in ``language`` (ru or kk), with the organisation's details as filled in."""
    language = "kk" if language == "kk" else "ru"
    terms = contract_terms(contract.programme)
    organisation = contract.application.organisation
    with translation.override(language):
        return render_pdf(f"events/pdf/contract_{language}.html", {
            "contract": contract, "terms": terms, "organisation": organisation,
            "programme": contract.programme,
            "amount": format_tenge(contract.amount, language),
            "grantor": getattr(terms, f"grantor_{language}"),
            "grantor_signatory": getattr(terms, f"grantor_signatory_{language}"),
            "today": timezone.localdate(),
        })


def certificates_pdf(programme, certificates):
    return render_pdf("events/pdf/certificates.html", {
        "programme": programme, "certificates": certificates,
    })
