"""The 2019 grant report's framework as ``seed_demo`` records it: the 41 indicators of the
original in its order under tasks 1-3, each claimed figure as a reconstructed target, actual
values from the registered sources (155 participants against the claimed 140), the
narrative's typed 140 listed as a disagreement, the 36 contradictions of the original; a
reset and a second seed give the same framework back."""

import re
import shutil
import subprocess

import pytest
from django.utils import translation

from ozgeris.registries import exporters, indicator_sources
from reporting import narrative
from reporting.demo import seed as reporting_seed
from reporting.models import (
    Activity,
    Appendix,
    Contradiction,
    Grant,
    Indicator,
    ReportVersion,
    Task,
)
from reporting.services import ACHIEVED, NO_FIGURE, evaluate, issue

pytestmark = pytest.mark.django_db

DATA = reporting_seed.facts()
INDICATORS = [item for task in DATA["tasks"] for activity in task["activities"]
              for item in activity["indicators"]]


def counts(programme):
    return {
        "grant": Grant.objects.filter(programme=programme).count(),
        "tasks": Task.objects.filter(programme=programme).count(),
        "activities": Activity.objects.filter(task__programme=programme).count(),
        "indicators": Indicator.objects.filter(activity__task__programme=programme).count(),
        "appendices": Appendix.objects.filter(programme=programme).count(),
        "contradictions": Contradiction.objects.filter(programme=programme).count(),
    }


def rows_by_line(programme):
    return {(row.indicator.original_line, row.indicator.title_ru): row
            for row in evaluate(programme)}


def participants_row(programme):
    return rows_by_line(programme)[(22, "Количество участников")]


def test_the_json_copies_the_originals_41_indicators_and_36_contradictions():
    assert [item["seq"] for item in INDICATORS] == list(range(1, 42))
    assert [item["id"] for item in DATA["contradictions"]] == list(range(1, 37))


def test_tasks_numbered_1_to_3_with_the_originals_activities(demo_programme):
    tasks = list(Task.objects.filter(programme=demo_programme))

    assert [task.number for task in tasks] == [1, 2, 3]
    assert [task.activities.count() for task in tasks] == [2, 2, 1]
    # The original labels the third task "Задача 2" a second time.
    assert tasks[2].title_ru == "Стимулирование обмена опытом и кейсов СП среди НПО"
    assert all(task.title_kk and task.title_en for task in tasks)


def test_41_indicators_in_the_originals_order(demo_programme):
    rows = evaluate(demo_programme)

    assert len(rows) == 41
    lines = [row.indicator.original_line for row in rows]
    assert lines == [item["line"] for item in INDICATORS]
    assert lines == sorted(lines)
    assert [row.indicator.title_ru for row in rows] == [item["title_ru"] for item in INDICATORS]
    assert [(row.indicator.activity.task.number, row.indicator.activity.number)
            for row in rows][::10] == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]
    assert all(row.indicator.title_kk and row.indicator.title_en for row in rows)


def test_each_claimed_figure_is_the_target_marked_reconstructed(demo_programme):
    by_line = rows_by_line(demo_programme)
    claimed = [item for item in INDICATORS if item["target"] is not None]

    assert len(claimed) == 30
    for item in claimed:
        indicator = by_line[(item["line"], item["title_ru"])].indicator
        assert indicator.target == item["target"], item["title_ru"]
        assert "Реконструировано" in indicator.target_note
        assert f"строка {item['value_line']}" in indicator.target_note
    unknown = by_line[(20, "Количество объявлений")].indicator
    assert unknown.target is None and "нет цифры" in unknown.target_note


def test_the_participants_are_155_against_the_claimed_140(demo_programme):
    row = participants_row(demo_programme)

    assert row.indicator.source == "events.participants"
    assert row.indicator.target == 140
    assert row.actual == 155
    assert row.status == ACHIEVED
    assert row.indicator.appendix.number == 1


def test_where_the_original_gives_no_figure_the_row_says_so(demo_programme):
    rows = rows_by_line(demo_programme)

    announcements = rows[(20, "Количество объявлений")]
    assert (announcements.indicator.target, announcements.status) == (None, NO_FIGURE)
    with translation.override("ru"):
        assert str(announcements.status_label) == "в оригинале нет цифры"
    # Every other indicator has its figure, and on the demo each reaches the original's.
    others = [row for row in rows.values() if row is not announcements]
    assert len(others) == 40
    assert {row.status for row in others} == {ACHIEVED}
    assert all(row.actual is not None for row in others)


def test_every_indicator_has_a_source_or_a_manual_value_with_its_reason(demo_programme):
    indicators = Indicator.objects.filter(activity__task__programme=demo_programme)

    without = [indicator.title_ru for indicator in indicators
               if not indicator.source and indicator.manual_value is None]
    assert without == ["Количество объявлений"]  # the original gives no figure
    manual = [indicator for indicator in indicators if indicator.manual_value is not None]
    assert [(indicator.original_line, indicator.manual_value) for indicator in manual] == [
        (413, 72)]
    assert all(indicator.manual_reason for indicator in manual)


