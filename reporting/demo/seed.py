"""The report part of ``seed_demo``: the 2019 grant report's framework as the original lays it
out, so that the report the portal generates reproduces it with figures from the data.

The grant (grantee, donor, topic, 18,950,000 ₸, the outcomes and the lesson the original
states in its own words), tasks 1-3 with their five activities (the
original labels the third task "Задача 2" a second time; it is numbered 3 here), a narrative
per activity with placeholders for its figures, the appendices №1-№5 with the exporters that
hold their data, the 41 indicators the original names, in its order, and the 36 places where
it contradicts itself.

Facts come from ``reporting-2019.json`` beside this file (the project's own copy, with the
original's line numbers); their Kazakh and English text from
``reporting-2019.translations.json``, laid over them item by item (see ``_translated``).
The original gives achieved figures but no targets: each claimed figure is taken as the
target and marked reconstructed, so that where the data falls short of the claim the report
says "not achieved". Nothing here counts: every actual value comes
from the registered indicator source the indicator names.

Idempotent: skipped while the programme has report tasks. ``reset`` removes it all.
"""

import copy
import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction

from ozgeris.models import Programme

from .. import models

DATA_FILE = Path(__file__).with_name("reporting-2019.json")
# The budget (what the original states, the rest marked illustrative) and the figures the
# demo invents where the original gives none, each printed as illustrative.
BUDGET_FILE = Path(__file__).with_name("reporting-2019.budget.json")
ILLUSTRATIVE_FILE = Path(__file__).with_name("reporting-2019.illustrative.json")
NOTES = ("note_ru", "note_kk", "note_en")
TRANSLATIONS_FILE = Path(__file__).with_name("reporting-2019.translations.json")
YEAR = 2019
TITLES = ("title_ru", "title_kk", "title_en")
NARRATIVES = ("narrative_ru", "narrative_kk", "narrative_en")


@cache
def facts():
    return _translated(json.loads(DATA_FILE.read_text(encoding="utf-8")),
                       json.loads(TRANSLATIONS_FILE.read_text(encoding="utf-8")))


def _translated(data, extra):
    """``data`` with each item's ``*_kk``/``*_en`` fields from ``extra`` (the translations
    file, keyed by appendix number, "task.activity", indicator seq and contradiction id)."""
    data = copy.deepcopy(data)
    data["grant"].update(extra.get("grant", {}))
    for item in data["appendices"]:
        item.update(extra.get("appendices", {}).get(str(item["number"]), {}))
    for task in data["tasks"]:
        for activity in task["activities"]:
            activity.update(extra.get("activities", {}).get(
                f"{task['number']}.{activity['number']}", {}))
            for item in activity["indicators"]:
                item.update(extra.get("indicators", {}).get(str(item["seq"]), {}))
    for item in data["contradictions"]:
        item.update(extra.get("contradictions", {}).get(str(item["id"]), {}))
    return data


def _languages(item, *fields):
    """The Kazakh and English siblings of ``fields`` in ``item`` (empty where not given)."""
    return {f"{field}_{language}": item.get(f"{field}_{language}", "")
            for field in fields for language in ("kk", "en")}


def _titles(item):
    return {field: item[field] for field in TITLES}


