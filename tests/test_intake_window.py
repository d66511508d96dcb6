"""One rule for "may this organisation apply now" (issues 17 and 19): the dashboard, /apply/,
the eligibility check's last step and /apply/new/ agree with the services, extensions
included; and the organisation is told by email when staff grant one."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications import intake, services
from applications.models import DeadlineExtension
from ozgeris.models import AuditEvent

from .factories import OrganisationFactory

ELIGIBLE_ANSWERS = {"registered_non_profit": "yes", "legal_form": "OO",
                    "full_financial_year": "yes", "has_entrepreneurial_income": "yes"}


@pytest.fixture
def closed_programme(open_programme):
    """The current programme, its window closed yesterday."""
    now = timezone.now()
    open_programme.intake_closes_at = now - timedelta(days=1)
    open_programme.save()
    return open_programme


@pytest.fixture
def extended(closed_programme, make_user, staff):
    """An organisation whose deadline staff moved three days past the programme's."""
    member = make_user(email="extended@example.kz", preferred_language="en")
    organisation = OrganisationFactory(members=[member])
    services.grant_extension(programme=closed_programme, organisation=organisation,
                             until=timezone.now() + timedelta(days=3),
                             reason="The bank is late with the certificate", by=staff)
    return member, organisation


@pytest.fixture
def not_extended(closed_programme, make_user):
    member = make_user(email="late@example.kz", preferred_language="en")
    return member, OrganisationFactory(members=[member])


def page(client, name, **kwargs):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    assert response.status_code == 200
    return response.content.decode()


START = f'href="{reverse("applications:start")}"'


@pytest.mark.django_db
def test_the_dashboard_offers_to_start_an_application_to_an_organisation_with_an_extension(
    client, extended
):
    member, _organisation = extended
    client.force_login(member)

    dashboard = page(client, "applications:dashboard")

    assert START in dashboard
    assert "Start an application" in dashboard
    assert "Applications for this edition are closed." not in dashboard


@pytest.mark.django_db
def test_the_dashboard_offers_nothing_to_an_organisation_without_one(client, not_extended):
    member, _organisation = not_extended
    client.force_login(member)

    dashboard = page(client, "applications:dashboard")

    assert START not in dashboard
    assert "Applications for this edition are closed." in dashboard


@pytest.mark.django_db
def test_apply_shows_no_sign_up_button_to_a_visitor_when_intake_is_closed(
    client, closed_programme
):
    dashboard = page(client, "applications:dashboard")

    signup = f'{reverse("account_signup")}?next={reverse("applications:dashboard")}'
    assert signup not in dashboard
    assert f'{reverse("account_login")}?next={reverse("applications:dashboard")}' in dashboard
    assert "Applications for this edition are closed." in dashboard


@pytest.mark.django_db
def test_apply_invites_a_visitor_to_sign_up_while_intake_is_open(client, open_programme):
    dashboard = page(client, "applications:dashboard")

    assert f'{reverse("account_signup")}?next={reverse("applications:dashboard")}' in dashboard


@pytest.mark.django_db
def test_the_eligibility_check_leads_to_the_application_only_for_who_may_apply(
    client, extended, not_extended
):
    def last_step():
        response = client.post(reverse("applications:eligibility"), ELIGIBLE_ANSWERS,
                               HTTP_ACCEPT_LANGUAGE="en")
        return response.content.decode()

    assert "Continue to the application" not in last_step()  # a visitor: closed
    client.force_login(not_extended[0])
    assert "Continue to the application" not in last_step()
    client.force_login(extended[0])
    assert "Continue to the application" in last_step()


@pytest.mark.django_db
def test_apply_new_offers_only_the_organisations_that_may_apply(
    client, extended, not_extended, closed_programme
):
    member, organisation = extended
    other = OrganisationFactory(members=[member])  # the same person's second, not extended
    client.force_login(member)

    response = client.get(reverse("applications:start"))
    choices = list(response.context["form"].fields["organisation"].queryset)
    assert choices == [organisation]
    started = client.post(reverse("applications:start"), {
        "organisation": other.pk,
        "nomination": closed_programme.nominations.get(code="health").pk})
    assert started.status_code == 200
    assert not other.applications.exists()

    client.force_login(not_extended[0])
    refused = client.get(reverse("applications:start"))
    assert refused.url == reverse("applications:dashboard")


@pytest.mark.django_db
def test_the_pages_and_the_services_read_the_same_deadline(extended, not_extended,
                                                           closed_programme):
    _member, organisation = extended
    extension = DeadlineExtension.objects.get(organisation=organisation)
    late = not_extended[1]

    assert intake.open_until(closed_programme, [organisation, late]) == extension.until
    assert intake.open_until(closed_programme, [late]) is None
    assert intake.open_until(closed_programme) is None
    assert intake.intake_open_for(closed_programme, organisation)
    assert not intake.intake_open_for(closed_programme, late)
    assert not intake.intake_open_for(closed_programme, organisation, now=extension.until)


# The extension's email -----------------------------------------------------------------

@pytest.mark.django_db
def test_granting_an_extension_in_the_admin_emails_the_members_in_their_language(
    client, closed_programme, make_user, staff, django_capture_on_commit_callbacks
):
    kazakh = make_user(email="kk@example.kz", preferred_language="kk")
    russian = make_user(email="ru@example.kz", preferred_language="ru")
    make_user(email="gone@example.kz", is_active=False)
    organisation = OrganisationFactory(members=[kazakh, russian])
    until = timezone.localtime(timezone.now() + timedelta(days=5)).replace(
        hour=18, minute=0, second=0, microsecond=0)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:applications_deadlineextension_add"), {
            "programme": closed_programme.pk, "organisation": organisation.pk,
            "until_0": until.strftime("%d.%m.%Y"), "until_1": "18:00:00",
            "reason": "The bank is late with the certificate"})

    assert response.status_code == 302, response.content.decode()[:2000]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["kk@example.kz", "ru@example.kz"]
    link = f"{settings.PORTAL_URL}{reverse('applications:dashboard')}"
    for message in by_address.values():
        assert link in message.body
        assert f"{until.day} " in message.body and "18:00" in message.body
    assert "Жаңа соңғы мерзім" in by_address["kk@example.kz"].body
    assert "Новый срок" in by_address["ru@example.kz"].body
    event = AuditEvent.objects.get(action="application.extension_granted")
    assert event.details["notified"] == 2
    assert event.details["until"] == until.isoformat()
