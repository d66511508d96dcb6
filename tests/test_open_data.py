"""Open data (/open/): every dataset's files parse and match their schema, nothing personal
reaches them, a file exists only once its data is public, spreadsheets cannot be made to run a
formula, and a file costs the same number of queries whatever its size."""

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application, Organisation
from events.models import CeremonyGuest, Contract, RosterEntry
from ozgeris import open_data
from ozgeris.models import User
from ozgeris.registries import open_datasets
from reporting import services as report_services
from reporting.models import Activity, Indicator, Task
from tests.factories import ApplicationFactory, OrganisationFactory, close_vote
from voting import results
from voting.models import Vote, VoterLink, VotingSettings

DATASETS = ("registry", "finalists", "vote-totals", "indicators")


def file_urls(name, year=None):
    if open_datasets.get(name).per_edition:
        return (reverse("open_data:edition_csv", args=[name, year]),
                reverse("open_data:edition_json", args=[name, year]))
    return reverse("open_data:csv", args=[name]), reverse("open_data:json", args=[name])


def fetch(client, name, year=None):
    """(CSV text, JSON document) of a dataset's files, both answered 200."""
    csv_url, json_url = file_urls(name, year)
    csv_response, json_response = client.get(csv_url), client.get(json_url)
    assert (csv_response.status_code, json_response.status_code) == (200, 200), name
    data = csv_response.content
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return data.decode("utf-8-sig"), json.loads(json_response.content)


def _matches(value, field):
    if value is None:
        return not field.required
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "datetime": lambda v: isinstance(v, str) and v.endswith("Z")
        and datetime.fromisoformat(v) is not None,
        "array": lambda v: isinstance(v, list),
    }
    return checks[field.type](value)


def _csv_cell(text, field):
    """A CSV cell read back as the schema types it (None for an empty one)."""
    if text == "":
        return None
    return {
        "integer": int, "number": lambda t: float(Decimal(t)),
        "boolean": {"true": True, "false": False}.__getitem__,
        "array": json.loads,
    }.get(field.type, lambda t: t.removeprefix("'"))(text)


def assert_matches_schema(name, csv_text, document):
    schema = open_datasets.get(name).schema
    names = [field.name for field in schema]
    assert document["schema"] == names
    assert document["licence"]["name"] == "CC-BY-4.0"
    for row in document["rows"]:
        assert list(row) == names
        for field in schema:
            assert _matches(row[field.name], field), (name, field.name, row[field.name])
    table = list(csv.reader(io.StringIO(csv_text, newline="")))
    assert table[0] == names
    assert len(table) - 1 == len(document["rows"])
    for cells, row in zip(table[1:], document["rows"], strict=True):
        for text, field in zip(cells, schema, strict=True):
            expected = row[field.name]
            if field.type == "number" and expected is not None:
                expected = float(expected)
            assert _csv_cell(text, field) == expected, (name, field.name)


def issue_report(programme, staff):
    return report_services.issue(programme=programme, by=staff)


@pytest.fixture
def demo_open(demo_programme, staff):
    """The 2019 demo with its report issued (the demo releases its vote itself)."""
    assert VotingSettings.objects.get(programme=demo_programme).results_released_at
    issue_report(demo_programme, staff)
    return demo_programme


@pytest.fixture
def released(finalists, cast, staff):
    """The 2031 vote closed with 2 + 1 + 0 votes and its results released."""
    cast(finalists[0], 2)
    cast(finalists[1])
    programme = finalists[0].programme
    close_vote(programme)
    results.release_results(programme=programme, by=staff)
    return programme


def framework(programme, indicators=1):
    task = Task.objects.create(programme=programme, number=1, title_ru="Задача")
    activity = Activity.objects.create(task=task, number=1, title_ru="Мероприятие")
    return [Indicator.objects.create(activity=activity, order=n, title_ru=f"Показатель {n}",
                                     target=Decimal("10"), manual_value=Decimal("12.5"),
                                     manual_reason="Counted by hand")
            for n in range(indicators)]


