"""Server-side charts: plain SVG 1.1 markup, no JavaScript, no external assets.

Every function returns a safe string that a template can print as it is and that WeasyPrint
can draw in a PDF. The output is deterministic: the same data gives the same bytes (ids are
derived from the content, coordinates are rounded), so a chart can be compared in a test or
cached.

Values are written by ``ozgeris.formats.number`` in the active language unless the caller
passes another ``value_format``.

The text is in "Noto Sans" (the site's body font, embedded in the PDFs too); the colours are
the site's palette. Each chart is an image to assistive technology (``role="img"``) with a
``<title>`` and a ``<desc>`` that lists the data, so a screen reader hears the numbers.
"""

import hashlib
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .formats import number

SKY = "#0b5f86"
SKY_900 = "#073b55"
SKY_100 = "#e3f2f8"
GOLD = "#f2b705"
INK = "#13232f"
MUTED = "#4f5d68"
FONT_FAMILY = "'Noto Sans', 'DejaVu Sans', sans-serif"

# A web page's chart is drawn this many units wide with text this size: on a 390 px phone its
# box is 310-350 px wide, so the labels read at 13.5-15 px (a 640-unit chart shrank them to
# about 7 px); a desktop caps the box (static/css: .chart-box, .registry-chart) so they do
# not grow much past 17 px. A PDF passes its own width and size for the printed page.
SCREEN_WIDTH = 320
SCREEN_FONT_SIZE = 14

# The advance of a Noto Sans glyph, as a share of the font size, rounded up: used to wrap
# labels, so that a line of capitals ("КОМУНИТИПЛЮС") ends inside the chart as a line of
# small letters does.
_WIDE_GLYPHS = set("MWmwМШЩЖЮФЫшщжюфы")
_WHITE_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def _num(value):
    """A coordinate as short, stable text: one decimal at most, no trailing ``.0``."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _spaces(text):
    """Runs of white space as one space; a no-break space (``12,5 %``, ``1 234``) stays, so a
    figure is never split over two lines."""
    return _WHITE_SPACE.sub(" ", str(text)).strip(" ")


def _advance(char):
    if char in " \u00a0":
        return 0.27
    if char in _WIDE_GLYPHS:
        return 1.05 if char.isupper() else 0.95
    if char.isupper():
        return 0.8
    return 0.6 if char.isalnum() else 0.45


def _ems(text):
    """How wide ``text`` is, in units of the font size (an estimate that errs wide)."""
    return sum(_advance(char) for char in text)


def _wrap(text, room, max_lines):
    """Split ``text`` into at most ``max_lines`` lines each ``room`` font sizes wide at most,
    on spaces where possible; what does not fit ends with an ellipsis."""
    words = str(text).split(" ")
    lines, current = [], ""
    for word in words:
        while _ems(word) > room:  # a word longer than a line is cut
            if current:
                lines.append(current)
                current = ""
            cut = 1
            while cut < len(word) and _ems(word[:cut + 1]) <= room:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if _ems(candidate) <= room:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while len(last) > 1 and _ems(last + "…") > room:
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        return kept
    return lines


def _chart_id(prefix, title, items):
    content = repr((title, items)).encode("utf-8")
    digest = hashlib.sha1(content, usedforsecurity=False).hexdigest()[:10]
    return f"{prefix}-{digest}"


def bar_chart(
    items,
    *,
    title,
    description=None,
    width=SCREEN_WIDTH,
    font_size=SCREEN_FONT_SIZE,
    bar_height=16,
    colour=SKY,
    highlight=GOLD,
    highlight_max=True,
    show_title=False,
    value_format=number,
    empty_text=None,
    max_label_lines=2,
    chart_id=None,
):
    """A horizontal bar chart of ``items``, a sequence of ``(label, value)`` pairs, drawn in
    the order given (sort before calling).

    Each row is the label on its own line(s) and, under it, the bar with the value printed
    at its end: labels keep the full width, so the chart stays readable when a phone scales
    it down. The bars of the largest value are drawn in ``highlight`` (gold) unless every
    value is the same. ``description`` replaces the generated summary in ``<desc>``;
    ``show_title`` also prints the title above the bars (for a PDF, where there is no HTML
    heading). Returns safe SVG markup (SVG 1.1) that scales to its container's width.
    """
    items = [(_spaces(label), value) for label, value in items]
    chart_id = chart_id or _chart_id("chart", str(title), items)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if description is None:
        if items:
            description = "; ".join(
                f"{label}: {value_format(value)}" for label, value in items
            ) + "."
        else:
            description = empty_text or _("No data.")

    line_height = round(font_size * 1.3)
    label_room = width / font_size
    values = [value for _label, value in items]
    largest = max(values, default=0)
    highlighted = highlight_max and len(set(values)) > 1
    value_width = max(
        (len(value_format(value)) for value in values), default=1
    ) * font_size * 0.62 + 10
    bar_room = max(width - value_width, width / 3)

    body = []
    y = 0
    if show_title:
        y += font_size + 4
        body.append(
            f'<text x="0" y="{_num(y)}" font-size="{_num(font_size + 2)}" font-weight="700" '
            f'fill="{SKY_900}">{escape(title)}</text>'
        )
        y += 10
    if not items:
        y += line_height
        body.append(
            f'<text x="0" y="{_num(y)}" font-size="{_num(font_size)}" fill="{MUTED}">'
            f"{escape(empty_text or _('No data.'))}</text>"
        )
        y += 6
    for index, (label, value) in enumerate(items):
        if index:
            y += 12  # the space between rows
        lines = _wrap(label, label_room, max_label_lines)
        texts = []
        for line_number, line in enumerate(lines):
            texts.append(
                f'<tspan x="0" y="{_num(y + font_size + line_number * line_height)}">'
                f"{escape(line)}</tspan>"
            )
        full_label = f"<title>{escape(label)}</title>" if " ".join(lines) != label else ""
        body.append(
            f'<text font-size="{_num(font_size)}" fill="{INK}">{full_label}{"".join(texts)}'
            "</text>"
        )
        y += len(lines) * line_height + 4
        length = bar_room * float(value / largest) if largest > 0 and value > 0 else 0
        if value > 0:
            length = max(length, 3)
        fill = highlight if highlighted and value == largest else colour
        body.append(
            f'<rect x="0" y="{_num(y)}" width="{_num(bar_room)}" height="{_num(bar_height)}" '
            f'rx="3" ry="3" fill="{SKY_100}"/>'
        )
        if length:
            body.append(
                f'<rect x="0" y="{_num(y)}" width="{_num(length)}" height="{_num(bar_height)}" '
                f'rx="3" ry="3" fill="{fill}"/>'
            )
        value_x = max(length, 0) + 6
        body.append(
            f'<text x="{_num(value_x)}" y="{_num(y + bar_height / 2 + font_size * 0.36)}" '
            f'font-size="{_num(font_size)}" font-weight="700" fill="{SKY_900}">'
            f"{escape(value_format(value))}</text>"
        )
        y += bar_height
    height = y + 4

    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="{escape(chart_id)}" '
        f'class="chart chart-bar" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" aria-label="{escape(title)}" '
        f'width="100%" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{FONT_FAMILY}">\n'
        f'<title id="{escape(title_id)}">{escape(title)}</title>\n'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>\n'
        + "\n".join(body)
        + "\n</svg>"
    )
    return mark_safe(svg)  # noqa: S308 — every piece of text above went through escape()
