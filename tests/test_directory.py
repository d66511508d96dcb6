"""The public registry of social enterprises: who is listed, the filters, the charts, the page."""

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.directory import (
    PER_PAGE,
    counts_by_legal_form,
    counts_by_nomination,
    counts_by_region,
    nomination_choices,
    registry_organisations,
)
from applications.models import Application, LegalForm, Organisation, Status
from applications.validators import bin_checksum_ok
from ozgeris.charts import bar_chart
from ozgeris.collation import collation_key
from ozgeris.models import Nomination, Region

_serials = itertools.count(1)


def valid_bin():
    """A fresh 12-digit BIN whose 12th digit is the right checksum."""
    while True:
        digits = [int(ch) for ch in f"{990000000000 // 10 + next(_serials):011d}"]
        control = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
        if control == 10:
            weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
            control = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
            if control == 10:
                continue
        return "".join(map(str, digits)) + str(control)


def make_organisation(name, *, region="almaty", legal_form=LegalForm.OO, city="Алматы",
                      website=""):
    return Organisation.objects.create(
        name=name, legal_form=legal_form, bin=valid_bin(), region=Region.objects.get(code=region),
        city=city, website=website, contact_person="Айгерим", contact_email="ngo@example.kz",
        phone="+7 700 000 00 00", year_founded=2010,
    )


def apply(organisation, programme, nomination="education", *, status=Status.SCREENED,
          consent=True):
    return Application.objects.create(
        programme=programme, organisation=organisation,
        nomination=programme.nominations.get(code=nomination), status=status,
        registry_consent=consent,
    )


def listed(programme, name, nomination="education", **fields):
    organisation = make_organisation(name, **fields)
    apply(organisation, programme, nomination)
    return organisation


def names_on(response):
    return [row["organisation"].name for row in response.context["rows"]]


@pytest.fixture
def registry(demo_programme):
    """The 2019 programme with nothing in the registry yet (whatever the demo data holds)."""
    Application.objects.update(registry_consent=False)
    return demo_programme


@pytest.fixture
def url():
    return reverse("registry:list")


def test_the_helper_makes_valid_bins():
    numbers = [valid_bin() for _ in range(30)]
    assert all(bin_checksum_ok(number) for number in numbers)
    assert len(set(numbers)) == 30


def test_the_registry_lives_at_registry():
    assert reverse("registry:list") == "/registry/"


# ---------------------------------------------------------------------------
# Who is listed
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_organisations_with_a_consenting_checked_application_are_listed(
    client, registry, url
):
    """Listed once staff checked the documents: an application just submitted, or whose
    documents were rejected, has taken no part in the award yet."""
    listed(registry, "Screened with consent")
    apply(make_organisation("Submitted with consent"), registry, status=Status.SUBMITTED)
    apply(make_organisation("Documents rejected"), registry, status=Status.DOCUMENTS_REJECTED)
    apply(make_organisation("Documents requested"), registry,
          status=Status.DOCUMENTS_REQUESTED)
    finalist = make_organisation("Finalist with consent")
    apply(finalist, registry, status=Status.FINALIST)
    failed = make_organisation("Failed 80/20 with consent")
    apply(failed, registry, status=Status.FAILED_80_20)
    apply(make_organisation("Draft with consent"), registry, status=Status.DRAFT)
    apply(make_organisation("Withdrawn with consent"), registry, status=Status.WITHDRAWN)
    apply(make_organisation("Eligible without consent"), registry, status=Status.ELIGIBLE,
          consent=False)
    mixed = make_organisation("Consent only on a draft")
    apply(mixed, registry, "education", status=Status.DRAFT)
    apply(mixed, registry, "health", status=Status.SCREENED, consent=False)
    make_organisation("Never applied")

    response = client.get(url)

    assert response.status_code == 200
    assert names_on(response) == [
        "Failed 80/20 with consent", "Finalist with consent", "Screened with consent",
    ]
    assert response.context["total"] == 3


@pytest.mark.django_db
def test_a_listed_organisation_shows_its_details_and_only_its_listed_nominations(
    client, registry, url
):
    organisation = make_organisation("Шанс", region="jambyl", legal_form=LegalForm.OF,
                                     city="Тараз", website="https://www.shans.kz/")
    apply(organisation, registry, "education")
    apply(organisation, registry, "ecology", status=Status.WINNER)
    apply(organisation, registry, "health", consent=False)
    apply(organisation, registry, "culture", status=Status.WITHDRAWN)

    response = client.get(url, HTTP_COOKIE="ozgeris_language=en")
    page = response.content.decode()

    [row] = response.context["rows"]
    assert row["nominations"] == ["Education", "Ecology"]
    assert row["years"] == [2019]
    card = page.split('class="card registry-card"')[1]
    assert "Шанс" in card
    assert "Public foundation (ОФ)" in card
    assert "Jambyl Region" in card
    assert "Тараз" in card
    assert ('<a href="https://www.shans.kz/" rel="nofollow noopener" target="_blank">shans.kz'
            in card)
    assert "Healthcare" not in card.split("</dl>")[0]
    assert "2019" in card