def test_every_source_the_framework_names_is_registered(demo_programme):
    names = {indicator.source for indicator in Indicator.objects.filter(
        activity__task__programme=demo_programme)} | set(
        Contradiction.objects.filter(programme=demo_programme).values_list("source",
                                                                           flat=True))
    names.discard("")

    assert names
    assert names <= set(indicator_sources.names())
    placeholders = 0
    for activity in Activity.objects.filter(task__programme=demo_programme):
        for language in ("ru", "kk", "en"):
            text = getattr(activity, f"narrative_{language}")
            assert narrative.mistakes(text) == [], (activity, language)
            placeholders += len(narrative.BRACED.findall(text))
    assert placeholders > 20


def test_the_narrative_lists_the_typed_140_against_the_data(demo_programme):
    activity = Activity.objects.get(task__programme=demo_programme, task__number=1, number=1)

    text = narrative.render(activity, demo_programme)

    assert not text.unknown
    found = {(item.typed, item.source): item.actual for item in text.disagreements}
    assert found[("140", "events.participants")] == 155
    assert found[("5", "events.meeting_regions")] == 7
    assert ("7", "events.info_meetings") not in found  # where the data agrees, nothing listed
    assert any(block[0] == "table" and len(block[2]) == 7 for block in text.blocks)
    html = "".join(str(block[1]) for block in text.blocks if block[0] == "text")
    assert "155" in html and ">140<" not in html


def test_every_contradiction_of_the_original_is_recorded(demo_programme):
    recorded = list(Contradiction.objects.filter(programme=demo_programme))

    assert len(recorded) == 36
    assert [item.order for item in recorded] == list(range(1, 37))
    assert [item.lines for item in recorded] == [item["lines"]
                                                 for item in DATA["contradictions"]]
    by_order = {item.order: item for item in recorded}
    assert by_order[1].source == "events.participants"
    assert by_order[2].source == "events.meeting_regions"
    assert by_order[10].source == "jury.members"
    assert by_order[18].source == "events.followers"
    assert "140" in by_order[1].figures[0]


def test_the_grant_on_the_cover(demo_programme):
    grant = Grant.objects.get(programme=demo_programme)

    assert grant.amount == 18_950_000
    assert grant.grantee == "Корпоративный Фонд «Act for Impact»"
    assert grant.period_start < grant.period_end


def test_appendices_name_xlsx_exporters_and_never_the_votes(demo_programme):
    appendices = list(Appendix.objects.filter(programme=demo_programme))

    assert [appendix.number for appendix in appendices] == [1, 2, 3, 4, 5]
    named = {name for appendix in appendices for name in appendix.exporters}
    assert "votes" not in named
    for name in named:
        assert "xlsx" in exporters.get(name).formats, name
    assert all(appendix.held_elsewhere for appendix in appendices)
    assert all(indicator.appendix_id for indicator in Indicator.objects.filter(
        activity__task__programme=demo_programme))


def test_reset_and_seed_give_the_same_framework_back(demo_programme, make_user):
    before = counts(demo_programme)
    assert before == {"grant": 1, "tasks": 3, "activities": 5, "indicators": 41,
                      "appendices": 5, "contradictions": 36}
    # An issued version points at the indicators and protects the programme: reset removes it.
    issue(programme=demo_programme, by=make_user(email="staff@example.kz", is_staff=True))

    reporting_seed.reset(log=lambda message: None)
    assert set(counts(demo_programme).values()) == {0}
    assert not ReportVersion.objects.filter(programme=demo_programme).exists()

    reporting_seed.seed(log=lambda message: None)
    assert counts(demo_programme) == before
    assert participants_row(demo_programme).actual == 155

    reporting_seed.seed(log=lambda message: None)  # a second run changes nothing
    assert counts(demo_programme) == before


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
@pytest.mark.django_db
def test_the_2019_pdf_prints_each_indicators_figure_as_its_source_computes_it(
        demo_programme, tmp_path):
    with translation.override("ru"):
        _name, _type, content = exporters.get("report").render(demo_programme, {},
                                                               lambda *args: None)
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    # Thousands separators and the layout's spacing set aside, row by row.
    rows = {re.sub(r"[\s\u00a0\u202f]", "", line) for line in text.splitlines()}
    numbers = [row for row in evaluate(demo_programme)
               if isinstance(row.actual, int) and not isinstance(row.actual, bool)]

    assert len(numbers) >= 20
    for row in numbers:
        figure = str(row.actual)
        assert any(figure in line for line in rows), (row.indicator.title, figure)
    assert not any(re.fullmatch(r"1/\d+", row) for row in rows)  # the cover has no number
    assert any(re.fullmatch(r"2/\d+", row) for row in rows)


@pytest.mark.django_db
def test_units_follow_the_reports_language(demo_programme):
    participants = Indicator.objects.get(activity__task__programme=demo_programme,
                                         source="events.participants", kind="number")
    labels = {}
    for language in ("ru", "kk", "en"):
        with translation.override(language):
            labels[language] = participants.unit_label
    assert labels == {"ru": "человек", "kk": "адам", "en": "people"}
