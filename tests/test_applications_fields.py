"""The application's questions are declared once (``applications.fields``): the form, the
checklist, the submitted version, the PDF copy and the XLSX export all follow the declaration.

A question added to the declaration (here the model's ``public_text_ru``, which the form does
not ask) must show up in each of them without another list to edit.
"""

import io
import re
from dataclasses import replace

import pytest
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from openpyxl import load_workbook

from applications import fields as application_fields
from applications import services
from applications.forms import ApplicationForm
from applications.models import Application, Status
from ozgeris import registries

from .factories import (
    COMPLETE_FIELDS,
    complete_application,
    started_application,
)

NEW_ANSWER = "Біз ауыл жастарына кәсіп үйретеміз."


@pytest.fixture
def new_question(monkeypatch):
    """The declaration with one more required, exported question in a section of its own."""
    question = application_fields.Field("public_text_ru", required=True, exported=True)
    section = application_fields.Section("Extra", (question,))
    monkeypatch.setattr(application_fields, "SECTIONS", (*application_fields.SECTIONS, section))
    return question


@pytest.fixture
def member(make_user):
    return make_user(email="ngo@example.kz")


@pytest.fixture
def application(open_programme, member):
    application = started_application(open_programme, member)
    return complete_application(application, member)


def _checklist_labels(application):
    return [str(label) for label, _done in services.checklist(application)]


# The form ------------------------------------------------------------------

def test_the_form_asks_the_declared_questions_in_their_order():
    form = ApplicationForm()

    assert list(form.fields) == application_fields.names()
    assert [[field.name for field in bound] for _section, bound in form.sections()] == [
        [field.name for field in section.fields] for section in application_fields.SECTIONS]


def test_every_declared_text_question_counts_its_characters():
    form = ApplicationForm()
    text = [name for name in application_fields.names()
            if isinstance(Application._meta.get_field(name), models.TextField)]

    assert text
    assert all("data-counter" in form.fields[name].widget.attrs for name in text)


@pytest.mark.django_db
def test_the_income_share_follows_the_section_the_declaration_names(
    client, member, application, monkeypatch
):
    first, *others = application_fields.SECTIONS
    monkeypatch.setattr(application_fields, "SECTIONS", (
        replace(first, shows_income_share=True),
        *(replace(section, shows_income_share=False) for section in others)))
    client.force_login(member)

    page = client.get(reverse("applications:edit", args=[application.pk])).content.decode()

    fieldsets = re.findall(r"<fieldset.*?</fieldset>", page, flags=re.S)
    assert 'id="share-box"' in fieldsets[0]
    assert all('id="share-box"' not in fieldset for fieldset in fieldsets[1:])


# The checklist and the submitted version -----------------------------------

@pytest.mark.django_db
def test_the_checklist_asks_for_the_declared_required_questions(application):
    required = [str(Application._meta.get_field(name).verbose_name)
                for name in application_fields.required_names()]

    assert _checklist_labels(application)[:len(required)] == required
    assert services.missing_items(application) == []


@pytest.mark.django_db
def test_a_new_required_question_holds_back_the_submission(application, member, new_question):
    label = str(Application._meta.get_field(new_question.name).verbose_name)

    assert label in _checklist_labels(application)
    assert services.missing_items(application) == [label]
    with pytest.raises(services.ApplicationError):
        services.submit_application(application=application, by=member)


@pytest.mark.django_db
def test_a_new_question_is_kept_in_the_submitted_version(application, member, new_question):
    application.public_text_ru = NEW_ANSWER
    services.save_draft(application=application, fields=[new_question.name], by=member)

    services.submit_application(application=application, by=member)

    snapshot = application.versions.get().snapshot
    assert application.status == Status.SUBMITTED
    assert snapshot[new_question.name] == NEW_ANSWER
    assert {name: snapshot[name] for name in COMPLETE_FIELDS} == COMPLETE_FIELDS


# The PDF copy --------------------------------------------------------------

@pytest.mark.django_db
def test_the_pdf_copy_shows_every_declared_answer_and_money_as_tenge(application, member):
    services.submit_application(application=application, by=member)
    version = application.versions.get()

    with translation.override("en"):
        html = render_to_string("applications/pdf/application.html", {
            "application": application, "version": version, "data": version.snapshot,
            "form": ApplicationForm(instance=application)})
        labels = {field: str(capfirst(Application._meta.get_field(field.name).verbose_name))
                  for field in application_fields.all_fields()}

    answers = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html, flags=re.S))
    assert len(labels) == len(application_fields.names())
    for field, label in labels.items():
        value, shown = version.snapshot[field.name], answers[label]
        if field.money:
            assert "₸" in shown and shown != str(value), field.name
        elif value not in (None, "", True, False):
            assert shown == str(value), field.name
    assert "Share of income from entrepreneurial activity" in answers


# The XLSX export -----------------------------------------------------------

def _export(programme):
    _name, _type, content = registries.exporters.get("applications").render(
        programme, {}, registries.no_progress)
    header, *rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    return list(header), rows


@pytest.mark.django_db
def test_a_new_exported_question_has_its_column(application, member, new_question):
    application.public_text_ru = NEW_ANSWER
    services.save_draft(application=application, fields=[new_question.name], by=member)
    services.submit_application(application=application, by=member)

    with translation.override("en"):
        header, rows = _export(application.programme)

    assert header.index("Public text (Russian)") == header.index("Entrepreneurial income, ₸") + 1
    (row,) = rows
    assert row[header.index("Public text (Russian)")] == NEW_ANSWER
    assert row[header.index("Share of entrepreneurial income, %")] == 30
