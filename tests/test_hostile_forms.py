"""Hostile input: every public form, fuzzed through the test client, answers without a 500
and never echoes generated markup unescaped (issue 8, "Hostile input").

Hypothesis runs derandomised, with a bounded number of examples and no deadline, so a CI
run is repeatable and its time predictable. One test's examples share its database
transaction and its client: state piles up across examples (a second sign-up with the same
address, a second vote), which is part of what is being fuzzed. The rate limits are reset
before each example, so the forms are reached rather than answered with a 429.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from applications.models import Application
from ozgeris import memo
from ozgeris.models import Region

from .factories import OrganisationFactory, started_application, valid_bin
from .isolation import empty_the_cache

settings.register_profile(
    "ozgeris-hostile",
    derandomize=True,
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the working tree
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
FUZZ = settings(settings.get_profile("ozgeris-hostile"))

# Markup a browser would run if it came back raw. Each is inserted whole into the generated
# text, so finding it whole in a response means it was echoed unescaped.
MARKUP = [
    '<script>alert("oz-xss")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "</textarea><b onmouseover=alert(1)>",
]
OTHER_HOSTILE = [
    '=HYPERLINK("http://evil","x")', "+7 701 000 00 00", "@SUM(A1)", "-2+3",
    "{{ settings.SECRET_KEY }}", "{% debug %}", "'; DROP TABLE applications_application; --",
    "\u202eRTL\u202c", "\u200b\u200d\ufeff", "\x00", "\r\n\t", "Ә Ғ Қ Ң Ө Ұ Ү Һ І", "😀" * 3,
    "%s%n%x", "../../etc/passwd", "\\", "&amp;&lt;",
]


@st.composite
def hostile_text(draw, max_size=60):
    """Generated text around one hostile fragment; sometimes repeated into a long string."""
    fragment = draw(st.sampled_from(MARKUP + OTHER_HOSTILE))
    before = draw(st.text(max_size=max_size))
    after = draw(st.text(max_size=max_size))
    text = before + fragment + after
    if draw(st.integers(0, 9)) == 0:
        text = text * draw(st.integers(50, 400))
    return text


def anything(max_size=60):
    """A field's value: hostile text, or plain generated text (may be empty)."""
    return st.one_of(hostile_text(max_size), st.text(max_size=max_size))


def assert_safe(response, *typed):
    """No server error, and no markup fragment we typed comes back raw."""
    assert response.status_code < 500, response.status_code
    body = response.content.decode("utf-8", errors="replace")
    for text in typed:
        for marker in MARKUP:
            if marker in str(text):
                assert marker not in body, f"unescaped {marker!r} in the response"


def fresh_example():
    """What each example starts from: no rate-limit counters or kept pages left by the
    previous one."""
    empty_the_cache()
    memo.forget()


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


# ---------------------------------------------------------------------------
# Sign-up (allauth, /accounts/signup/)
# ---------------------------------------------------------------------------

@pytest.mark.django_db
@FUZZ
@given(display_name=anything(), email=st.one_of(st.emails(), anything()),
       password=anything(30), consent=st.sampled_from(["on", "", None, "<script>"]))
@example(display_name=MARKUP[0] * 20_000, email="long@example.kz", password="Steppe-2019-x",
         consent="on")  # 640 KB in one field
def test_signup_survives_hostile_input(client, display_name, email, password, consent):
    fresh_example()
    data = {"display_name": display_name, "email": email, "password1": password,
            "password2": password}
    if consent is not None:
        data["consent"] = consent

    response = client.post(reverse("account_signup"), data, **EN)

    assert_safe(response, display_name, email, password)
    client.logout()


# ---------------------------------------------------------------------------
# The applicant's forms
# ---------------------------------------------------------------------------

@pytest.fixture
def applicant(make_user, client):
    user = make_user(email="hostile@example.kz", preferred_language="en")
    client.force_login(user)
    return user


_bins = iter(range(9000, 100000))


@st.composite
def organisation_data(draw):
    region = draw(st.sampled_from(["", "almaty", "<script>", "0", "-1", "99999999999"]))
    return {
        "name": draw(anything()),
        "legal_form": draw(st.sampled_from(["OO", "OF", "<script>", ""])),
        "bin": draw(st.one_of(st.just("VALID"), anything(20))),
        "region": region,
        "city": draw(anything()),
        "address": draw(anything()),
        "website": draw(st.one_of(st.just("javascript:alert(1)"), anything())),
        "social_links": draw(anything()),
        "contact_person": draw(anything()),
        "contact_email": draw(st.one_of(st.emails(), anything())),
        "phone": draw(anything(20)),
        "year_founded": draw(st.one_of(st.integers(-10**12, 10**12).map(str), anything(10))),
    }


TEXT_FIELDS = ["name", "city", "address", "website", "social_links", "contact_person",
               "contact_email", "phone"]