@pytest.mark.django_db
def test_a_website_that_is_not_http_is_shown_as_text_not_as_a_link(client, registry, url):
    organisation = listed(registry, "Odd site")
    Organisation.objects.filter(pk=organisation.pk).update(website="javascript:alert(1)")

    page = client.get(url).content.decode()

    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


@pytest.fixture
def three_organisations(registry):
    almaty = listed(registry, "Almaty OO", region="almaty", legal_form=LegalForm.OO)
    jambyl = listed(registry, "Jambyl OF", region="jambyl", legal_form=LegalForm.OF,
                    nomination="health")
    mangystau = make_organisation("Mangystau OO", region="mangystau", legal_form=LegalForm.OO)
    apply(mangystau, registry, "health")
    apply(mangystau, registry, "ecology")
    return almaty, jambyl, mangystau


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "jambyl"}, ["Jambyl OF"]),
        ({"region": "astana"}, []),
        ({"nomination": "health"}, ["Jambyl OF", "Mangystau OO"]),
        ({"nomination": "ecology"}, ["Mangystau OO"]),
        ({"legal_form": "OO"}, ["Almaty OO", "Mangystau OO"]),
        ({"legal_form": "OO", "nomination": "health"}, ["Mangystau OO"]),
        ({"region": "almaty", "legal_form": "OF"}, []),
        ({"region": "", "nomination": "", "legal_form": ""},
         ["Almaty OO", "Jambyl OF", "Mangystau OO"]),
    ],
)
def test_each_filter_narrows_the_list(client, url, three_organisations, query, expected):
    response = client.get(url, query)

    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert names_on(response) == expected
    assert response.context["total"] == len(expected)


@pytest.mark.django_db
def test_the_nomination_filter_only_counts_listed_applications(client, registry, url):
    organisation = listed(registry, "Education only", nomination="education")
    apply(organisation, registry, "culture", consent=False)

    assert names_on(client.get(url, {"nomination": "culture"})) == []
    assert names_on(client.get(url, {"nomination": "education"})) == ["Education only"]


@pytest.mark.django_db
def test_bad_filter_values_are_ignored_and_explained_never_a_500(
    client, url, three_organisations
):
    response = client.get(url, {"region": "atlantis", "nomination": "<script>alert(1)</script>",
                                "legal_form": "LLC", "page": "zzz"})
    page = response.content.decode()

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"region", "nomination", "legal_form"}
    assert names_on(response) == ["Almaty OO", "Jambyl OF", "Mangystau OO"]
    assert page.count('aria-invalid="true"') == 3
    assert "<script>alert(1)" not in page


@pytest.mark.django_db
def test_one_bad_filter_does_not_drop_the_good_ones(client, url, three_organisations):
    response = client.get(url, {"region": "jambyl", "legal_form": "nonsense"})

    assert set(response.context["form"].errors) == {"legal_form"}
    assert names_on(response) == ["Jambyl OF"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["region=a&region=b", "nomination=" + "x" * 5000,
                                   "legal_form=%00", "page=-1", "page=99999"])
def test_odd_queries_answer_200(client, url, three_organisations, query):
    assert client.get(f"{url}?{query}").status_code == 200


@pytest.mark.django_db
def test_the_nomination_choices_are_the_ngo_nominations(registry):
    choices, titles = nomination_choices()

    assert [code for code, _title in choices] == [
        "education", "health", "ecology", "culture", "vulnerable-groups", "territories",
    ]
    assert titles["csr"] == registry.nominations.get(code="csr").title_ru


# ---------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_is_paginated_and_the_links_keep_the_filters(client, registry, url):
    for number in range(PER_PAGE + 2):
        listed(registry, f"OF {number:02d}", legal_form=LegalForm.OF)
    for number in range(3):
        listed(registry, f"OO {number:02d}", legal_form=LegalForm.OO)

    first = client.get(url, {"legal_form": "OF"})
    page = first.content.decode()

    assert len(first.context["rows"]) == PER_PAGE
    assert first.context["total"] == PER_PAGE + 2
    assert names_on(first)[0] == "OF 00"
    assert 'href="?legal_form=OF&amp;page=2"' in page
    assert 'rel="next"' in page
    assert 'aria-current="page"' in page
    nav = page.split('class="registry-pagination"')[1].split("</nav>")[0]
    assert "OO 00" not in page

    second = client.get(url, {"legal_form": "OF", "page": 2})
    assert names_on(second) == ["OF 25", "OF 26"]
    assert 'href="?legal_form=OF" rel="prev"' in second.content.decode()
    assert 'aria-label="' in nav

    beyond = client.get(url, {"legal_form": "OF", "page": 7})
    assert names_on(beyond) == ["OF 25", "OF 26"]