def seed(*, log=print):
    """Record the grant and the report's framework for 2019, unless its tasks exist."""
    data = facts()
    programme = Programme.objects.get(year=YEAR)
    if models.Task.objects.filter(programme=programme).exists():
        log(f"report {YEAR}: framework already recorded")
        return
    with transaction.atomic():
        _grant(programme, data["grant"])
        appendices = {appendix.number: appendix for appendix in models.Appendix.objects.bulk_create(
            models.Appendix(programme=programme, number=item["number"], **_titles(item),
                            exporters=item["exporters"], held_elsewhere=item["held_elsewhere"],
                            **_languages(item, "held_elsewhere"))
            for item in data["appendices"])}
        tasks = models.Task.objects.bulk_create(
            models.Task(programme=programme, number=item["number"], **_titles(item))
            for item in data["tasks"])
        activities = models.Activity.objects.bulk_create(
            models.Activity(task=task, number=item["number"], **_titles(item),
                            **{field: item[field] for field in NARRATIVES})
            for task, task_item in zip(tasks, data["tasks"], strict=True)
            for item in task_item["activities"])
        activity_items = [item for task_item in data["tasks"]
                          for item in task_item["activities"]]
        indicators = models.Indicator.objects.bulk_create(
            _indicator(activity, order, item, appendices)
            for activity, activity_item in zip(activities, activity_items, strict=True)
            for order, item in enumerate(activity_item["indicators"], start=1))
        contradictions = models.Contradiction.objects.bulk_create(
            models.Contradiction(programme=programme, order=item["id"], what=item["what"],
                                 figures=item["figures"], lines=item["lines"],
                                 source=item["source"], note=item["note"],
                                 **_languages(item, "what", "note"))
            for item in data["contradictions"])
        lines = _budget(programme, data["grant"]["amount"])
        models.IllustrativeFigure.objects.bulk_create(
            models.IllustrativeFigure(programme=programme, source=item["source"],
                                      **{field: item[field] for field in NOTES})
            for item in json.loads(ILLUSTRATIVE_FILE.read_text(encoding="utf-8"))["figures"])
    log(f"report {YEAR}: {len(tasks)} tasks, {len(activities)} activities, "
        f"{len(indicators)} indicators, {len(appendices)} appendices, "
        f"{len(contradictions)} contradictions of the original, {len(lines)} budget lines")


def _grant(programme, item):
    models.Grant.objects.get_or_create(programme=programme, defaults={
        "grantee": item["grantee"], "donor": item["donor"], "topic": item["topic"],
        **_languages(item, "grantee", "donor", "topic", "outcomes", "lessons"),
        # The original has no such section but states outcomes and a lesson in its own words
        # (the lines in ``outcomes_lines``/``lessons_lines`` of the JSON).
        "outcomes_ru": item["outcomes"], "lessons_ru": item["lessons"],
        "amount": item["amount"], "agreement_number": item["agreement_number"],
        "period_start": date.fromisoformat(item["period_start"]),
        "period_end": date.fromisoformat(item["period_end"])})


def _budget(programme, grant_amount):
    """The budget lines: the prizes as the original states them, spent as the contracts
    record; the rest of the grant as one line whose execution is illustrative."""
    items = json.loads(BUDGET_FILE.read_text(encoding="utf-8"))["lines"]
    stated = sum(item["planned"] for item in items if isinstance(item["planned"], int))
    lines = []
    for item in items:
        planned = item["planned"] if isinstance(item["planned"], int) else grant_amount - stated
        lines.append(models.BudgetLine(
            programme=programme, number=item["number"], planned=planned,
            spent=planned if item.get("spent") == "as planned" else item.get("spent"),
            spent_source=item.get("spent_source", ""), illustrative=item["illustrative"],
            **_titles(item), **{field: item[field] for field in NOTES}))
    for line in lines:
        line.full_clean(exclude=["programme"])
    return models.BudgetLine.objects.bulk_create(lines)


def _indicator(activity, order, item, appendices):
    target = item["target"]
    unit = facts()["units"].get(item["unit"], {})
    return models.Indicator(
        activity=activity, order=order, **_titles(item), unit_ru=item["unit"],
        unit_kk=unit.get("kk", ""), unit_en=unit.get("en", ""), kind=item["kind"],
        target=None if target is None else Decimal(str(target)),
        target_note=item["target_note"], direction=item["direction"], source=item["source"],
        manual_value=(None if item.get("manual_value") is None
                      else Decimal(str(item["manual_value"]))),
        manual_reason=item.get("manual_reason", ""),
        appendix=appendices[item["appendix"]], original_line=item["line"])


def reset(*, log=print):
    """Remove what ``seed`` made: the grant, the tasks with their activities and indicators,
    the appendices, the contradictions, the budget, the illustrative marks; and the report
    versions issued from them."""
    programme = Programme.objects.filter(year=YEAR).first()
    if programme is None:
        log(f"report {YEAR}: nothing to remove")
        return
    with transaction.atomic():
        # Issued versions point at the indicators by id and protect the programme.
        models.ReportVersion.objects.filter(programme=programme).delete()
        indicators, _ = models.Indicator.objects.filter(
            activity__task__programme=programme).delete()
        for model in (models.Task, models.Appendix, models.Contradiction, models.BudgetLine,
                      models.IllustrativeFigure, models.Grant):
            model.objects.filter(programme=programme).delete()
    log(f"report {YEAR}: removed the framework ({indicators} indicators and their tasks)")
