"""The jury's decisions on the results page (/jury/results/): each button calls one
``jury.services`` function, and the rule it applies lives there, not in the panel."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from applications.models import Status
from jury import services
from jury.models import EligibilityDecision, TieBreak

from .factories import ApplicationFactory, juror

pytestmark = pytest.mark.usefixtures("english_pages")

URL = "jury_panel:results"


@pytest.fixture
def member(programme, make_user):
    seat = juror(programme, make_user, "member")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    return seat


def application(programme, status):
    return ApplicationFactory(programme=programme, status=status,
                              nomination=programme.nominations.get(code="education"))


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_only_staff_or_the_chair_decide_eligibility(programme, member, staff):
    screened = application(programme, Status.SCREENED)

    with pytest.raises(services.JuryError):
        services.decide_eligibility(programme=programme, by=member.user)
    screened.refresh_from_db()
    assert screened.status == Status.SCREENED

    assert services.decide_eligibility(programme=programme, by=staff) == (0, 1)


@pytest.mark.django_db
def test_reversing_eligibility_turns_the_80_20_result_over(programme, staff):
    failed = application(programme, Status.FAILED_80_20)

    services.reverse_eligibility(application=failed, reason="Grant income misfiled",
                                 by=staff)

    failed.refresh_from_db()
    assert failed.status == Status.ELIGIBLE
    assert EligibilityDecision.objects.get(application=failed).overridden


@pytest.mark.django_db
def test_the_results_page_offers_the_cut_and_the_override_only_until_the_finalists_are_chosen(
        client, programme, staff, english):
    failed = application(programme, Status.FAILED_80_20)
    client.force_login(staff)

    before = client.get("/jury/results/").content.decode()
    assert 'name="override"' in before and 'name="preview"' in before
    application(programme, Status.FINALIST)
    page = client.get("/jury/results/").content.decode()

    assert failed.organisation.name in page
    assert 'name="override"' not in page and 'name="preview"' not in page
    assert "the cut is applied once" in page


@pytest.mark.django_db
def test_only_a_decided_80_20_result_can_be_reversed(programme, staff):
    screened = application(programme, Status.SCREENED)

    with pytest.raises(services.JuryError):
        services.reverse_eligibility(application=screened, reason="Why not", by=staff)

    screened.refresh_from_db()
    assert screened.status == Status.SCREENED


@pytest.mark.django_db
@pytest.mark.parametrize("priority", [None, 0, -1, "1", True])
def test_a_tie_break_priority_is_a_whole_number_from_one(programme, staff, priority):
    tied = application(programme, Status.ELIGIBLE)

    with pytest.raises(services.JuryError):
        services.record_tie_break(application=tied, priority=priority, reason="Stronger",
                                  by=staff)

    assert not TieBreak.objects.filter(application=tied).exists()


@pytest.mark.django_db
def test_no_tie_is_broken_once_the_finalists_are_chosen(programme, staff):
    """A new order after the cut would change the ranks the decision and its protocol show."""
    tied = application(programme, Status.FINALIST)

    with pytest.raises(services.JuryError):
        services.record_tie_break(application=tied, priority=1, reason="Stronger", by=staff)

    assert not TieBreak.objects.filter(application=tied).exists()


@pytest.mark.django_db
def test_the_page_says_why_a_bad_priority_was_refused(client, programme, staff):
    tied = application(programme, Status.ELIGIBLE)
    client.force_login(staff)

    response = client.post(reverse(URL), {"tie_break": "1", "application": tied.pk,
                                          "priority": "first", "reason": "Stronger"})

    assert response.status_code == 302
    assert said(response) == ["The priority is a whole number from 1."]
    assert not TieBreak.objects.filter(application=tied).exists()


@pytest.mark.django_db
def test_the_page_refuses_to_override_an_undecided_application_with_a_message(
        client, programme, staff):
    screened = application(programme, Status.SCREENED)
    client.force_login(staff)

    response = client.post(reverse(URL), {"override": "1", "application": screened.pk,
                                          "reason": "Why not"})

    assert response.status_code == 302
    assert said(response) == ["Only an application the 80/20 rule has decided can be "
                              "overridden."]
    screened.refresh_from_db()
    assert screened.status == Status.SCREENED


@pytest.mark.django_db
def test_the_page_applies_the_80_20_rule_and_says_what_it_decided(client, programme, staff):
    screened = application(programme, Status.SCREENED)
    client.force_login(staff)

    response = client.post(reverse(URL), {"eligibility": "1"})

    assert said(response) == ["Eligibility decided: 0 eligible, 1 did not meet the 80/20 "
                              "rule."]
    screened.refresh_from_db()
    assert screened.status == Status.FAILED_80_20


@pytest.mark.django_db
def test_the_page_flags_possible_conflicts(client, programme, staff, member):
    ApplicationFactory(programme=programme, status=Status.SCREENED,
                       organisation__members=[member.user])
    client.force_login(staff)

    response = client.post(reverse(URL), {"detect": "1"})

    assert said(response) == ["1 possible conflicts flagged."]