@pytest.mark.django_db
def test_a_single_page_has_no_pagination(client, url, three_organisations):
    assert 'class="registry-pagination"' not in client.get(url).content.decode()


# ---------------------------------------------------------------------------
# The charts
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_chart_counts_match_the_data(client, url, registry, three_organisations):
    listed(registry, "Second Almaty OF", region="almaty", legal_form=LegalForm.OF,
           nomination="health")
    apply(make_organisation("Draft in Almaty"), registry, status=Status.DRAFT)

    everyone = registry_organisations()
    assert counts_by_region(everyone) == [
        ("Алматы", 2), ("Жамбылская область", 1), ("Мангистауская область", 1),
    ]
    assert counts_by_legal_form(everyone) == [
        (LegalForm.OO.label, 2), (LegalForm.OF.label, 2),
    ]
    titles = nomination_choices()[1]
    assert counts_by_nomination(everyone, titles) == [
        ("Здравоохранение", 3), ("Образование", 1), ("Экология", 1),
    ]
    filtered = registry_organisations(region="almaty")
    assert counts_by_region(filtered) == [("Алматы", 2)]
    assert counts_by_nomination(filtered, titles) == [("Здравоохранение", 1), ("Образование", 1)]

    response = client.get(url, {"region": "almaty"})
    page = response.content.decode()
    charts = {chart["key"]: str(chart["svg"]) for chart in response.context["charts"]}
    assert set(charts) == {"region", "nomination", "legal-form"}
    assert "<desc" in charts["region"] and "Алматы: 2." in charts["region"]
    assert "Здравоохранение: 1; Образование: 1." in charts["nomination"]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert page.count('role="img" aria-labelledby="registry-chart-') == 3


@pytest.mark.django_db
def test_the_page_runs_the_same_number_of_queries_for_one_or_five_organisations(
    client, registry, url
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    first = make_organisation("Org 0", website="https://org0.kz")
    apply(first, registry, "education")
    apply(first, registry, "health")
    client.get(url)  # the visitor cookie: set, then recorded when it comes back
    client.get(url)
    one = queries()
    for number, region in enumerate(["jambyl", "mangystau", "almaty", "abai"], start=1):
        organisation = make_organisation(f"Org {number}", region=region,
                                         legal_form=LegalForm.OF)
        apply(organisation, registry, "education")
        apply(organisation, registry, "territories")
    five = queries()

    assert len(client.get(url).context["rows"]) == 5
    assert five == one
    assert one <= 10


# ---------------------------------------------------------------------------
# Escaping and languages
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_text_is_escaped_in_the_page_and_in_the_svg(client, registry, url):
    nomination = Nomination.objects.create(
        programme=registry, code="xss", order=99, title_ru="<script>alert('n')</script>",
        title_kk="<script>alert('n')</script>", title_en="<script>alert('n')</script>",
    )
    organisation = make_organisation("<script>alert('x')</script>", city="<b>Тараз</b>")
    Application.objects.create(programme=registry, organisation=organisation,
                               nomination=nomination, status=Status.SCREENED,
                               registry_consent=True)

    response = client.get(url)
    page = response.content.decode()

    assert "<script>alert" not in page
    assert "<b>Тараз" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    svg = str(response.context["charts"][1]["svg"])
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&#x27;n&#x27;)&lt;/script&gt;" in svg


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "region", "nomination"),
    [("ru", "Жамбылская область", "Образование"), ("kk", "Жамбыл облысы", "Білім беру"),
     ("en", "Jambyl Region", "Education")],
)
def test_the_page_works_in_each_language(client, registry, url, language, region, nomination):
    listed(registry, "Шанс", region="jambyl")
    client.cookies["ozgeris_language"] = language

    response = client.get(url)
    page = response.content.decode()

    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert page.count(region) >= 3  # the card, the filter and the chart
    assert f"<li>{nomination}</li>" in page
    assert f"{nomination}: 1." in str(response.context["charts"][1]["svg"])


