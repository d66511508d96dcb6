"""The grant's budget: planned against spent per line (typed, or read from a registered
source such as the prizes the winners' contracts record as paid), frozen in an issued
version, kept in the admin (logged) or imported from XLSX or CSV (type by content, formulas
refused, every bad row with its line and reasons in the user's language); the 2019 demo's
budget as the original states it, with what it invents marked illustrative."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from events.models import Contract
from ozgeris.models import AuditEvent
from ozgeris.registries import indicator_sources, register_indicator, table_sources
from reporting import budget
from reporting.demo import seed as reporting_seed
from reporting.models import BudgetLine, Grant, IllustrativeFigure
from reporting.services import issue

pytestmark = pytest.mark.django_db

SPENT = {"test.spent": 1_200_000}


@pytest.fixture
def spent_source():
    register_indicator("test.spent", lambda programme: SPENT["test.spent"])
    yield SPENT
    SPENT["test.spent"] = 1_200_000
    indicator_sources.unregister("test.spent")


@pytest.fixture
def lines(open_programme, spent_source):
    programme = open_programme
    Grant.objects.create(programme=programme, grantee="Фонд", donor="Донор", topic="Тема",
                         amount=3_000_000, period_start="2031-08-01", period_end="2031-12-31")
    BudgetLine.objects.create(programme=programme, number=1, title_ru="Призы",
                              title_en="Prizes", planned=1_500_000, spent_source="test.spent")
    BudgetLine.objects.create(programme=programme, number=2, title_ru="Встречи",
                              planned=1_000_000, spent=900_000, illustrative=True,
                              note_ru="условно")
    return programme


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------


def test_planned_against_spent_per_line_with_the_spent_read_from_its_source(lines):
    figures = budget.budget_of(lines)

    assert [(line.number, line.planned, line.spent, line.balance) for line in figures.lines] \
        == [(1, 1_500_000, 1_200_000, 300_000), (2, 1_000_000, 900_000, 100_000)]
    assert (figures.grant_amount, figures.planned_total, figures.spent_total,
            figures.balance) == (3_000_000, 2_500_000, 2_100_000, 900_000)
    assert [line.illustrative for line in figures.lines] == [False, True]
    with translation.override("en"):
        assert [line.title for line in figures.lines] == ["Prizes", "Встречи"]


def test_an_issued_version_keeps_its_budget_when_the_data_moves(lines, staff):
    version = issue(programme=lines, by=staff)
    SPENT["test.spent"] = 1_500_000
    BudgetLine.objects.filter(programme=lines, number=2).update(spent=1_000_000)

    frozen = budget.budget_of(lines, version=version)
    now = budget.budget_of(lines)

    assert [line.spent for line in frozen.lines] == [1_200_000, 900_000]
    assert [line.spent for line in now.lines] == [1_500_000, 1_000_000]
    assert frozen.lines[1].note_ru == "условно" and frozen.lines[1].illustrative


def test_a_line_has_its_spent_typed_or_sourced_never_both_nor_neither(lines):
    for fields in ({"spent": 5, "spent_source": "test.spent"}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            BudgetLine.objects.create(programme=lines, number=9, title_ru="x", planned=1,
                                      **fields)


def test_the_prizes_line_of_the_demo_is_what_the_contracts_record_as_paid(demo_programme):
    paid = Contract.objects.filter(programme=demo_programme, payment=Contract.Payment.PAID
                                   ).aggregate(n=Sum("amount"))["n"]
    figures = budget.budget_of(demo_programme)
    prizes = next(line for line in figures.lines if line.spent_source == budget.PRIZES_SOURCE)

    assert paid and prizes.spent == paid == figures.prizes_paid
    assert not prizes.illustrative
    assert prizes.planned == Contract.objects.filter(programme=demo_programme).aggregate(
        n=Sum("amount"))["n"]


def test_the_demo_budget_adds_up_to_the_grant_and_marks_what_it_invents(demo_programme):
    figures = budget.budget_of(demo_programme)
    grant = Grant.objects.get(programme=demo_programme)

    assert figures.planned_total == grant.amount == reporting_seed.facts()["grant"]["amount"]
    invented = [line for line in figures.lines if not line.spent_source]
    assert invented and all(line.illustrative and line.note_ru and line.note_kk
                            and line.note_en for line in invented)


def test_every_illustrative_mark_of_the_demo_names_a_registered_source(demo_programme):
    marks = IllustrativeFigure.objects.filter(programme=demo_programme)
    known = set(indicator_sources.names()) | set(table_sources.names())

    assert marks.count() >= 7
    assert {mark.source for mark in marks} <= known
    assert all(mark.note_ru and mark.note_kk and mark.note_en for mark in marks)


# --- import ----------------------------------------------------------------------------

GOOD_CSV = ("№;Статья;План, ₸;Факт, ₸;Примечание\n"
            "1;Призы;7 500 000;7500000;по договорам\n"
            "2;Встречи;1000000;0;\n").encode()


def test_a_csv_budget_is_read_with_its_header_in_russian_and_amounts_with_spaces():
    preview = budget.read_budget(upload("budget.csv", GOOD_CSV))

    assert preview.errors == []
    assert [(row["line"], row["number"], row["title_ru"], row["planned"], row["spent"])
            for row in preview.rows] == [(2, 1, "Призы", 7_500_000, 7_500_000),
                                         (3, 2, "Встречи", 1_000_000, 0)]


def test_every_bad_row_is_listed_with_its_line_and_reasons_in_the_users_language():
    content = (b"number,title,planned,spent,source\n"
               b"1,Prizes,12.5,,\n"
               b"1,Again,100,5,test.nowhere\n"
               b"x,,-3,,\n"
               b"4,Fine,100,,events.prizes_paid\n")
    with translation.override("ru"):
        preview = budget.read_budget(upload("budget.csv", content))

    assert [row["number"] for row in preview.rows] == [4]
    errors = dict(preview.errors)
    assert sorted(errors) == [2, 3, 4]
    assert "целых тенге" in " ".join(errors[2])
    assert "test.nowhere" in " ".join(errors[3])
    assert len(errors[4]) >= 3  # the number, the title, the planned amount


def test_a_formula_in_an_xlsx_budget_is_refused_not_computed():
    content = xlsx([["number", "title", "planned", "spent"],
                    [1, "Prizes", "=1000*1000", 0],
                    [2, "=HYPERLINK(\"http://evil\")", 100, 0]])

    preview = budget.read_budget(upload("budget.xlsx", content))

    assert [line for line, _reasons in preview.errors] == [2, 3]
    assert preview.rows == []


def test_the_type_is_decided_by_content_not_by_name():
    assert budget.read_budget(upload("budget.xlsx", GOOD_CSV)).rows  # CSV text, misnamed
    with pytest.raises(budget.UnreadableFile):
        budget.read_budget(upload("budget.csv", b"%PDF-1.7\n1 0 obj\n"))
    with pytest.raises(budget.UnreadableFile):
        budget.read_budget(upload("budget.csv", b"a;b\n1;2\n"))  # no budget columns


def test_importing_updates_lines_by_number_adds_the_others_and_is_logged(lines, staff):
    preview = budget.read_budget(upload("budget.csv", GOOD_CSV))

    count = budget.import_budget(programme=lines, rows=preview.rows, by=staff)

    assert count == 2
    first = BudgetLine.objects.get(programme=lines, number=1)
    assert (first.title_ru, first.title_en, first.planned, first.spent, first.spent_source) \
        == ("Призы", "Prizes", 7_500_000, 7_500_000, "")
    assert BudgetLine.objects.filter(programme=lines).count() == 2
    assert AuditEvent.objects.filter(action="report.budget_imported").count() == 1


# --- admin -----------------------------------------------------------------------------


def test_staff_import_through_the_admin_preview_then_confirm(client, lines, staff):
    client.force_login(staff)
    url = reverse("admin:reporting_budgetline_import")

    page = client.post(url, {"programme": lines.pk,
                             "file": upload("budget.csv", GOOD_CSV)})
    assert page.status_code == 200 and page.context["preview"].rows
    assert BudgetLine.objects.get(programme=lines, number=1).planned == 1_500_000
    done = client.post(url, {"payload": page.context["payload"]})

    assert done.status_code == 302
    assert BudgetLine.objects.get(programme=lines, number=1).planned == 7_500_000


def test_a_confirmation_for_a_programme_deleted_meanwhile_asks_for_the_file_again(
        client, lines, staff):
    from django.core import signing

    from reporting.admin import BUDGET_IMPORT_SALT

    client.force_login(staff)
    payload = signing.dumps({"programme": 999_999, "by": staff.pk, "rows": []},
                            salt=BUDGET_IMPORT_SALT, compress=True)

    done = client.post(reverse("admin:reporting_budgetline_import"), {"payload": payload},
                       follow=True)

    assert done.status_code == 200
    assert "Срок предварительного просмотра истёк" in done.content.decode()


def test_the_preview_shows_each_row_and_leads_back_to_the_budget(client, lines, staff):
    client.force_login(staff)

    page = client.post(reverse("admin:reporting_budgetline_import"),
                       {"programme": lines.pk, "file": upload("budget.csv", GOOD_CSV)})

    html = page.content.decode()
    first = page.context["rows"][0]
    assert f"<td>{first['line']}</td><td>{first['number']}</td><td>{first['title_ru']}</td>" in html
    back = reverse("admin:reporting_budgetline_changelist")
    assert f'&rsaquo; <a href="{back}">' in html  # the breadcrumbs
    assert f'<a href="{back}" class="closelink">' in html  # Cancel


def test_a_preview_is_confirmed_only_by_the_staff_member_who_made_it(client, lines, staff,
                                                                    make_user):
    from django.contrib.auth.models import Group

    from ozgeris.permissions import STAFF_GROUP

    client.force_login(staff)
    page = client.post(reverse("admin:reporting_budgetline_import"),
                       {"programme": lines.pk, "file": upload("budget.csv", GOOD_CSV)})
    colleague = make_user(email="colleague@example.kz", is_staff=True)
    colleague.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(colleague)

    done = client.post(reverse("admin:reporting_budgetline_import"),
                       {"payload": page.context["payload"]}, follow=True)

    assert "Этот предварительный просмотр сделан другой учётной записью" in done.content.decode()
    assert BudgetLine.objects.get(programme=lines, number=1).planned == 1_500_000


def test_a_line_saved_in_the_admin_is_logged(client, lines, staff):
    client.force_login(staff)
    line = BudgetLine.objects.get(programme=lines, number=2)
    data = {"programme": lines.pk, "number": 2, "title_ru": "Встречи", "title_kk": "",
            "title_en": "", "planned": 1_000_000, "spent": 950_000, "spent_source": "",
            "note_ru": "", "note_kk": "", "note_en": ""}

    response = client.post(reverse("admin:reporting_budgetline_change", args=[line.pk]), data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="report.budget_line")
    assert (event.details["spent"], event.actor) == (950_000, staff)


def test_people_without_the_staff_role_cannot_see_or_import_the_budget(client, make_user,
                                                                       lines):
    client.force_login(make_user(email="someone@example.kz", is_staff=True))

    for url in (reverse("admin:reporting_budgetline_changelist"),
                reverse("admin:reporting_budgetline_import")):
        assert client.get(url).status_code in (302, 403)


def test_the_model_refuses_typed_and_sourced_spent_with_its_message(lines):
    line = BudgetLine(programme=lines, number=5, title_ru="x", planned=1, spent=1,
                      spent_source="test.spent")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        line.full_clean()

    assert "one of the two" in str(error.value)
