"""The staff's landing page (/staff/), who may see it, and where each role lands after signing
in (the header's links and allauth's redirect)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ozgeris.models import OutboxMessage
from reporting.models import ExportJob

from .factories import ApplicationFactory, juror

PASSWORD = "Correct-horse-7"


def fill(programme, staff, size):
    """``size`` applications in each of three statuses, ``size`` failed exports and
    ``size`` messages the outbox gave up on."""
    for status in ("submitted", "eligible", "draft"):
        for _ in range(size):
            ApplicationFactory(programme=programme, status=status)
    for _ in range(size):
        ExportJob.objects.create(programme=programme, exporter="report", created_by=staff,
                                 state=ExportJob.State.FAILED)
        OutboxMessage.objects.create(to=["ngo@example.kz"], subject="s", body="b",
                                     failed_at=timezone.now())


def figures(response):
    board = response.context["board"]
    shown = {figure.label: figure.value for figure in board.waiting}
    for section in board.sections:
        shown.update({figure.label: figure.value for figure in section.figures})
    return shown


@pytest.mark.django_db
def test_staff_dashboard_shows_the_phase_the_counts_and_what_waits(client, open_programme,
                                                                   staff):
    OutboxMessage.objects.update(failed_at=None)
    fill(open_programme, staff, 2)
    staff.preferred_language = "en"
    staff.save()
    client.force_login(staff)

    response = client.get(reverse("staff_dashboard"))

    assert response.status_code == 200
    board = response.context["board"]
    assert board.programme == open_programme
    assert board.stage == "intake" and board.stage_label == "Applications"
    shown = figures(response)
    assert shown["Applications whose documents wait to be checked"] == 2
    assert shown["Exports that failed"] == 2
    assert shown["Emails that could not be sent"] == 2
    assert shown["Flagged votes to review"] == 0
    assert shown["Score sheets submitted"] == 0
    assert (shown["submitted"], shown["eligible"], shown["draft"], shown["winner"]) == (2, 2, 2, 0)
    page = response.content.decode()
    for link in (reverse("admin:index"), reverse("reporting:index"),
                 reverse("jury_panel:results"), reverse("voting:dashboard", args=[2031])):
        assert f'href="{link}"' in page


@pytest.mark.django_db
def test_staff_dashboard_runs_the_same_queries_at_two_sizes(client, open_programme, staff):
    client.force_login(staff)
    for _ in range(2):  # the visitor's cookie, then its first visit of the day (voting.visitors)
        client.get(reverse("staff_dashboard"))

    def queries(size):
        fill(open_programme, staff, size)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("staff_dashboard")).status_code == 200
        return len(captured)

    assert queries(1) == queries(4)


@pytest.mark.django_db
def test_only_programme_staff_see_the_dashboard(client, programme, make_user):
    url = reverse("staff_dashboard")
    assert client.get(url).url == f"{reverse('account_login')}?next={url}"
    seat = juror(programme, make_user, "Zhamila")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    for person in (seat.user, make_user(email="ngo@example.kz"),
                   make_user(email="admin-only@example.kz", is_staff=True)):
        client.force_login(person)
        assert client.get(url).status_code == 403


def sign_in(client, email, next_url=""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": PASSWORD})


@pytest.mark.django_db
def test_after_signing_in_staff_land_on_their_dashboard_and_jurors_on_their_panel(
        client, programme, staff, make_user):
    seat = juror(programme, make_user, "Zhamila")
    seat.user.groups.add(Group.objects.get(name="Jury"))
    applicant = make_user(email="ngo@example.kz")

    landed = {}
    for person in (staff, seat.user, applicant):
        landed[person.email] = sign_in(client, person.email).url
        client.logout()

    assert landed == {staff.email: reverse("staff_dashboard"),
                      seat.user.email: reverse("jury_panel:index"),
                      applicant.email: reverse("home")}


@pytest.mark.django_db
def test_signing_in_keeps_a_safe_next_and_ignores_another_site(client, programme, staff):
    assert sign_in(client, staff.email, "/registry/").url == "/registry/"
    client.logout()
    assert sign_in(client, staff.email, "https://evil.example/").url == reverse("staff_dashboard")


@pytest.mark.django_db
def test_the_header_takes_jurors_to_their_panel_and_staff_to_their_dashboard(
        client, programme, staff, make_user):
    seat = juror(programme, make_user, "Zhamila")
    seat.user.groups.add(Group.objects.get(name="Jury"))

    client.force_login(seat.user)
    page = client.get(reverse("registry:list")).content.decode()
    assert f'href="{reverse("jury_panel:index")}"' in page
    assert f'href="{reverse("admin:index")}"' not in page
    assert f'href="{reverse("staff_dashboard")}"' not in page

    client.force_login(staff)
    page = client.get(reverse("registry:list")).content.decode()
    assert f'href="{reverse("staff_dashboard")}"' in page


def admin_index(client, staff, language):
    """The admin's index as ``staff`` sees it in ``language`` (their profile's)."""
    staff.preferred_language = language
    staff.save()
    client.force_login(staff)
    return client.get(reverse("admin:index"))


@pytest.mark.django_db
def test_the_admin_index_groups_models_by_stage_and_links_the_work_areas(client, staff):
    response = admin_index(client, staff, "en")

    groups = [(app["app_label"], [model["model"]._meta.label for model in app["models"]])
              for app in response.context["app_list"]]
    assert [label for label, _models in groups] == [
        "stage-intake", "stage-jury", "stage-vote", "stage-events", "stage-report",
        "stage-system"]
    models = dict(groups)
    assert {"ozgeris.Programme", "applications.Application"} <= set(models["stage-intake"])
    assert "voting.VoteReview" in models["stage-vote"]
    assert "ozgeris.OutboxMessage" in models["stage-system"]
    page = response.content.decode()
    for link in (reverse("staff_dashboard"), reverse("reporting:index"),
                 reverse("jury_panel:index"), reverse("jury_panel:results")):
        assert f'href="{link}"' in page
    assert "/static/css/fonts.css" in page and "/static/css/admin_theme.css" in page


@pytest.mark.django_db
def test_the_admin_index_lists_models_in_kazakh_alphabetical_order(client, staff):
    """Code points put Қ after Ш; the Kazakh alphabet puts it before."""
    response = admin_index(client, staff, "kk")

    events = next(app for app in response.context["app_list"]
                  if app["app_label"] == "stage-events")
    names = [str(model["name"]) for model in events["models"]]
    assert names.index("Қатысушылар") < names.index("Шарттар")
    # English says "evidence" for one and many; the index lists the many in Kazakh.
    assert {"Дәлелдер", "Қонақтардың пікірлері"} <= set(names)
