"""Narratives with figures from the data.

In an activity's narrative, staff write placeholders instead of typing figures:

* ``{events.participants}`` — the value of that indicator source;
* ``{140|events.participants}`` — the same, noting that the text claimed 140: where the data
  says otherwise the report prints the data's figure and lists the disagreement;
* ``{table:events.participants_by_city}`` — on a line of its own, that table source's table.

Everything else is text, escaped when rendered. Paragraphs are separated by blank lines. A
figure from a source the programme marks illustrative (``IllustrativeFigure``) prints with the
same "illustrative" label as the tables and indicators, and its note is kept for the activity.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ozgeris.formats import figure, unit_of
from ozgeris.registries import indicator_sources, table_sources

from .models import Activity
from .services import source_value

PLACEHOLDER = re.compile(r"\{(?:(?P<typed>[\d\s.,]+)\|)?(?P<name>[a-z_]+\.[a-z0-9_]+)\}")
TABLE = re.compile(r"^\s*\{table:(?P<name>[a-z_]+\.[a-z0-9_]+)\}\s*$")
BRACED = re.compile(r"\{[^{}\n]{0,120}\}")
# Table sources renamed since narratives were written: old name -> current name. A stored
# narrative keeps its old placeholder and still prints the table.
RENAMED_TABLES = {"voting.winners": "voting.winners_by_nomination"}


@dataclass
class Disagreement:
    activity: Activity
    typed: str
    source: str
    actual: object


@dataclass
class Narrative:
    blocks: list = field(default_factory=list)  # ("text", html) or ("table", cols, rows, name)
    disagreements: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # placeholders naming no registered source
    # source -> note, of the illustrative figures used whose table the narrative does not print
    illustrative: dict = field(default_factory=dict)


def _typed_number(text):
    try:
        return Decimal(text.replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        return None


def render(activity, programme, *, figures=None, cache=None, illustrative=None):
    """The activity's narrative as blocks, with the disagreements between typed and computed
    figures. ``activity``: the record, or an issued version's kept copy of it
    (``services.as_issued``), whose texts are then the ones issued. ``figures`` (an issued
    version's frozen values) take precedence over the sources.
    ``illustrative``: {source: note} of the sources marked illustrative; their figures carry
    the label and their notes are collected in ``Narrative.illustrative``."""
    cache = {} if cache is None else cache
    illustrative = illustrative or {}
    narrative = Narrative()

    def value_of(name):
        if figures is not None and name in figures:
            return figures[name]
        return source_value(name, programme, cache)

    def substitute(match):
        name = match.group("name")
        if name not in indicator_sources:
            narrative.unknown.append(name)
            return conditional_escape(match.group(0))
        value = value_of(name)
        typed = match.group("typed")
        html = format_html('<span class="figure">{}</span>', figure(value, unit_of(name)))
        if typed is not None:
            claimed = _typed_number(typed)
            actual = value.get("exists") if isinstance(value, dict) else value
            if claimed is None or actual is None or isinstance(actual, bool) or (
                    Decimal(str(actual)) != claimed):
                narrative.disagreements.append(Disagreement(activity, typed.strip(), name, value))
                html = format_html('<span class="figure disagrees" title="{}">{}</span>',
                                   typed.strip(), figure(value, unit_of(name)))
        if name in illustrative:
            narrative.illustrative.setdefault(name, illustrative[name])
            html = format_html('{} <span class="illustrative">{}</span>', html,
                               _("illustrative"))
        return html

    for paragraph in re.split(r"\n\s*\n", activity.narrative or ""):
        if not paragraph.strip():
            continue
        table = TABLE.match(paragraph)
        if table:
            name = _table_name(table)
            function = table_sources.get(name)
            if function is None:
                narrative.unknown.append(name)
                continue
            columns, rows = function(programme)
            narrative.blocks.append(("table", columns, list(rows), name))
            continue
        pieces, position = [], 0
        for match in PLACEHOLDER.finditer(paragraph):
            pieces.append(conditional_escape(paragraph[position:match.start()]))
            pieces.append(substitute(match))
            position = match.end()
        pieces.append(conditional_escape(paragraph[position:]))
        html = "".join(str(piece) for piece in pieces).replace("\n", "<br>")
        narrative.blocks.append(("text", mark_safe(html)))  # noqa: S308 - every piece escaped
    for block in narrative.blocks:  # a table of the same source prints the note itself
        if block[0] == "table":
            narrative.illustrative.pop(block[3], None)
    return narrative


def _table_name(match):
    """The table source a ``TABLE`` match names, by its current name."""
    return RENAMED_TABLES.get(match.group("name"), match.group("name"))


def figures_used(programme):
    """The source names every narrative of the programme mentions (to freeze them)."""
    names = set()
    for activity in Activity.objects.filter(task__programme=programme):
        for language, _name in settings.LANGUAGES:
            text = getattr(activity, f"narrative_{language}") or ""
            names.update(match.group("name") for match in PLACEHOLDER.finditer(text))
    return sorted(names)


def mistakes(text):
    """What in ``text`` looks like a placeholder but would not print a figure or a table, each
    as a sentence for the person editing it: a source that does not exist (with the nearest
    name that does), a table inside a paragraph, a mistyped form."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text or ""):
        table = TABLE.match(paragraph)
        for token in BRACED.findall(paragraph):
            placeholder = PLACEHOLDER.fullmatch(token)
            if table and token == f"{{table:{table.group('name')}}}":
                name, known = _table_name(table), table_sources.names()
            elif placeholder:
                name, known = placeholder.group("name"), indicator_sources.names()
            elif token.startswith("{table:"):
                found.append(_("%(token)s: a table goes on a line of its own, with blank lines "
                               "around it.") % {"token": token})
                continue
            else:
                found.append(_("%(token)s is not a placeholder: write {source}, "
                               "{140|source} or {table:source}.") % {"token": token})
                continue
            if name in known:
                continue
            near = difflib.get_close_matches(name, list(known), n=1)
            if near:
                found.append(_("%(token)s: there is no source “%(name)s”; did you mean "
                               "“%(near)s”?") % {"token": token, "name": name, "near": near[0]})
            else:
                found.append(_("%(token)s: there is no source “%(name)s”.")
                             % {"token": token, "name": name})
    return found
