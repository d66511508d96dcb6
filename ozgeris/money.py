"""Money is tenge as integers; shown with thousands separated by a (non-breaking) space."""

from django.utils import translation

NBSP = "\u00a0"


def format_tenge(amount, language=None):
    """``18950000`` → ``18 950 000 ₸`` in ru/kk, ``₸18,950,000`` in en; None → empty."""
    if amount is None:
        return ""
    language = (language or translation.get_language() or "ru").split("-")[0]
    amount = int(amount)
    sign = "−" if amount < 0 else ""
    if language == "en":
        return f"{sign}₸{abs(amount):,}"
    return f"{sign}{abs(amount):,}".replace(",", NBSP) + f"{NBSP}₸"
