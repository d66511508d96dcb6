"""How the grant report (PDF, charts, narratives) writes a figure: one format per language.

* numbers: thousands grouped always (Django's ``numberformat.format`` with
  ``force_grouping``), a no-break space and a decimal comma in Russian and Kazakh, a comma and
  a decimal point in English; at most two decimals, trailing zeros dropped (8.6667 → 8,67;
  6.8 → 6,8; 500000 → 500 000);
* durations in seconds as minutes and seconds (162 → 2:42), never "162 s";
* money in tenge through ``ozgeris.money.format_tenge``;
* dates as dd.mm.yyyy in tables, written out (``long_date``) on the cover;
* a document's existence as yes/no, nothing as "—".

The separators are spelled out here rather than read from Django's locale formats: Django has
no Kazakh format module, so ``number_format`` would print 1234567.89 in Kazakh.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import numberformat, translation
from django.utils.translation import gettext as _

from .money import NBSP, format_tenge
from .registry import indicator_sources

SEPARATORS = {"ru": (",", NBSP), "kk": (",", NBSP), "en": (".", ",")}
MAX_DECIMALS = 2
SECONDS = "seconds"
TENGE = "tenge"

# Month names for a written-out date: Russian in the genitive, Kazakh in the nominative (the
# Kazakh date puts the year first: "2019 жылғы 4 қазан").
_MONTHS = {
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"],
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
           "қыркүйек", "қазан", "қараша", "желтоқсан"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}


def _language(language):
    code = (language or translation.get_language() or "ru").split("-")[0]
    return code if code in SEPARATORS else "ru"


def number(value, language=None):
    """``1234567`` → ``1 234 567`` (ru/kk) or ``1,234,567`` (en); ``8.6667`` → ``8,67``."""
    decimal_sep, thousand_sep = SEPARATORS[_language(language)]
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    amount = amount.normalize() if amount != amount.to_integral_value() else amount.quantize(1)
    text = numberformat.format(amount, decimal_sep, grouping=3, thousand_sep=thousand_sep,
                               force_grouping=True)
    return text.replace("-", "−")


def duration(seconds):
    """``162`` → ``2:42``; an hour or more → ``1:02:03``."""
    minutes, second = divmod(int(round(seconds)), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{second:02d}"
    return f"{minutes}:{second:02d}"


def long_date(value, language=None):
    """``4 октября 2019`` (ru), ``2019 жылғы 4 қазан`` (kk), ``4 October 2019`` (en)."""
    if value is None:
        return ""
    language = _language(language)
    month = _MONTHS[language][value.month - 1]
    if language == "kk":
        return f"{value.year} жылғы {value.day} {month}"
    return f"{value.day} {month} {value.year}"


def figure(value, unit=None, language=None):
    """A figure as the report prints it. ``unit``: ``SECONDS`` prints a duration as m:ss,
    ``TENGE`` money with ₸; other numbers are grouped by ``number``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        value = bool(value.get("exists"))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, int | float | Decimal):
        if unit == SECONDS:
            return duration(value)
        if unit == TENGE:
            return format_tenge(value, _language(language))
        return number(value, language)
    return str(value)


def is_number(value):
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def unit_of(source):
    """The unit an indicator source declares for its value (``average_seconds.unit =
    SECONDS`` beside the function), so a figure is written the same way wherever it prints."""
    return getattr(indicator_sources.get(source), "unit", None)
