"""The web's charts stay legible on a phone (issue 19): an SVG chart scales to its box, so a
label's size on screen is its font size times the box's width over the viewBox's. On a
390 px phone the narrowest chart box (a registry card) is about 310 px wide; every label of
every chart on the results page, the registry and the staff's vote page must read at 11 px or
more there. The report's PDF keeps its own, print-sized charts."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import ImageFont

from ozgeris.charts import bar_chart
from reporting import report_tables

# The narrowest chart box at 390 px: the page's 1.25rem margins and a registry card's 1.2rem
# padding on each side (static/css/site.css .container, registry.css .registry-chart).
PHONE_CHART_BOX = 390 - 2 * 20 - 2 * 19.2
READABLE_PX = 11

SVG = re.compile(r"<svg [^>]*class=\"chart chart-bar\"[^>]*>", re.S)
VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) [\d.]+"')
FONT_SIZE = re.compile(r'font-size="([\d.]+)"')


def charts(markup):
    """Each chart of a page as (viewBox width, its smallest font size)."""
    found = []
    for start in SVG.finditer(markup):
        end = markup.index("</svg>", start.start())
        svg = markup[start.start():end]
        width = float(VIEWBOX.search(start.group()).group(1))
        found.append((width, min(float(size) for size in FONT_SIZE.findall(svg))))
    return found


def smallest_px(markup, box=PHONE_CHART_BOX):
    """The smallest label of the page's charts in CSS pixels, each chart filling a box
    ``box`` px wide (they are ``width="100%"``)."""
    sizes = charts(markup)
    assert sizes, "the page has charts"
    return min(font * box / width for width, font in sizes)


def test_a_chart_of_the_default_size_reads_at_11_px_or_more_on_a_phone():
    svg = str(bar_chart([("Алматы", 3), ("Жамбылская область", 1)], title="По регионам"))

    assert smallest_px(svg) >= READABLE_PX


def test_a_chart_drawn_for_a_desktop_width_would_not():
    """The computation itself: the 640-unit charts the pages used read at about 7 px."""
    svg = str(bar_chart([("Алматы", 3)], title="t", width=640, font_size=13))

    assert smallest_px(svg) < READABLE_PX


@pytest.mark.django_db
def test_the_released_results_charts_read_on_a_phone(client, demo_programme):
    page = client.get(reverse("voting:results", args=[demo_programme.year]))

    assert page.status_code == 200
    assert smallest_px(page.content.decode()) >= READABLE_PX


@pytest.mark.django_db
def test_the_registry_charts_read_on_a_phone(client, demo_programme):
    page = client.get(reverse("registry:list"))

    assert page.status_code == 200
    assert len(charts(page.content.decode())) == 3
    assert smallest_px(page.content.decode()) >= READABLE_PX


@pytest.mark.django_db
def test_the_staff_vote_page_charts_read_on_a_phone(client, demo_programme, staff):
    client.force_login(staff)

    page = client.get(reverse("voting:dashboard", args=[demo_programme.year]))

    assert page.status_code == 200
    assert len(charts(page.content.decode())) == 5
    assert smallest_px(page.content.decode()) >= READABLE_PX


LINE = re.compile(r"<tspan [^>]*>([^<]*)</tspan>")
# Labels that once ran out of the chart (capitals are wider than the average glyph).
HARD_LABELS = [
    "ОФ «Фонд культурного, социального и образовательного развития «КОМУНИТИПЛЮС»",
    "ОЮЛ «АССОЦИАЦИЯ НКО ЖАМБЫЛСКОЙ ОБЛАСТИ» ШЫМКЕНТ МАНГИСТАУ",
    "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
    "Лучшая инициатива международного института для поддержки социального",
]


@pytest.mark.parametrize(("width", "font_size"), [(320, 14), (480, 9)])
def test_every_label_line_fits_inside_the_chart_in_the_real_font(width, font_size):
    """Measured with the Noto Sans the site and the PDF use (the PDF's own copy)."""
    font = ImageFont.truetype(
        str(Path(settings.BASE_DIR) / "static/fonts/pdf/NotoSans-Regular.ttf"), font_size * 10)
    svg = str(bar_chart([(label, 1) for label in HARD_LABELS], title="t", width=width,
                        font_size=font_size))

    lines = [html.unescape(line) for line in LINE.findall(svg)]

    assert len(lines) >= len(HARD_LABELS)
    assert max(font.getlength(line) / 10 for line in lines) <= width


def test_the_report_keeps_its_print_sized_charts():
    """The PDF's page is fixed: its charts keep their 480-unit width and 9-unit text
    (9 pt on the A4 column), whatever the web does."""
    svg = str(report_tables._chart("voting.voters_by_age", "Возраст",
                                   [("18–24", 10, 50.0), ("25–34", 10, 50.0)]))

    assert charts(svg) == [(480, 9)]