@pytest.mark.django_db
@FUZZ
@given(data=organisation_data())
@example(data={  # one that is saved, so the organisation's page shows the markup back
    "name": 'ОО <img src=x onerror=alert(1)> "Шаңырақ"', "legal_form": "OO", "bin": "VALID",
    "region": "almaty", "city": '<script>alert("oz-xss")</script>', "address": "", "website": "",
    "social_links": '"><svg onload=alert(1)>', "contact_person": "Әлия",
    "contact_email": "aliya@example.kz", "phone": "+7 701 123 45 67", "year_founded": "2014"})
def test_the_organisation_form_survives_hostile_input(client, applicant, demo_programme, data):
    fresh_example()
    if data["bin"] == "VALID":
        data["bin"] = valid_bin(next(_bins))
    if data["region"] == "almaty":
        data["region"] = str(Region.objects.get(code="almaty").pk)

    response = client.post(reverse("applications:organisation_create"), data, **EN)

    typed = [data[name] for name in TEXT_FIELDS]
    assert_safe(response, *typed)
    if response.status_code == 302:  # created: what was typed is shown back, escaped
        assert_safe(client.get(response.url, **EN), *typed)
        assert_safe(client.get(reverse("applications:dashboard"), **EN), *typed)


@pytest.mark.django_db
@FUZZ
@given(answers=st.fixed_dictionaries({
    name: st.one_of(st.sampled_from(["yes", "no", "OO", "TOO"]), anything(20))
    for name in ("registered_non_profit", "legal_form", "full_financial_year",
                 "has_entrepreneurial_income")}))
def test_the_eligibility_check_survives_hostile_input(client, demo_programme, answers):
    fresh_example()
    response = client.post(reverse("applications:eligibility"), answers, **EN)
    assert_safe(response, *answers.values())


APPLICATION_TEXT = ["project_title", "social_problem", "solution", "beneficiaries",
                    "impact_evidence", "products", "customers", "prices", "sales_channels",
                    "team", "video_url"]
APPLICATION_NUMBERS = ["beneficiaries_count", "years_in_operation", "financial_year",
                       "total_income", "entrepreneurial_income"]


@pytest.fixture
def draft(applicant, open_programme):
    application = started_application(open_programme, applicant)
    return application


@pytest.mark.django_db
@FUZZ
@given(
    texts=st.fixed_dictionaries({name: anything() for name in APPLICATION_TEXT}),
    numbers=st.fixed_dictionaries({name: st.one_of(
        st.integers(-10**20, 10**20).map(str), st.sampled_from(["1e9", "NaN", "∞", "٣"]),
        anything(12)) for name in APPLICATION_NUMBERS}),
    consent=st.sampled_from(["on", "", "<script>"]),
    action=st.sampled_from(["save", "submit"]),
)
@example(texts={name: f"{name} <img src=x onerror=alert(1)>" if name != "video_url" else ""
                for name in APPLICATION_TEXT},
         numbers={"beneficiaries_count": "40", "years_in_operation": "4",
                  "financial_year": "2018", "total_income": "10000000",
                  "entrepreneurial_income": "3000000"}, consent="on", action="save")
def test_the_application_form_survives_hostile_input(client, draft, texts, numbers, consent,
                                                     action):
    fresh_example()
    url = reverse("applications:edit", args=[draft.pk])

    response = client.post(url, {**texts, **numbers, "registry_consent": consent, action: "1"},
                           **EN)

    assert_safe(response, *texts.values())
    # Whatever was saved is shown back escaped on the form and on the dashboard.
    assert_safe(client.get(url, **EN), *texts.values())
    assert_safe(client.get(reverse("applications:dashboard"), **EN), *texts.values())


@pytest.mark.django_db
@FUZZ
@given(email=st.one_of(st.emails(), anything()))
def test_the_invitation_form_survives_hostile_input(client, applicant, demo_programme, email):
    fresh_example()
    organisation = OrganisationFactory(members=[applicant])

    response = client.post(reverse("applications:invite", args=[organisation.pk]),
                           {"invite-email": email}, follow=True, **EN)

    assert_safe(response, email)


@pytest.fixture
def finalist(applicant, vote_programme):
    organisation = OrganisationFactory(members=[applicant])
    return Application.objects.create(
        programme=vote_programme, organisation=organisation, status="finalist",
        nomination=vote_programme.nominations.get(code="education"))


@pytest.mark.django_db
@FUZZ
@given(texts=st.fixed_dictionaries({"public_text_ru": anything(), "public_text_kk": anything()}),
       video=st.one_of(st.just(""), st.sampled_from([
           'https://www.youtube.com/watch?v="><script>alert(1)</script>',
           "javascript:alert(1)//https://youtu.be/x", "https://youtu.be/<img src=x>"]),
           anything()))
@example(texts={"public_text_ru": f"Текст {MARKUP[0]}\n{MARKUP[1]}",
                "public_text_kk": MARKUP[2]}, video="")
def test_the_finalist_profile_survives_hostile_input(client, applicant, finalist, texts, video):
    """The profile's texts reach the public pages once staff approve them: escaped there."""
    fresh_example()
    url = reverse("applications:profile", args=[finalist.pk])

    response = client.post(url, {**texts, "video_url": video}, **EN)

    assert_safe(response, *texts.values(), video)
    assert_safe(client.get(url, **EN), *texts.values(), video)
    Application.objects.filter(pk=finalist.pk).update(profile_approved_at=timezone.now())
    visitor = Client()
    for language in ("ru", "kk", "en"):
        memo.forget()
        for page in (reverse("voting:finalist", args=[finalist.pk]),
                     reverse("voting:finalists")):
            assert_safe(visitor.get(page, HTTP_ACCEPT_LANGUAGE=language), *texts.values(),
                        video)


