"""“The current programme or 404”: every page that exists only for the current edition
answers the portal's 404 alike while no edition is published, and the pages that name a
year answer it for a year that is unknown or hidden (``ProgrammeQuerySet.current_or_404``
and ``published_or_404``)."""

import pytest
from django.test import Client
from django.urls import reverse

from ozgeris.models import Programme

# (URL name, its arguments, method, who asks). Each page asks for the current programme
# before anything else it checks.
CURRENT_PAGES = [
    ("applications:start", [], "get", "applicant"),
    ("voting:finalists", [], "get", None),
    ("voting:finalist", [1], "get", None),
    ("voting:vote", [1], "post", "applicant"),
    ("jury_panel:index", [], "get", "staff"),
    ("jury_panel:score", [1], "get", "staff"),
    ("jury_panel:conflict", [1], "post", "staff"),
    ("jury_panel:document", [1, 1], "get", "staff"),
    ("jury_panel:conflicts", [], "get", "staff"),
    ("jury_panel:results", [], "get", "staff"),
    ("jury_panel:progress", [], "get", "staff"),
]
YEAR_PAGES = ["voting:ledger", "voting:results", "voting:checkpoints",
              "voting:checkpoints_json", "laureates"]


@pytest.fixture
def ask(make_user, staff):
    people = {"applicant": make_user(email="ngo@example.kz"), "staff": staff}

    def ask(name, args, method="get", who=None):
        client = Client(raise_request_exception=False)
        if who:
            client.force_login(people[who])
        return getattr(client, method)(reverse(name, args=args))

    return ask


def assert_portals_404(response):
    assert response.status_code == 404
    assert '<h1 id="error-title">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "method", "who"), CURRENT_PAGES)
def test_without_a_published_programme_each_page_answers_the_portals_404(
        ask, open_programme, name, args, method, who):
    Programme.objects.update(is_published=False)

    assert_portals_404(ask(name, args, method, who))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["applications:start", "voting:finalists",
                                  "jury_panel:index", "jury_panel:conflicts",
                                  "jury_panel:results", "jury_panel:progress"])
def test_with_a_published_programme_the_same_pages_answer(ask, open_programme, name):
    who = dict((page[0], page[3]) for page in CURRENT_PAGES)[name]

    assert ask(name, [], "get", who).status_code in (200, 302)


@pytest.mark.django_db
@pytest.mark.parametrize("name", YEAR_PAGES)
def test_a_year_page_answers_the_portals_404_for_an_unknown_or_hidden_year(
        ask, open_programme, name):
    unknown = Programme.objects.order_by("year").first().year - 1
    open_programme.is_published = False
    open_programme.save(update_fields=["is_published"])

    assert_portals_404(ask(name, [unknown]))
    assert_portals_404(ask(name, [open_programme.year]))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["voting:ledger", "voting:checkpoints",
                                  "voting:checkpoints_json"])
def test_a_year_page_answers_for_a_published_year(ask, open_programme, name):
    assert ask(name, [open_programme.year]).status_code == 200


@pytest.mark.django_db
def test_the_current_programme_is_the_latest_published_one(open_programme):
    Programme.objects.exclude(pk=open_programme.pk).update(is_published=False)
    assert Programme.objects.current_or_404() == open_programme
    assert Programme.objects.published_or_404(open_programme.year) == open_programme
