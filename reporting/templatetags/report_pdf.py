"""Filters of the report's PDF templates: a text in the report's language, marked where it is
the Russian text standing in for a missing translation (``reporting.report.Text``)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from reporting.report import Text, localized_text

register = template.Library()


def _text(value, name=None):
    if isinstance(value, Text):
        return value
    if name is not None:
        return localized_text(value, name)
    return Text(str(value or ""))


def _mark():
    return format_html('<span class="fallback">({})</span>', _("in Russian"))


@register.filter
def local(value, name=None):
    """``{{ task|local:"title" }}`` or ``{{ text|local }}``: inline, with lang="ru" and a
    visible "(in Russian)" where the Russian text stands in."""
    text = _text(value, name)
    if text.fallback:
        return format_html('<span lang="ru">{}</span> {}', text.value, _mark())
    return text.value


@register.filter
def paragraphs(value, name=None):
    """A longer text (outcomes, lessons) as paragraphs, marked the same way."""
    text = _text(value, name)
    body = format_html_join("", "<p>{}</p>", ((part,) for part in text.paragraphs))
    if text.fallback:
        return format_html('<div lang="ru"><p class="fallback">{}</p>{}</div>', _mark(), body)
    return body
