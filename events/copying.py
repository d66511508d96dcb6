"""What the outreach part carries over to next year's edition: the contract terms (amount,
grantor, numbering) and the FAQ (the questions recur; staff review the answers)."""

from .models import ContractTerms, FaqEntry

FAQ_FIELDS = ("order", "question_ru", "question_kk", "question_en", "answer_ru", "answer_kk",
              "answer_en", "is_published")
TERMS_FIELDS = ("amount", "grantor_ru", "grantor_kk", "grantor_signatory_ru",
                "grantor_signatory_kk", "grantor_details", "city", "number_prefix")


def copy_outreach_setup(*, source, target):
    terms = ContractTerms.objects.filter(programme=source).first()
    if terms is not None:
        ContractTerms.objects.create(
            programme=target, **{name: getattr(terms, name) for name in TERMS_FIELDS})
    FaqEntry.objects.bulk_create(
        FaqEntry(programme=target, **{name: getattr(entry, name) for name in FAQ_FIELDS})
        for entry in FaqEntry.objects.filter(programme=source))