@pytest.mark.django_db
def test_an_empty_registry_says_so(client, registry, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.context["total"] == 0
    assert 'class="notice-card registry-empty"' in response.content.decode()


@pytest.mark.django_db
def test_the_page_links_its_print_stylesheet(client, registry, url):
    page = client.get(url).content.decode()

    assert "css/registry.css" in page
    assert 'role="search"' in page


def test_russian_and_kazakh_names_sort_alphabetically():
    names = ["Алматы облысы", "Ақмола облысы", "Абай облысы", "Өскемен", "Орал", "Zhezkazgan"]
    assert sorted(names, key=collation_key) == [
        "Абай облысы", "Ақмола облысы", "Алматы облысы", "Орал", "Өскемен", "Zhezkazgan",
    ]


# ---------------------------------------------------------------------------
# ozgeris.charts
# ---------------------------------------------------------------------------


def test_a_bar_chart_is_an_accessible_plain_svg():
    svg = str(bar_chart([("Almaty", 3), ("Jambyl", 1)], title="By region"))

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" version="1.1"')
    assert 'role="img"' in svg
    assert 'aria-label="By region"' in svg
    assert re.search(r'<title id="[\w-]+">By region</title>', svg)
    assert re.search(r'<desc id="[\w-]+">Almaty: 3; Jambyl: 1.</desc>', svg)
    assert 'width="100%"' in svg and 'viewBox="0 0 320 ' in svg
    assert "Noto Sans" in svg
    assert "#f2b705" in svg and "#0b5f86" in svg  # the largest bar gold, the others sky
    assert re.findall(r'font-weight="700" fill="#073b55">(\d+)</text>', svg) == ["3", "1"]
    assert "<script" not in svg and "style=" not in svg


def test_a_bar_chart_is_deterministic_and_escapes_labels():
    items = [("<script>alert(1)</script>", 2), ("A & B", 1234567)]

    svg = str(bar_chart(items, title="<i>t</i>"))

    assert svg == str(bar_chart(items, title="<i>t</i>"))
    assert "<script>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "A &amp; B" in svg
    assert "1\u00a0234\u00a0567" in svg


def test_a_bar_chart_wraps_long_labels_and_handles_no_data():
    long_label = "Лучшая инициатива международного института для поддержки социального " * 2

    svg = str(bar_chart([(long_label, 1)], title="Long"))
    empty = str(bar_chart([], title="Empty", empty_text="Nothing yet."))

    assert svg.count("<tspan") == 2 and "…" in svg
    assert f"<title>{long_label.strip()}</title>" in svg
    assert "Nothing yet." in empty and "<rect" not in empty


@pytest.mark.django_db
def test_a_member_takes_the_organisation_out_of_the_registry_at_any_time(
        client, registry, url, make_user):
    """The consent to be listed is withdrawn whenever a member asks, also after the deadline,
    when the application's form no longer changes; another organisation's member cannot."""
    from ozgeris.models import AuditEvent

    organisation = listed(registry, "Уходим из реестра")
    apply(organisation, registry, "health", status=Status.FINALIST)
    member = make_user(email="member@example.kz")
    organisation.membership_set.create(user=member)
    outsider = make_user(email="outsider@example.kz")
    make_organisation("Чужая").membership_set.create(user=outsider)
    page = reverse("applications:organisation", args=[organisation.pk])

    client.force_login(outsider)
    assert client.post(page, {"leave_registry": ""}).status_code == 404
    client.force_login(member)
    client.cookies["ozgeris_language"] = "en"
    assert b'name="leave_registry"' in client.get(page).content

    response = client.post(page, {"leave_registry": ""}, follow=True)

    assert "no longer listed in the public registry" in response.content.decode()
    assert b'name="leave_registry"' not in response.content
    assert "Уходим из реестра" not in names_on(client.get(url))
    assert not organisation.applications.filter(registry_consent=True).exists()
    assert AuditEvent.objects.filter(action="organisation.registry_left").exists()


@pytest.mark.django_db
def test_the_consent_is_withdrawn_before_staff_checked_the_documents_too(
        client, registry, make_user):
    """Submitted with the consent, the form closed: not listed yet, and it will not be."""
    organisation = make_organisation("Ещё не в реестре")
    apply(organisation, registry, status=Status.SUBMITTED)
    member = make_user(email="member@example.kz")
    organisation.membership_set.create(user=member)
    client.force_login(member)
    client.cookies["ozgeris_language"] = "en"
    page = reverse("applications:organisation", args=[organisation.pk])
    assert "once the programme staff have checked the documents" in client.get(
        page).content.decode()

    client.post(page, {"leave_registry": ""})

    Application.objects.filter(organisation=organisation).update(status=Status.SCREENED)
    assert "Ещё не в реестре" not in names_on(client.get(reverse("registry:list")))
    assert b'name="leave_registry"' not in client.get(page).content