# ---------------------------------------------------------------------------
# The public vote and the receipt lookup
# ---------------------------------------------------------------------------

@pytest.mark.django_db
@FUZZ
@given(
    age=st.one_of(st.sampled_from(["", "18_24", "65_plus"]), anything(20)),
    region=st.one_of(st.sampled_from(["", "1", "-1", "0x1", "1.5", "9" * 30]), anything(20)),
    website=st.one_of(st.just(""), anything()),
    pick=st.integers(0, 2),
)
def test_the_vote_survives_hostile_input(client, finalists, voter, age, region, website, pick):
    fresh_example()
    client.force_login(voter)

    response = client.post(reverse("voting:vote", args=[finalists[pick].pk]),
                           {"age_bracket": age, "region": region, "website": website},
                           follow=True, **EN)

    assert_safe(response, age, region, website)


@pytest.mark.django_db
@FUZZ
@given(code=st.one_of(anything(), st.text(alphabet="0123456789ABCDEF-", max_size=40)))
def test_the_receipt_lookup_survives_hostile_input(client, vote_programme, code):
    fresh_example()
    response = client.get(reverse("voting:receipt"), {"code": code}, **EN)
    assert_safe(response, code)


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
@FUZZ
@given(code=anything())
def test_the_finalists_filter_survives_hostile_input(client, finalists, code):
    fresh_example()
    response = client.get(reverse("voting:finalists"), {"nomination": code}, **EN)
    assert_safe(response, code)


# ---------------------------------------------------------------------------
# Roster import (admin: upload → preview → confirm)
# ---------------------------------------------------------------------------

def cell():
    return st.one_of(anything(40), st.sampled_from(["НПО", "youth", "да", "нет", "", "x"]))


@st.composite
def roster_file(draw):
    """A CSV roster with hostile cells, or hostile bytes under a .csv or .xlsx name."""
    kind = draw(st.sampled_from(["csv", "csv", "csv", "bytes"]))
    if kind == "bytes":
        name = draw(st.sampled_from(["roster.csv", "roster.xlsx", "roster"]))
        return name, draw(st.binary(max_size=2048)), []
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    rows = draw(st.lists(st.lists(cell(), min_size=5, max_size=5), min_size=0, max_size=6))
    header = draw(st.sampled_from([
        ["ФИО", "Организация", "Категория", "Контакт", "Согласие"],
        ["name", "organisation", "category", "contact", "consent"],
        ["<script>", "=1+1", "", "", ""],
    ]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    data = buffer.getvalue().encode(encoding, errors="replace")
    return "roster.csv", data, [value for row in rows for value in row]


@pytest.mark.django_db
@FUZZ
@given(upload=roster_file())
@example(upload=("roster.csv", "ФИО;Организация;Категория\n"
                 "<img src=x onerror=alert(1)>;'><iframe src=javascript:alert(1)>;НПО\n"
                 .encode(), ["<img src=x onerror=alert(1)>",
                             "'><iframe src=javascript:alert(1)>"]))
def test_the_roster_import_survives_hostile_files(client, staff, meeting, upload):
    fresh_example()
    client.force_login(staff)
    name, data, typed = upload
    url = reverse("admin:events_infomeeting_import", args=[meeting.pk])

    preview = client.post(url, {"file": SimpleUploadedFile(name, data)}, **EN)

    assert_safe(preview, *typed)
    payload = preview.context and preview.context.get("payload")
    if payload:
        confirmed = client.post(url, {"payload": payload}, follow=True, **EN)
        assert_safe(confirmed, *typed)
        change = client.get(reverse("admin:events_infomeeting_change", args=[meeting.pk]),
                            **EN)
        assert_safe(change, *typed)


@pytest.mark.django_db
def test_a_signed_in_staff_member_is_needed_for_the_import(meeting):
    """The import is not public: an anonymous hostile upload is sent to the admin login."""
    response = Client().post(reverse("admin:events_infomeeting_import", args=[meeting.pk]),
                             {"file": SimpleUploadedFile("r.csv", b"name\n<script>x</script>")})
    assert response.status_code == 302
    assert not meeting.roster.exists()


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
def test_unknown_filter_values_share_one_cached_page(client, finalists,
                                                    django_assert_num_queries):
    """A junk filter value is answered from the page kept for every finalist: nothing is read
    or rendered for it, so no value can make (and fill memory with) an entry of its own."""
    first = client.get(reverse("voting:finalists"), **EN).content

    for junk in ["<script>", "x" * 40, "\u202e", "1", "' OR 1=1", "education2", "zzz"]:
        client.cookies.clear()
        with django_assert_num_queries(0):
            page = client.get(reverse("voting:finalists"), {"nomination": junk}, **EN).content
        assert page == first  # the page of every finalist, as kept
