"""The read-only seats (issue 18): an observer reads the reports and the exports without
personal data; an auditor also the vote's audit file and the ledger's verification; neither
changes anything. The per-URL rows for both are in tests/test_access_matrix.py."""

import secrets

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ozgeris import reader_seats, two_factor
from ozgeris.permissions import AUDITOR_GROUP, OBSERVER_GROUP, is_reader
from ozgeris.registries import exporters
from reporting.models import ExportJob
from voting import audit_views, checkpoints, ledger, services
from voting.models import Vote
from voting.results import release_results

from .factories import close_vote

PERSONAL = sorted(item.name for item in exporters if item.personal_data)
OPEN_TO_BOTH = ["finalists", "report", "report-xlsx", "videos", "voting-stats",
                "winners-protocol"]


def _start(client, programme, exporter, **extra):
    return client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": exporter, "language": "ru", **extra})


def _offered(response):
    return [name for name, _label in response.context["form"].fields["exporter"].choices]


# The seats ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_seats_groups_exist_after_migrating_and_hold_no_permission():
    for name in (OBSERVER_GROUP, AUDITOR_GROUP):
        assert not Group.objects.get(name=name).permissions.exists()


@pytest.mark.django_db
def test_the_exports_marked_free_of_personal_data_are_the_expected_ones():
    """Written by hand: a new exporter is staff-only until someone marks it."""
    assert sorted(item.name for item in exporters if not item.personal_data) == sorted(
        [*OPEN_TO_BOTH, "votes"])
    assert [item.name for item in exporters if item.audit_file] == ["votes"]


@pytest.mark.django_db
def test_a_reader_who_is_also_staff_is_staff(observer):
    observer.is_staff = True
    observer.save()
    observer.groups.add(Group.objects.get(name="Programme staff"))
    observer.refresh_from_db()
    assert not is_reader(observer)
    assert reader_seats.may_read_export(observer, "participants", None)


@pytest.mark.django_db
@pytest.mark.parametrize(("seat", "landing"), [("observer", "/reports/"),
                                                ("auditor", "/vote/2031/audit/")])
def test_after_signing_in_each_seat_lands_on_its_page(client, request, open_programme, seat,
                                                      landing):
    user = request.getfixturevalue(seat)
    response = client.post(reverse("account_login"),
                           {"login": user.email, "password": "Correct-horse-7"})
    assert response.status_code == 302
    assert response["Location"] == landing


@pytest.mark.django_db
@pytest.mark.parametrize("seat", ["observer", "auditor"])
def test_two_factor_sign_in_binds_the_seats_as_it_binds_staff(client, request, settings,
                                                              open_programme, seat):
    settings.MFA_REQUIRED_FOR_STAFF = True
    user = request.getfixturevalue(seat)
    assert two_factor.is_required_for(user)
    client.force_login(user)
    for url in (reverse("reporting:index"), reverse("voting:audit", args=[2031])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


# The reports page ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_observer_is_offered_the_exports_without_personal_data_and_no_issuing(
        client, observer, open_programme):
    client.force_login(observer)
    response = client.get(reverse("reporting:index"))
    assert response.status_code == 200
    assert sorted(_offered(response)) == OPEN_TO_BOTH
    page = response.content.decode()
    assert reverse("reporting:issue") not in page
    assert reverse("voting:audit", args=[2031]) not in page


@pytest.mark.django_db
def test_the_auditor_is_also_offered_the_votes_file_and_a_link_to_the_audit(
        client, auditor, open_programme):
    client.force_login(auditor)
    response = client.get(reverse("reporting:index"))
    assert sorted(_offered(response)) == sorted([*OPEN_TO_BOTH, "votes"])
    assert reverse("voting:audit", args=[2031]) in response.content.decode()
    assert reverse("reporting:issue") not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("seat", ["observer", "auditor"])
