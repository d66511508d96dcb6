"""Once the head digest is published no vote is taken, whatever the window says, and a vote
left out of the published head is not called counted; once the vote has opened, staff can no
longer move its opening (nor a passed close), so the ballot's rule stays fixed."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone

from ozgeris.admin import ProgrammeAdminForm
from ozgeris.models import Programme
from voting import results, services
from voting.models import Vote, VotingSettings

from .factories import close_vote
from .test_admin_forms_save import form_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OVER = "The public vote is over: its ledger is closed and no more votes are accepted."


def _reopen(programme):
    """Staff (or anyone writing the row) moving the close later after the head is
    published."""
    programme.voting_closes_at = timezone.now() + timedelta(days=1)
    programme.save(update_fields=["voting_closes_at"])


def _published_then_reopened(programme, voter, finalists):
    services.cast_vote(voter=voter, finalist=finalists[0])
    close_vote(programme)
    results.publish_head(programme)
    _reopen(programme)


# (A) No vote after the head -------------------------------------------------------------

def test_a_vote_is_refused_once_the_head_is_published_even_with_the_window_open_again(
        voter, make_user, finalists, vote_programme):
    _published_then_reopened(vote_programme, voter, finalists)

    with pytest.raises(services.VotingError, match=OVER):
        services.cast_vote(voter=make_user(email="late@example.kz"), finalist=finalists[1])

    assert Vote.objects.filter(programme=vote_programme).count() == 1


def test_the_vote_page_gives_the_refusal_after_the_head(client, voter, make_user, finalists,
                                                        vote_programme):
    _published_then_reopened(vote_programme, voter, finalists)
    client.cookies["ozgeris_language"] = "en"
    client.force_login(make_user(email="late@example.kz"))

    page = client.post(reverse("voting:vote", args=[finalists[1].pk]), follow=True)

    assert OVER in page.content.decode()
    assert Vote.objects.filter(programme=vote_programme).count() == 1


@pytest.mark.postgres
def test_postgresql_refuses_a_vote_inserted_after_the_head_with_the_window_open_again(
        voter, finalists, vote_programme):
    _published_then_reopened(vote_programme, voter, finalists)

    with pytest.raises(DatabaseError, match="head is published"), transaction.atomic():
        Vote.objects.create(programme=vote_programme, finalist=finalists[1],
                            receipt_hash="c" * 64, secret="d" * 64,
                            cast_at=timezone.now())


def test_the_receipt_of_a_vote_left_out_of_the_published_head_says_it_is_not_counted(
        client, voter, finalists, vote_programme, monkeypatch):
    """A vote committed between publish_head's seal and its publication: stored, never
    sealed."""
    ballot = services.cast_vote(voter=voter, finalist=finalists[0])
    close_vote(vote_programme)
    monkeypatch.setattr(results, "seal_and_email_receipts", lambda programme_id: 0)
    results.publish_head(vote_programme)
    client.cookies["ozgeris_language"] = "en"

    status = services.check_receipt(ballot.receipt)
    page = client.get(reverse("voting:receipt"), {"code": ballot.receipt}).content.decode()

    assert status.found and not status.sealed and status.not_counted
    assert "Not counted." in page
    assert "The vote is counted" not in page


def test_the_receipt_of_a_vote_not_yet_sealed_before_the_head_still_says_counted(
        client, voter, finalists, vote_programme):
    ballot = services.cast_vote(voter=voter, finalist=finalists[0])
    client.cookies["ozgeris_language"] = "en"

    page = client.get(reverse("voting:receipt"), {"code": ballot.receipt}).content.decode()

    assert not services.check_receipt(ballot.receipt).not_counted
    assert "The vote is counted; its place in the ledger appears within seconds." in page


# (B) The window once the vote has opened -------------------------------------------------

def _change_page(client, staff, programme):
    client.force_login(staff)
    client.cookies["ozgeris_language"] = "en"
    url = reverse("admin:ozgeris_programme_change", args=[programme.pk])
    return url, client.get(url)


def _post(client, url, page, **changes):
    """Post the change form back as a browser would, with ``changes`` (field: value)."""
    data = {}
    for field, value in [*form_fields(page.content.decode(), "programme_form"), ("_save", "")]:
        data.setdefault(field, []).append(value)
    data.update({field: [value] for field, value in changes.items()})
    return client.post(url, data)


def _split(moment):
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def _moved(field, moment):
    date, time = _split(moment)
    return {f"{field}_0": date, f"{field}_1": time}


def test_before_the_vote_opens_staff_move_both_ends_of_its_window(client, staff,
                                                                 open_programme):
    opens = open_programme.voting_opens_at + timedelta(days=1)
    url, page = _change_page(client, staff, open_programme)

    response = _post(client, url, page, **_moved("voting_opens_at", opens))

    assert 'name="voting_opens_at_0"' in page.content.decode()
    assert response.status_code == 302
    open_programme.refresh_from_db()
    assert open_programme.voting_opens_at == opens.replace(microsecond=0)


def test_once_the_vote_has_opened_its_opening_is_read_only_and_a_posted_one_is_ignored(
        client, staff, vote_programme):
    before = Programme.objects.get(pk=vote_programme.pk).voting_opens_at
    url, page = _change_page(client, staff, vote_programme)

    _post(client, url, page, **_moved("voting_opens_at", timezone.now() + timedelta(days=1)))

    assert 'name="voting_opens_at_0"' not in page.content.decode()
    assert 'name="voting_closes_at_0"' in page.content.decode()
    assert Programme.objects.get(pk=vote_programme.pk).voting_opens_at == before


def test_the_opening_stays_fixed_so_the_ballot_rule_cannot_be_unlocked(client, staff,
                                                                       vote_programme):
    """The reviewer's trick: move the opening into the future, tick one vote per nomination,
    move it back."""
    url, page = _change_page(client, staff, vote_programme)
    _post(client, url, page, **_moved("voting_opens_at", timezone.now() + timedelta(days=1)))
    current = services.settings_for(vote_programme)
    settings_url = reverse("admin:voting_votingsettings_change", args=[current.pk])

    settings_page = client.get(settings_url)
    client.post(settings_url, {"one_vote_per_nomination": "on", "statistics_until": ""})

    assert 'name="one_vote_per_nomination"' not in settings_page.content.decode()
    assert not VotingSettings.objects.get(pk=current.pk).one_vote_per_nomination


def test_while_the_vote_runs_its_close_moves_later_but_not_into_the_past(client, staff,
                                                                         vote_programme):
    url, page = _change_page(client, staff, vote_programme)
    later = vote_programme.voting_closes_at + timedelta(days=2)

    into_the_past = _post(client, url, page,
                          **_moved("voting_closes_at", timezone.now() - timedelta(minutes=5)))
    moved_later = _post(client, url, page, **_moved("voting_closes_at", later))

    assert into_the_past.status_code == 200
    assert "its close can only be moved to a moment still to come" in \
        into_the_past.content.decode()
    assert moved_later.status_code == 302
    assert Programme.objects.get(pk=vote_programme.pk).voting_closes_at == \
        later.replace(microsecond=0)


def test_once_the_vote_has_closed_its_close_is_read_only_too(client, staff, voter, finalists,
                                                             vote_programme):
    services.cast_vote(voter=voter, finalist=finalists[0])
    close_vote(vote_programme)
    closes = Programme.objects.get(pk=vote_programme.pk).voting_closes_at
    url, page = _change_page(client, staff, vote_programme)

    _post(client, url, page, **_moved("voting_closes_at", timezone.now() + timedelta(days=1)))

    assert 'name="voting_closes_at_0"' not in page.content.decode()
    assert Programme.objects.get(pk=vote_programme.pk).voting_closes_at == closes


def test_the_form_checks_the_stored_window_again_when_saved(vote_programme):
    """A page opened before the vote opened still shows the opening editable: the form refuses
    the change by the row as stored and the database's clock when it is posted."""
    form_class = modelform_factory(Programme, form=ProgrammeAdminForm,
                                   fields=["voting_opens_at", "voting_closes_at"])
    moment = "%Y-%m-%d %H:%M:%S"
    form = form_class(instance=vote_programme, data={
        "voting_opens_at": timezone.localtime(timezone.now() + timedelta(days=1)).strftime(
            moment),
        "voting_closes_at": timezone.localtime(vote_programme.voting_closes_at).strftime(
            moment)})

    assert not form.is_valid()
    assert "its opening can no longer be moved" in str(form.errors["voting_opens_at"])


def test_the_ballot_rule_locks_by_the_database_clock(client, staff, vote_programme,
                                                     monkeypatch):
    """A portal process whose clock runs behind the database's still sees the vote open."""
    current = services.settings_for(vote_programme)
    client.force_login(staff)
    behind = vote_programme.voting_opens_at - timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: behind)

    page = client.get(reverse("admin:voting_votingsettings_change", args=[current.pk]))

    assert page.status_code == 200
    assert 'name="one_vote_per_nomination"' not in page.content.decode()
