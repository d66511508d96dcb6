"""Dates and numbers as Kazakh and Russian write them (ozgeris/locale_formats for Kazakh,
Django's own module for Russian): a decimal comma, lowercase month names inside a date, the
24-hour clock."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from ozgeris.models import AuditEvent

ALMATY = ZoneInfo("Asia/Almaty")
PAGE = Template('{{ day }}|{{ day|date:"j E Y" }}|{{ moment }}|{{ moment|date:"j E Y, H:i" }}|'
                '{{ share|floatformat:2 }} %')
KAZAKH_MONTHS = ("қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша "
                 "желтоқсан").split()


def render(language):
    with translation.override(language):
        return PAGE.render(Context({
            "day": date(2019, 12, 31), "moment": datetime(2019, 9, 21, 22, 27, tzinfo=ALMATY),
            "share": Decimal("16")})).split("|")


def test_kazakh_dates_have_lowercase_months_the_24_hour_clock_and_a_decimal_comma():
    assert render("kk") == ["31 желтоқсан 2019 ж.", "31 желтоқсан 2019",
                            "21 қыркүйек 2019 ж. 22:27", "21 қыркүйек 2019, 22:27", "16,00 %"]


def test_russian_dates_and_decimals_keep_djangos_russian_formats():
    assert render("ru") == ["31 декабря 2019 г.", "31 декабря 2019", "21 сентября 2019 г. 22:27",
                            "21 сентября 2019, 22:27", "16,00 %"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_grouped_numbers_use_a_no_break_space_and_a_decimal_comma(language):
    with translation.override(language):
        assert number_format(Decimal("1234567.5"), force_grouping=True) == "1\xa0234\xa0567,5"


@pytest.mark.django_db
def test_the_kazakh_admin_writes_dates_without_am_pm(client, staff):
    AuditEvent.objects.create(action="test.kazakh-date", object_repr="-",
                              created_at=datetime(2019, 9, 21, 10, 27, tzinfo=ALMATY))
    client.force_login(staff)
    client.cookies["ozgeris_language"] = "kk"

    page = client.get(reverse("admin:ozgeris_auditevent_changelist"),
                      {"action": "test.kazakh-date"}).content.decode()

    assert "21 қыркүйек 2019 ж. 10:27" in page
    assert not re.search(r"Т\.[ЖҚ]\.", page)  # the 12-hour clock's "a.m." and "p.m."
    assert not re.search("|".join(month.capitalize() for month in KAZAKH_MONTHS), page)
