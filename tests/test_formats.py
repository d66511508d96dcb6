"""A figure has one home, ``ozgeris.formats``, and its marks one source, the language's
Django format module: the same number reaches the same text through every public entry point
(the report's functions, the template filters, the charts, the report's tables, the vote's
statistics), and a separator changed in the format module changes all of them."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import formats as django_formats
from django.utils import translation

from ozgeris import formats
from ozgeris.charts import bar_chart
from ozgeris.locale_formats.kk import formats as kazakh_format_module
from reporting import report_tables
from voting.statistics import Statistics

NBSP = "\u00a0"
NARROW = "\u202f"  # a narrow no-break space
FILTERS = Template("{% load portal %}{{ value|figure }}|{{ value|tenge }}")
EXPECTED = {  # (a number, money, a percentage) per language
    "ru": (f"1{NBSP}234{NBSP}567,5", f"1{NBSP}234{NBSP}567{NBSP}₸", f"12,5{NBSP}%"),
    "kk": (f"1{NBSP}234{NBSP}567,5", f"1{NBSP}234{NBSP}567{NBSP}₸", f"12,5{NBSP}%"),
    "en": ("1,234,567.5", "₸1,234,567", "12.5%"),
}
AMOUNT = Decimal("1234567.5")


def statistics(average_seconds):
    return Statistics(first_day=None, last_day=None, visitors=0, voters=0, votes=0,
                      visitors_who_voted=0, average_seconds=average_seconds, daily=[],
                      sources=[], ages=[], regions=[])


def entry_points(value, language):
    """``value`` as a number and as money through each way the portal writes it."""
    with translation.override(language):
        filtered_figure, filtered_tenge = FILTERS.render(Context({"value": value})).split("|")
        chart = str(bar_chart([("a", value)], title="t"))
        numbers = {
            "number": formats.number(value, language),
            "number, active language": formats.number(value),
            "figure": formats.figure(value, language=language),
            "figure filter": filtered_figure,
            "chart": next(text for text in chart.split("</text>")[-2:] if "font-weight" in text
                          ).rsplit(">", 1)[1],
            "django": django_formats.number_format(value, force_grouping=True),
        }
        money = {
            "format_tenge": formats.format_tenge(value, language),
            "figure in tenge": formats.figure(value, formats.TENGE, language),
            "tenge filter": filtered_tenge,
        }
    return numbers, money


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_number_reads_the_same_through_every_entry_point(language):
    numbers, money = entry_points(AMOUNT, language)
    number, tenge, _percent = EXPECTED[language]

    assert numbers == dict.fromkeys(numbers, number)
    assert money == dict.fromkeys(money, tenge)


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_percentage_in_the_report_is_written_by_the_one_module(language):
    number, _tenge, percent = EXPECTED[language]
    with translation.override(language):
        table = report_tables.view("voting.voters_by_age", ["Age", "Voters", "Share, %"],
                                   [["18–24", AMOUNT, 12.5]])

    assert formats.percent(12.5, language) == percent
    assert f"18–24 ({percent}): {number}." in str(table.chart)


def test_a_duration_reads_the_same_in_the_report_and_on_the_vote_dashboard():
    assert (formats.duration(162) == formats.figure(162, formats.SECONDS)
            == statistics(162).average_time == "2:42")
    assert formats.figure(3725, formats.SECONDS) == statistics(3725).average_time == "1:02:05"


@pytest.fixture
def kazakh_thousands_by_a_narrow_space(monkeypatch):
    monkeypatch.setattr(kazakh_format_module, "THOUSAND_SEPARATOR", NARROW)
    django_formats.reset_format_cache()
    yield
    monkeypatch.undo()
    django_formats.reset_format_cache()


def test_the_marks_come_from_the_languages_format_module(kazakh_thousands_by_a_narrow_space):
    numbers, money = entry_points(AMOUNT, "kk")

    assert numbers == dict.fromkeys(numbers, f"1{NARROW}234{NARROW}567,5")
    assert money == dict.fromkeys(money, f"1{NARROW}234{NARROW}567{NBSP}₸")
    assert entry_points(AMOUNT, "ru")[0]["number"] == f"1{NBSP}234{NBSP}567,5"


def test_negative_figures_take_a_minus_sign_and_decimals_stop_at_two():
    assert formats.number(-1500, "ru") == f"\u22121{NBSP}500"
    assert formats.format_tenge(-1500, "en") == "\u2212₸1,500"
    assert formats.number(Decimal("8.6667"), "kk") == "8,67"
    assert formats.number(2.0, "en") == "2"


def test_a_written_out_date_uses_the_languages_month_names():
    from datetime import date

    day = date(2019, 10, 4)

    assert formats.long_date(day, "ru") == "4 октября 2019"
    assert formats.long_date(day, "kk") == "2019 жылғы 4 қазан"
    assert formats.long_date(day, "en") == "4 October 2019"
    with translation.override("kk"):
        assert formats.long_date(day) == "2019 жылғы 4 қазан"
        assert translation.get_language() == "kk"
