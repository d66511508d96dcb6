"""How the portal writes a figure: the one module for numbers, money, percentages, durations
and dates in text (the grant report's PDF and narratives, the charts, the web pages' filters,
the contracts, the admin).

The marks come from the language's Django format module, read through
``django.utils.formats.get_format``: Django's own for Russian and English, ours for Kazakh
(``ozgeris/locale_formats/kk``, on ``FORMAT_MODULE_PATH``). Nothing here spells out a
separator, so a language's marks are changed in its format module and nowhere else.

* numbers: thousands grouped always (``numberformat.format`` with ``force_grouping``), a
  no-break space and a decimal comma in Russian and Kazakh, a comma and a decimal point in
  English; at most two decimals, trailing zeros dropped (8.6667 → 8,67; 6.8 → 6,8;
  500000 → 500 000); a minus sign, not a hyphen;
* money: whole tenge, ``18 950 000 ₸`` (ru/kk), ``₸18,950,000`` (en);
* percentages: ``12,5 %`` with a no-break space (ru/kk), ``12.5%`` (en);
* durations in seconds as minutes and seconds (162 → 2:42), never "162 s";
* dates as dd.mm.yyyy in tables, written out (``long_date``) on the cover;
* a document's existence as yes/no, nothing as "—".

XLSX cells keep their numbers and carry a number format instead (``ozgeris/xlsx.py``).
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import dateformat, numberformat, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from .registries import indicator_sources

NBSP = "\u00a0"
MINUS = "\u2212"
MAX_DECIMALS = 2
SECONDS = "seconds"
TENGE = "tenge"
CURRENCY = "₸"

# Where the sign of the tenge goes and what separates it (English writes a currency sign
# before the amount, Russian and Kazakh after it); the percent sign likewise.
_CURRENCY_FIRST = {"en"}
_PERCENT_SPACE = {"en": ""}
# A date written out, in Django's date format characters (``E``: the month as it stands in a
# date: genitive in Russian, lowercase in Kazakh). Kazakh puts the year first.
_LONG_DATE = {"kk": "Y жылғы j E"}
_LONG_DATE_DEFAULT = "j E Y"


def language_of(language=None):
    """``language``, else the active one, as one of the portal's codes (``kk-kz`` → ``kk``);
    any other falls back to the default (Russian)."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _grouped(amount, language):
    text = numberformat.format(
        amount,
        get_format("DECIMAL_SEPARATOR", language),
        grouping=get_format("NUMBER_GROUPING", language),
        thousand_sep=get_format("THOUSAND_SEPARATOR", language),
        force_grouping=True,
    )
    return str(text).replace("-", MINUS)


def number(value, language=None):
    """``1234567`` → ``1 234 567`` (ru/kk) or ``1,234,567`` (en); ``8.6667`` → ``8,67``."""
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    amount = amount.normalize() if amount != amount.to_integral_value() else amount.quantize(1)
    return _grouped(amount, language_of(language))


def format_tenge(amount, language=None):
    """``18950000`` → ``18 950 000 ₸`` in ru/kk, ``₸18,950,000`` in en; None → empty."""
    if amount is None:
        return ""
    language = language_of(language)
    amount = int(amount)
    if language in _CURRENCY_FIRST:
        sign = MINUS if amount < 0 else ""
        return f"{sign}{CURRENCY}{_grouped(abs(amount), language)}"
    return f"{_grouped(amount, language)}{NBSP}{CURRENCY}"


def percent(value, language=None):
    """``12.5`` → ``12,5 %`` (ru/kk, a no-break space) or ``12.5%`` (en)."""
    language = language_of(language)
    return f"{number(value, language)}{_PERCENT_SPACE.get(language, NBSP)}%"


def duration(seconds):
    """``162`` → ``2:42``; an hour or more → ``1:02:03``."""
    minutes, second = divmod(int(round(seconds)), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{second:02d}"
    return f"{minutes}:{second:02d}"


def long_date(value, language=None):
    """``4 октября 2019`` (ru), ``2019 жылғы 4 қазан`` (kk), ``4 October 2019`` (en): the
    month names are Django's (and ``vendor_locale/kk``'s), in the language asked for."""
    if value is None:
        return ""
    language = language_of(language)
    with translation.override(language):
        return dateformat.format(value, _LONG_DATE.get(language, _LONG_DATE_DEFAULT))


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
    if is_number(value):
        if unit == SECONDS:
            return duration(value)
        if unit == TENGE:
            return format_tenge(value, language)
        return number(value, language)
    return str(value)


def is_number(value):
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def unit_of(source):
    """The unit an indicator source declares for its value (``average_seconds.unit =
    SECONDS`` beside the function), so a figure is written the same way wherever it prints."""
    return getattr(indicator_sources.get(source), "unit", None)
