"""The report's last items on the 2019 demo: a figure a narrative takes from a source marked
illustrative carries the same label as the tables and indicators; the outcomes and the lesson
the original states in its own words are seeded (ru, with kk and en) and printed; a section
with nothing recorded says so instead of disappearing."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from reporting import narrative, report
from reporting.demo import seed as report_seed
from reporting.models import Activity, BudgetLine, Grant, IllustrativeFigure
from reporting.narrative import PLACEHOLDER

pytestmark = pytest.mark.django_db
LABELS = {"ru": "иллюстративно", "kk": "иллюстрациялық", "en": "illustrative"}
# Words of the original (final-grant-report-2019.ru.md): the meetings' result (line 83), the
# vote's effect (line 375), the ceremony's purpose (line 449) and the lesson (line 373).
ORIGINAL_OUTCOMES = ("мини нетворкинг площадки для обмена опытом",
                     "максимально уменьшить влияние человеческого фактора",
                     "популяризации социального предпринимательства")
ORIGINAL_LESSON = "но и от вовлеченности финалистов"


def html(programme, language):
    with translation.override(language):
        return render_to_string("reporting/pdf/report.html", {
            **report.context(programme), "pdf_fonts": ""})


def labelled_figures(markup, language):
    """The narratives' figures followed by the illustrative label."""
    return re.findall(r'<span class="figure[^"]*"[^>]*>[^<]*</span> '
                      rf'<span class="illustrative">{LABELS[language]}</span>', markup)


def illustrative_placeholders(programme, language):
    """How many placeholders of the narratives in ``language`` name a source the programme
    marks illustrative."""
    marked = set(IllustrativeFigure.objects.filter(programme=programme)
                 .values_list("source", flat=True))
    return sum(match.group("name") in marked
               for activity in Activity.objects.filter(task__programme=programme)
               for match in PLACEHOLDER.finditer(getattr(activity, f"narrative_{language}")
                                                 or activity.narrative_ru))


@pytest.mark.parametrize("language", sorted(LABELS))
def test_a_narrative_figure_from_an_illustrative_source_is_labelled(demo_programme, language):
    expected = illustrative_placeholders(demo_programme, language)
    assert expected >= 1  # the certificates handed out at the ceremony
    note = IllustrativeFigure.objects.get(programme=demo_programme, source="events.certificates")

    markup = html(demo_programme, language)

    assert len(labelled_figures(markup, language)) == expected
    assert getattr(note, f"note_{language}") in markup


def test_the_narrative_leaves_a_note_to_the_table_of_the_same_source(demo_programme):
    """The winners' table is marked (the nominations of six are an example), their count is
    not: the narrative labels only its own illustrative figures, and the table prints its note."""
    marks = {mark.source: mark.note_ru
             for mark in IllustrativeFigure.objects.filter(programme=demo_programme)}
    activity = Activity.objects.get(task__programme=demo_programme, narrative_ru__contains=(
        "{table:voting.winners_by_nomination}"))

    text = narrative.render(activity, demo_programme, illustrative=marks)

    assert list(text.illustrative) == ["events.certificates"]


def test_a_narrative_stored_with_the_winners_tables_old_name_still_prints_it(demo_programme):
    """The table source voting.winners became voting.winners_by_nomination; narratives typed
    before keep ``{table:voting.winners}`` and must print the same table, with no mistake."""
    activity = Activity.objects.get(task__programme=demo_programme, narrative_ru__contains=(
        "{table:voting.winners_by_nomination}"))
    current = narrative.render(activity, demo_programme)
    activity.narrative_ru = activity.narrative_ru.replace(
        "{table:voting.winners_by_nomination}", "{table:voting.winners}")

    stored = narrative.render(activity, demo_programme)

    tables = [block for block in stored.blocks if block[0] == "table"]
    assert [block[3] for block in tables] == ["voting.winners_by_nomination", "events.contracts"]
    assert stored.blocks == current.blocks and stored.unknown == []
    assert narrative.mistakes(activity.narrative_ru) == []


def test_a_figure_from_a_source_not_marked_illustrative_has_no_label(demo_programme):
    IllustrativeFigure.objects.filter(programme=demo_programme).delete()

    markup = html(demo_programme, "en")

    assert labelled_figures(markup, "en") == []
    assert '<span class="figure">' in markup


def test_the_demo_seeds_the_originals_outcomes_and_lesson_in_three_languages(demo_programme):
    grant = Grant.objects.get(programme=demo_programme)

    assert all(phrase in grant.outcomes_ru for phrase in ORIGINAL_OUTCOMES)
    assert ORIGINAL_LESSON in grant.lessons_ru
    assert all([grant.outcomes_kk, grant.outcomes_en, grant.lessons_kk, grant.lessons_en])
    assert grant.outcomes_ru.count("\n\n") == grant.outcomes_kk.count("\n\n") == (
        grant.outcomes_en.count("\n\n"))
    facts = report_seed.facts()["grant"]
    assert facts["outcomes_lines"] == [83, 375, 449, 451] and facts["lessons_lines"] == [373]


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_outcomes_and_the_lesson_print_in_the_reports_language(demo_programme, language):
    grant = Grant.objects.get(programme=demo_programme)

    markup = html(demo_programme, language)

    section = markup[markup.index('id="outcomes"'):markup.index('id="checks"')]
    for text in (getattr(grant, f"outcomes_{language}"), getattr(grant, f"lessons_{language}")):
        for paragraph in text.split("\n\n"):
            assert f"<p>{escape(paragraph)}</p>" in section
    assert 'lang="ru"' not in section


def test_a_section_with_nothing_recorded_says_so(demo_programme):
    Grant.objects.filter(programme=demo_programme).update(
        outcomes_ru="", outcomes_kk="", outcomes_en="", lessons_ru="", lessons_kk="",
        lessons_en="")
    BudgetLine.objects.filter(programme=demo_programme).delete()

    markup = html(demo_programme, "ru")

    assert 'href="#outcomes"' in markup and 'href="#budget"' in markup  # in the contents
    for sentence in ("Результаты не записаны.", "Извлечённые уроки не записаны.",
                     "Статьи бюджета не записаны."):
        assert f'<p class="empty">{sentence}</p>' in markup