@pytest.mark.parametrize("exporter", PERSONAL)
def test_no_seat_starts_an_export_with_personal_data(client, request, open_programme, seat,
                                                     exporter):
    client.force_login(request.getfixturevalue(seat))
    assert _start(client, open_programme, exporter).status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_the_votes_file_is_the_auditors_not_the_observers(
        client, observer, auditor, vote_programme, django_capture_on_commit_callbacks):
    close_vote(vote_programme)  # the file opens at the close (tests/test_vote_live_figures.py)
    client.force_login(observer)
    assert _start(client, vote_programme, "votes").status_code == 403
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, vote_programme, "votes")
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("reporting:job", args=[job.pk])
    job.refresh_from_db()
    assert client.get(reverse("reporting:download", args=[job.pk])).status_code == 200
    client.force_login(observer)
    for name in ("job", "job_status", "download"):
        assert client.get(reverse(f"reporting:{name}", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_observer_starts_and_downloads_the_finalists(
        client, observer, open_programme, django_capture_on_commit_callbacks):
    client.force_login(observer)
    with django_capture_on_commit_callbacks(execute=True):
        assert _start(client, open_programme, "finalists").status_code == 302
    job = ExportJob.objects.get()
    assert job.created_by == observer
    response = client.get(reverse("reporting:download", args=[job.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_seat_sees_and_opens_only_its_own_exports(
        client, staff, observer, open_programme, django_capture_on_commit_callbacks):
    """Staff's files are never a seat's: a staff member's grant report carries the appendices'
    personal data, and even a list of staff's exports names them."""
    from reporting.jobs import start_export

    with django_capture_on_commit_callbacks(execute=True):
        staffs = [start_export(programme=open_programme, exporter=name, language="ru",
                               by=staff) for name in ("participants", "finalists", "report")]
    client.force_login(observer)
    with django_capture_on_commit_callbacks(execute=True):
        _start(client, open_programme, "finalists")
    own = ExportJob.objects.get(created_by=observer)

    listed = client.get(reverse("reporting:index")).context["page"].object_list
    assert [item.pk for item in listed] == [own.pk]
    for job in staffs:
        for name in ("job", "job_status", "download"):
            assert client.get(reverse(f"reporting:{name}", args=[job.pk])).status_code == 404
    assert client.get(reverse("reporting:job", args=[own.pk])).status_code == 200


@pytest.mark.django_db
def test_a_seat_runs_one_export_at_a_time(client, observer, open_programme):
    client.force_login(observer)

    first = _start(client, open_programme, "finalists")  # queued: no worker runs it here
    second = _start(client, open_programme, "report")

    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == reverse("reporting:job", args=[job.pk])


@pytest.mark.django_db
def test_a_report_made_for_a_seat_carries_no_appendix_with_personal_data(demo_programme):
    """The grant report attaches its appendices' exports (jury members, guests, contracts);
    the copy a seat asks for leaves out every one the seat could not read itself."""
    import io

    from openpyxl import load_workbook

    from jury.models import JuryMember
    from reporting.companion import render_xlsx

    juror = JuryMember.objects.filter(programme=demo_programme).select_related("user").first()

    def cells(options):
        _name, _type, content = render_xlsx(demo_programme, options, lambda *args: None)
        book = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(str(value) for sheet in book.worksheets
                        for row in sheet.iter_rows(values_only=True) for value in row)

    assert juror.user.get_full_name() in cells({})
    assert juror.user.get_full_name() not in cells({"for_reader": True})


@pytest.mark.django_db
def test_the_votes_figures_open_to_the_observer_once_the_results_are_released(
        client, observer, staff, finalists, vote_programme):
    client.force_login(observer)
    response = _start(client, vote_programme, "voting-stats")
    assert response.status_code == 200
    assert "exporter" in response.context["form"].errors
    assert not ExportJob.objects.exists()

    close_vote(vote_programme)
    release_results(programme=vote_programme, by=staff)
    assert _start(client, vote_programme, "voting-stats").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("seat", ["observer", "auditor"])
def test_no_seat_issues_a_version_of_the_report(client, request, open_programme, seat):
    from reporting.models import ReportVersion

    client.force_login(request.getfixturevalue(seat))
    response = client.post(reverse("reporting:issue"), {"programme": 2031, "note": "x"})
    assert response.status_code == 403
    assert not ReportVersion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("seat", "shown"), [
    ("observer", False), ("auditor", False), ("staff", True)])
def test_who_issued_a_version_and_their_note_are_for_staff_only(
        client, request, open_programme, staff, seat, shown):
    from reporting.models import ReportVersion

    staff.display_name = "Issuing Officer"
    staff.save()
    ReportVersion.objects.create(programme=open_programme, number=1, issued_by=staff,
                                 note="internal: figures checked by phone")
    client.force_login(request.getfixturevalue(seat))

    page = client.get(reverse("reporting:index")).content.decode()

    assert "version 1" in page or "версия 1" in page
    assert ("Issuing Officer" in page) is shown
    assert ("figures checked by phone" in page) is shown


# The audit page --------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_audit_page_shows_the_verified_head_and_the_checkpoints(
        client, auditor, voter, finalists, vote_programme):
    services.cast_vote(voter=voter, finalist=finalists[0])
    services.seal_and_email_receipts(vote_programme.pk)
    signed = checkpoints.make_checkpoint(vote_programme)
    head = ledger.head(vote_programme)
    client.force_login(auditor)

    response = client.get(reverse("voting:audit", args=[2031]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    found = response.context["verification"]
    assert found.holds and found.position == head.sequence == 1
    assert found.head_digest == head.leaf == signed.digest
    assert found.checkpoint_count == 1 and found.counted == 1
    assert head.leaf in response.content.decode()


@pytest.mark.django_db
def test_the_audit_page_names_what_failed(client, auditor, voter, finalists, vote_programme):
    services.cast_vote(voter=voter, finalist=finalists[0])
    forged = Vote.objects.create(programme=vote_programme, finalist=finalists[1],
                                 receipt_hash=secrets.token_hex(32),
                                 secret=secrets.token_hex(32), cast_at=timezone.now())
    services.seal_and_email_receipts(vote_programme.pk)
    position = forged.ledger_entry.sequence
    client.force_login(auditor)

    response = client.get(reverse("voting:audit", args=[2031]))

    assert not response.context["verification"].holds
    problem = f"позиция {position}: у голоса нет связи с голосующим"  # the page's language
    assert problem in response.content.decode()


@pytest.mark.django_db
def test_the_audit_runs_the_verification_once_per_interval(
        client, auditor, staff, finalists, vote_programme, monkeypatch):
    runs = []
    real = ledger.verify
    monkeypatch.setattr(ledger, "verify", lambda programme: runs.append(1) or real(programme))
    client.force_login(auditor)
    for _ in range(3):
        assert client.get(reverse("voting:audit", args=[2031])).status_code == 200
    client.force_login(staff)
    assert client.get(reverse("voting:audit", args=[2031])).status_code == 200
    assert len(runs) == 1


@pytest.mark.django_db
def test_the_audit_holds_its_interval_while_the_cache_is_down(
        auditor, finalists, vote_programme, monkeypatch):
    """The shared cache fails open (a miss while Redis is down): the process remembers."""
    runs = []
    real = ledger.verify
    monkeypatch.setattr(ledger, "verify", lambda programme: runs.append(1) or real(programme))
    monkeypatch.setattr(audit_views.cache, "get", lambda key, default=None: default)
    for _ in range(2):
        audit_views.recent_verification(vote_programme)
    assert len(runs) == 1


@pytest.mark.django_db
def test_the_observer_may_not_open_the_audit_and_nobody_posts_to_it(
        client, observer, auditor, vote_programme):
    url = reverse("voting:audit", args=[2031])
    client.force_login(observer)
    assert client.get(url).status_code == 403
    client.force_login(auditor)
    assert client.post(url).status_code == 405
    assert client.get(reverse("voting:audit", args=[1999])).status_code == 404


# The demo -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_demo_has_a_login_for_each_seat():
    from ozgeris.demo import programme
    from ozgeris.models import User

    programme.seed(log=lambda message: None)
    logins = dict(programme.logins())
    for seat, group in (("observer", OBSERVER_GROUP), ("auditor", AUDITOR_GROUP)):
        user = User.objects.get(email=logins[seat])
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert not user.is_staff and user.check_password(programme.demo_password())


# An export sealed from some people (Exporter.sealed_for): the jury's scores and minutes from a
# juror of the edition, staff included, until its results are applied ----------------------

@pytest.fixture
def sealed_export(staff):
    """A stand-in export sealed from ``staff`` (the one who sits on the jury here) in every
    programme: the mechanism, whatever the exporter."""
    from ozgeris.registries import register_exporter

    register_exporter("sealed-for-test", title="Sealed", formats=["xlsx"],
                      render=lambda programme, options, progress: (
                          "sealed.txt", "text/plain", b"SECRET-REMARK"),
                      sealed_for=lambda user, programme: user.pk == staff.pk)
    yield "sealed-for-test"
    exporters.unregister("sealed-for-test")


@pytest.fixture
def other_staff(make_user):
    user = make_user(email="colleague@example.kz", is_staff=True)
    user.groups.add(Group.objects.get(name="Programme staff"))
    return user


@pytest.mark.django_db
def test_staff_do_not_read_an_export_sealed_from_them(staff, other_staff, open_programme,
                                                      sealed_export):
    assert not reader_seats.may_read_export(staff, sealed_export, open_programme)
    assert reader_seats.may_read_export(other_staff, sealed_export, open_programme)
    assert sealed_export not in reader_seats.offered_exporters(staff, open_programme)
    assert sealed_export in reader_seats.offered_exporters(other_staff, open_programme)


@pytest.mark.django_db
def test_the_reports_page_neither_offers_nor_starts_an_export_sealed_from_staff(
        client, staff, other_staff, open_programme, sealed_export):
    client.force_login(staff)
    assert sealed_export not in _offered(client.get(reverse("reporting:index")))
    assert "participants" in _offered(client.get(reverse("reporting:index")))

    response = _start(client, open_programme, sealed_export)  # a direct POST
    assert response.status_code == 200
    assert "exporter" in response.context["form"].errors
    assert not ExportJob.objects.exists()

    client.force_login(other_staff)
    assert sealed_export in _offered(client.get(reverse("reporting:index")))
    assert _start(client, open_programme, sealed_export).status_code == 302


@pytest.mark.django_db
def test_staff_do_not_open_a_colleagues_export_sealed_from_them(
        client, staff, other_staff, open_programme, sealed_export,
        django_capture_on_commit_callbacks):
    from reporting.jobs import start_export

    with django_capture_on_commit_callbacks(execute=True):
        job = start_export(programme=open_programme, exporter=sealed_export, language="ru",
                           by=other_staff)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    client.force_login(staff)
    for name in ("job", "job_status", "download"):
        assert client.get(reverse(f"reporting:{name}", args=[job.pk])).status_code == 404
    client.force_login(other_staff)
    assert client.get(reverse("reporting:download", args=[job.pk])).status_code == 200