# ---------------------------------------------------------------------------
# Files and schemas
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_dataset_of_the_demo_parses_and_matches_its_schema(client, demo_open):
    assert set(DATASETS) <= set(open_datasets.names())
    for name in DATASETS:
        csv_text, document = fetch(client, name, 2019)
        assert document["rows"], name
        assert_matches_schema(name, csv_text, document)
        schema = client.get(reverse("open_data:schema", args=[name])).json()
        assert [field["name"] for field in schema["schema"]["fields"]] == document["schema"]
        assert schema["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.django_db
def test_the_page_lists_each_dataset_with_its_licence_files_and_columns(client, demo_open):
    headings = {"ru": "Открытые данные", "kk": "Ашық деректер", "en": "Open data"}
    for language, heading in headings.items():
        client.cookies["ozgeris_language"] = language
        page = client.get(reverse("open_data:index"))
        assert page.status_code == 200
        html = page.content.decode()
        assert f"<h1>{heading}</h1>" in html
        assert "https://creativecommons.org/licenses/by/4.0/" in html
        for name in DATASETS:
            for url in file_urls(name, 2019):
                assert f'href="{url}"' in html
            assert reverse("open_data:schema", args=[name]) in html
            assert "<code>organisation</code>" in html
        assert f'href="{reverse("open_data:index")}"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_no_personal_data_reaches_any_open_file(client, demo_open, make_user, finalists, cast):
    # Some votes with the receipt codes, addresses and visitor ids voters leave.
    cast(finalists[0], 2)
    VoterLink.objects.update(client_ip="203.0.113.7", visitor_id="visitor0123456789abcdef")
    texts = []
    for name in DATASETS:
        csv_text, document = fetch(client, name, 2019)
        texts += [csv_text, json.dumps(document, ensure_ascii=False)]
    everything = "\n".join(texts)

    secrets = set()
    for email, name in User.objects.values_list("email", "display_name"):
        secrets |= {email, name}
    for organisation in Organisation.objects.all():
        secrets |= {organisation.contact_person, organisation.contact_email, organisation.phone,
                    organisation.bin, organisation.address}
    secrets |= set(RosterEntry.objects.values_list("name", flat=True))
    secrets |= set(CeremonyGuest.objects.values_list("name", flat=True))
    secrets |= set(Contract.objects.values_list("signatory_name", flat=True))
    for link in VoterLink.objects.all():
        secrets |= {link.receipt_code, link.client_ip or "", link.visitor_id, link.mailbox or ""}
    for receipt, secret in Vote.objects.values_list("receipt_hash", "secret"):
        secrets |= {receipt, secret}
    secrets = {value for value in secrets if value and len(value) >= 5}
    assert len(secrets) > 20  # the demo has people in it
    assert sorted(value for value in secrets if value in everything) == []
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", everything)  # no email address
    assert not re.search(r"\+7[\s(]*\d{3}", everything)  # no Kazakh phone number
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", everything)  # no IPv4 address


@pytest.mark.django_db
def test_an_organisation_that_did_not_agree_is_never_in_the_registry(client, open_programme):
    def apply(name, consent, status="screened"):
        ApplicationFactory(programme=open_programme, organisation=OrganisationFactory(name=name),
                           status=status, registry_consent=consent)

    apply("ОО «Келісті»", True)
    apply("ОО «Келіспеді»", False)
    apply("ОО «Жоба»", True, status="draft")
    apply("ОО «Қайтарып алды»", True, status="withdrawn")
    apply("ОО «Тексерілмеген»", True, status="submitted")  # not checked by staff yet
    mine = {"ОО «Келісті»", "ОО «Келіспеді»", "ОО «Жоба»", "ОО «Қайтарып алды»",
            "ОО «Тексерілмеген»"}

    def listed():
        return [row for row in fetch(client, "registry")[1]["rows"] if row["organisation"] in mine]

    assert [(row["organisation"], row["years"]) for row in listed()] == [("ОО «Келісті»", [2031])]

    # Taking the consent back removes it at once, whatever the cache holds.
    application = Application.objects.get(organisation__name="ОО «Келісті»")
    application.registry_consent = False
    application.save()
    assert listed() == []


def test_on_the_demo_the_registry_file_holds_exactly_the_consenting_organisations(
        client, demo_programme):
    _csv, document = fetch(client, "registry")
    consenting = set(Application.objects.submitted().filter(registry_consent=True)
                     .values_list("organisation__name", flat=True))
    assert {row["organisation"] for row in document["rows"]} == consenting
    refused = set(Organisation.objects.exclude(name__in=consenting).values_list("name",
                                                                                  flat=True))
    assert not refused & {row["organisation"] for row in document["rows"]}


# ---------------------------------------------------------------------------
# Public only once the data is
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_appear_only_after_the_release_and_go_with_a_withdrawn_one(
        client, finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    cast(finalists[1])

    def listed():
        html = client.get(reverse("open_data:index")).content.decode()
        return {name for name in ("finalists", "vote-totals")
                if file_urls(name, 2031)[0] in html}

    def answers():
        return {client.get(url).status_code for name in ("finalists", "vote-totals")
                for url in file_urls(name, 2031)}

    assert (listed(), answers()) == (set(), {404})
    close_vote(programme)
    results.publish_head(programme)
    assert (listed(), answers()) == (set(), {404})  # the head is out, the totals are not

    results.release_results(programme=programme, by=staff)
    assert (listed(), answers()) == ({"finalists", "vote-totals"}, {200})
    _csv, totals = fetch(client, "vote-totals", 2031)
    head = VotingSettings.objects.get(programme=programme)
    outcome = results.results(programme, fresh=True)
    assert [(row["finalist_id"], row["votes"], row["rank_in_nomination"])
            for row in totals["rows"]] == [(finalists[0].pk, 2, 1), (finalists[1].pk, 1, 2),
                                           (finalists[2].pk, 0, 3)]
    assert [row["votes"] for row in totals["rows"]] == [row.votes for row in outcome.rows]
    assert {(row["head_sequence"], row["head_digest"]) for row in totals["rows"]} == {
        (head.head_sequence, head.head_digest)}
    assert head.head_sequence == 3 and totals["rows"][0]["nomination_votes"] == 3

    results.withdraw_release(programme=programme, by=staff, reason="A review")
    assert (listed(), answers()) == (set(), {404})


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["finalists", "vote-totals"])
def test_a_release_withdrawn_after_the_check_answers_404(client, released, staff, monkeypatch,
                                                         name):
    """The request asked ``is_public`` while the results were out; the withdrawal lands before
    the rows are read: no file and no server error, as for any file that is not public."""
    results.withdraw_release(programme=released, by=staff, reason="A review")
    monkeypatch.setattr(open_data, "is_public", lambda dataset, programme: True)

    assert {client.get(url).status_code for url in file_urls(name, 2031)} == {404}


@pytest.mark.django_db
def test_winners_declared_after_the_release_reach_the_files(client, released, finalists, staff):
    _csv, document = fetch(client, "finalists", 2031)
    assert not any(row["winner"] for row in document["rows"])
    results.declare_winners(programme=released, by=staff, winners=[finalists[0]])
    _csv, document = fetch(client, "finalists", 2031)
    assert [row["finalist_id"] for row in document["rows"] if row["winner"]] == [finalists[0].pk]


@pytest.mark.django_db
def test_indicators_appear_once_a_report_is_issued_with_its_frozen_figures(
        client, open_programme, staff):
    (indicator,) = framework(open_programme)
    assert {client.get(url).status_code for url in file_urls("indicators", 2031)} == {404}
    issue_report(open_programme, staff)
    report_services.set_manual_value(indicator=indicator, value=Decimal("3"), reason="Later",
                                     by=staff)  # after the issue: not in the file
    csv_text, document = fetch(client, "indicators", 2031)
    assert_matches_schema("indicators", csv_text, document)
    (row,) = document["rows"]
    assert (row["actual"], row["status"], row["manual"], row["report_version"]) == (
        12.5, "achieved", True, 1)
    assert "Counted by hand" not in csv_text + json.dumps(document)  # no reasons or notes


@pytest.mark.django_db
def test_unknown_datasets_editions_and_formats_are_not_found(client, released):
    released.is_published = False
    released.save(update_fields=["is_published"])
    for url in ("/open/nothing.csv", "/open/finalists.csv", "/open/registry/2031.csv",
                "/open/finalists/2031.csv", "/open/finalists/1999.json",
                "/open/nothing/schema.json", "/open/registry.xlsx"):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_current_copy_is_answered_not_modified(client, released):
    csv_url, _json_url = file_urls("finalists", 2031)
    first = client.get(csv_url)
    assert "no-cache" in first["Cache-Control"]
    again = client.get(csv_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    assert client.get(csv_url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


# ---------------------------------------------------------------------------
# Formula injection
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_formula_in_an_organisations_text_is_written_as_text(client, open_programme):
    hostile = '=HYPERLINK("http://evil.example","Click")'
    ApplicationFactory(programme=open_programme, status="screened", registry_consent=True,
                       organisation=OrganisationFactory(name=hostile, city="+7 SUM(A1)"))
    csv_text, document = fetch(client, "registry")
    (cells,) = [cells for cells in csv.reader(io.StringIO(csv_text, newline=""))
                if "evil.example" in cells[0]]
    assert cells[0] == "'" + hostile
    assert cells[9] == "'+7 SUM(A1)"
    # JSON keeps the text as it is
    assert hostile in [row["organisation"] for row in document["rows"]]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_is_neutralised(text):
    assert open_data.safe_csv_text(text) == "'" + text
    assert open_data.safe_csv_text("ОО " + text) == "ОО " + text


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def _queries(name, programme):
    dataset = open_datasets.get(name)
    with CaptureQueriesContext(connection) as queries:
        rows = list(dataset.rows(programme if dataset.per_edition else None))
    return len(queries), len(rows)


@pytest.mark.django_db
def test_each_dataset_costs_the_same_queries_at_two_sizes(released, finalists, staff):
    def grow(n):
        nomination = released.nominations.get(code="health")
        for _ in range(n):
            ApplicationFactory(programme=released, status="finalist", nomination=nomination,
                               registry_consent=True)
        framework_indicators.extend(framework(released, n) if not framework_indicators else [])
        issue_report(released, staff)

    framework_indicators = []
    Application.objects.filter(pk__in=[a.pk for a in finalists]).update(registry_consent=True)
    grow(1)
    small = {name: _queries(name, released) for name in DATASETS}
    grow(3)
    Indicator.objects.bulk_create(
        Indicator(activity=framework_indicators[0].activity, order=10 + n, title_ru=f"И {n}")
        for n in range(3))
    issue_report(released, staff)
    large = {name: _queries(name, released) for name in DATASETS}
    for name in DATASETS:
        assert large[name][1] > small[name][1], name  # the data did grow
        assert large[name][0] == small[name][0], name
