"""The supporting-organisation nominations: one vote or a reasoned abstention per juror, the
plurality laureate, unanimity among those who voted, closing, the panel page."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jury import supporting
from jury.models import JuryMember, Nominee, NomineeVote
from jury.services import JuryError
from jury.supporting_views import supporting_page
from ozgeris import audit, registries
from ozgeris.models import Nomination

from .factories import juror

# Refusals are matched in English here; the catalogues are checked elsewhere.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def programme(open_programme):
    """Supporting-nomination votes need no jury stage."""
    return open_programme


@pytest.fixture
def csr(programme):
    return programme.nominations.get(code="csr")


def nominees(nomination, *names):
    return [Nominee.objects.create(nomination=nomination, name=name, order=order,
                                   description=f"{name}: programme")
            for order, name in enumerate(names, start=1)]


def supporting_nomination(programme, code, order=0):
    return Nomination.objects.create(programme=programme, code=code, kind="supporting",
                                     order=order, title_ru=code, title_kk=code, title_en=code)


def vote(member, nomination, nominee=None, reason=""):
    return supporting.cast_nominee_vote(juror=member, nomination=nomination, nominee=nominee,
                                        abstention_reason=reason, by=member.user)


def outcome_of(programme, nomination):
    return next(o for o in supporting.laureates(programme) if o.nomination == nomination)


@pytest.fixture
def jury_2019(programme, make_user):
    """The five members of the 2019 jury, Asanova chairing."""
    names = ["asanova", "temirbekov", "mukhamedzhanov", "mukina", "shah"]
    members = {name: juror(programme, make_user, name, order=order)
               for order, name in enumerate(names)}
    members["asanova"].role = JuryMember.Role.CHAIR
    members["asanova"].save()
    return members


# Outcomes ----------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("ballots", "laureate", "tied", "votes"), [
    (["Chevron", "Chevron", "ТШО"], "Chevron", [], {"Chevron": 2, "ТШО": 1, "Tele2": 0}),
    (["Chevron", "ТШО", None], None, ["Chevron", "ТШО"], {"Chevron": 1, "ТШО": 1, "Tele2": 0}),
], ids=["the-nominee-with-most-votes-wins", "a-tie-for-first-gives-no-laureate"])
def test_the_laureate_is_the_nominee_with_most_votes(programme, csr, make_user, ballots,
                                                     laureate, tied, votes):
    """Three jurors vote (None: abstains for a conflict); a tie for first names the tied."""
    named = {nominee.name: nominee for nominee in nominees(csr, "Chevron", "ТШО", "Tele2")}
    for name, ballot in zip("abc", ballots, strict=True):
        member = juror(programme, make_user, name)
        if ballot is None:
            vote(member, csr, reason="Conflict of interest")
        else:
            vote(member, csr, named[ballot])

    outcome = outcome_of(programme, csr)
    assert outcome.laureate == named.get(laureate)
    assert outcome.tied == [named[name] for name in tied]
    assert {nominee.name: count for nominee, count in outcome.votes.items()} == votes
    assert (outcome.voters, outcome.unanimous, outcome.closed) == (
        sum(ballot is not None for ballot in ballots), False, False)


@pytest.mark.django_db
def test_2019_csr_chevron_wins_unanimously_with_two_abstentions(programme, csr, jury_2019,
                                                               staff):
    chevron, tco, tele2, coca_cola = nominees(csr, "Chevron", "ТШО", "Tele2", "Coca Cola")
    members = jury_2019
    vote(members["temirbekov"], csr, reason="Eurasia Foundation is a Chevron grantee")
    vote(members["shah"], csr, reason="Possible conflict of interest")
    for name in ("asanova", "mukhamedzhanov", "mukina"):
        vote(members[name], csr, chevron)

    closed = supporting.close_nomination_vote(nomination=csr, by=members["asanova"].user)

    outcome = outcome_of(programme, csr)
    assert closed.laureate == outcome.laureate == chevron
    assert outcome.votes == {chevron: 3, tco: 0, tele2: 0, coca_cola: 0}
    assert (outcome.voters, outcome.unanimous, outcome.closed) == (3, True, True)
    assert outcome.abstentions == [
        (members["temirbekov"], "Eurasia Foundation is a Chevron grantee"),
        (members["shah"], "Possible conflict of interest")]
    entry = audit.history(csr).get(action="jury.nominee_vote_closed")
    assert entry.actor == members["asanova"].user
    assert (entry.details["laureate_name"], entry.details["unanimous"]) == ("Chevron", True)


@pytest.mark.django_db
def test_the_nominees_admin_counts_each_nominees_votes(programme, csr, jury_2019, client, staff):
    chevron, tco, _tele2 = nominees(csr, "Chevron", "ТШО", "Tele2")
    vote(jury_2019["shah"], csr, reason="Possible conflict of interest")
    for name in ("asanova", "mukina"):
        vote(jury_2019[name], csr, chevron)
    vote(jury_2019["temirbekov"], csr, tco)
    client.force_login(staff)

    page = client.get(f"/admin/jury/nominee/?nomination__id__exact={csr.pk}&o=-4").content.decode()

    assert re.findall(r'<td class="field-vote_count">(\d+)</td>', page) == ["2", "1", "0"]


@pytest.mark.django_db
def test_a_nomination_without_nominees_has_no_laureate(programme, staff):
    media = supporting_nomination(programme, "media", order=4)

    supporting.close_nomination_vote(nomination=media, by=staff)

    outcome = outcome_of(programme, media)
    assert (outcome.laureate, outcome.votes, outcome.tied) == (None, {}, [])
    assert (outcome.voters, outcome.unanimous, outcome.closed) == (0, False, True)
    assert supporting.nominations_awarded(programme) == 0


# Votes -------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_abstaining_without_a_reason_is_refused(programme, csr, make_user, reason):
    nominees(csr, "Chevron")
    member = juror(programme, make_user, "a")
    with pytest.raises(JuryError, match="reason"):
        vote(member, csr, reason=reason)
    assert not NomineeVote.objects.filter(nomination__programme=programme).exists()


@pytest.mark.django_db
def test_a_nominee_of_another_nomination_is_refused(programme, csr, make_user):
    nominees(csr, "Chevron")
    international = supporting_nomination(programme, "international", order=2)
    usaid, = nominees(international, "USAID")
    member = juror(programme, make_user, "a")
    with pytest.raises(JuryError):
        vote(member, csr, usaid)
    assert not NomineeVote.objects.filter(nomination__programme=programme).exists()


@pytest.mark.django_db
def test_only_supporting_nominations_of_the_jurors_programme_take_votes(
    programme, csr, demo_programme, make_user
):
    member = juror(programme, make_user, "a")
    with pytest.raises(JuryError):
        vote(member, programme.nominations.get(code="education"), reason="n/a")
    with pytest.raises(JuryError):
        vote(member, demo_programme.nominations.get(code="csr"), reason="n/a")


@pytest.mark.django_db
def test_a_second_vote_replaces_the_first_until_the_vote_is_closed(programme, csr, make_user,
                                                                  staff):
    chevron, tco = nominees(csr, "Chevron", "ТШО")
    member = juror(programme, make_user, "a")
    vote(member, csr, tco)
    vote(member, csr, chevron, reason="ignored with a vote")

    assert NomineeVote.objects.filter(nomination__programme=programme).get().nominee == chevron
    assert NomineeVote.objects.filter(nomination__programme=programme).get().abstention_reason == ""
    assert outcome_of(programme, csr).votes == {chevron: 1, tco: 0}

    supporting.close_nomination_vote(nomination=csr, by=staff)
    with pytest.raises(JuryError, match="closed"):
        vote(member, csr, tco)
    with pytest.raises(JuryError, match="closed"):
        supporting.cast_nominee_vote(juror=member, nomination=csr, nominee=tco, by=staff)
    assert NomineeVote.objects.filter(nomination__programme=programme).get().nominee == chevron


@pytest.mark.django_db
def test_only_staff_or_the_chair_close_and_only_once(programme, csr, jury_2019, staff):
    international = supporting_nomination(programme, "international", order=2)
    with pytest.raises(JuryError):
        supporting.close_nomination_vote(nomination=csr, by=jury_2019["shah"].user)
    assert not supporting.is_vote_closed(csr)

    supporting.close_nomination_vote(nomination=csr, by=jury_2019["asanova"].user)
    supporting.close_nomination_vote(nomination=international, by=staff)
    with pytest.raises(JuryError, match="already"):
        supporting.close_nomination_vote(nomination=csr, by=staff)
    assert supporting.is_vote_closed(csr) and supporting.is_vote_closed(international)


@pytest.mark.django_db
def test_staff_record_a_vote_on_a_jurors_behalf_and_the_log_says_so(programme, csr, make_user,
                                                                   staff):
    chevron, = nominees(csr, "Chevron")
    member, other = juror(programme, make_user, "a"), juror(programme, make_user, "b")
    with pytest.raises(JuryError):
        supporting.cast_nominee_vote(juror=member, nomination=csr, nominee=chevron,
                                     by=other.user)

    supporting.cast_nominee_vote(juror=member, nomination=csr, nominee=chevron, by=staff)
    vote(other, csr, chevron)

    entries = {e.details["juror"]: e for e in audit.history(csr).filter(
        action="jury.nominee_vote_cast")}
    assert (entries[member.pk].actor, entries[member.pk].details["on_behalf"]) == (staff, True)
    assert (entries[other.pk].actor, entries[other.pk].details["on_behalf"]) == (other.user,
                                                                                 False)
    assert NomineeVote.objects.get(juror=member).nominee == chevron


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 4])
def test_laureates_cost_a_constant_number_of_queries(programme, csr, make_user, staff, count):
    members = [juror(programme, make_user, f"j{i}") for i in range(3)]
    nominations = [csr] + [supporting_nomination(programme, f"s{i}", order=i)
                           for i in range(1, count)]
    for nomination in nominations:
        first, _second = nominees(nomination, "One", "Two")
        vote(members[0], nomination, first)
        vote(members[1], nomination, first)
        vote(members[2], nomination, reason="Conflict of interest")
    supporting.close_nomination_vote(nomination=csr, by=staff)
    supporting.laureates(programme)  # warm the content-type cache

    with CaptureQueriesContext(connection) as queries:
        outcomes = supporting.laureates(programme)
        assert [(o.laureate.name, o.unanimous, len(o.abstentions)) for o in outcomes] == [
            ("One", True, 1)] * count
    assert len(queries) == 4


# The grant report --------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_report_counts_closed_nominations_with_a_laureate(programme, csr, jury_2019,
                                                              staff):
    chevron, = nominees(csr, "Chevron")
    international = supporting_nomination(programme, "international", order=2)
    usaid, = nominees(international, "USAID")
    supporting_nomination(programme, "media", order=4)
    for name in ("asanova", "mukina"):
        vote(jury_2019[name], csr, chevron)
        vote(jury_2019[name], international, usaid)
    vote(jury_2019["shah"], csr, reason="Conflict of interest")
    supporting.close_nomination_vote(nomination=csr, by=staff)

    assert supporting.nominations_awarded(programme) == 1  # USAID's vote is still open
    columns, rows = supporting.laureates_table(programme)
    assert len(columns) == 4
    assert rows[0][1:3] == ("Chevron", 2) and rows[0][3]
    assert rows[1][1:] == ("—", "", "") and rows[2][1:] == ("—", "", "")


def test_register_adds_the_indicator_and_the_table():
    names = ("jury.supporting_nominations_awarded", "jury.supporting_laureates")
    already = names[0] in registries.indicator_sources
    if not already:
        supporting.register()
    try:
        assert registries.indicator_sources.get(names[0]) is supporting.nominations_awarded
        assert registries.table_sources.get(names[1]) is supporting.laureates_table
    finally:
        if not already:
            registries.indicator_sources.unregister(names[0])
            registries.table_sources.unregister(names[1])


# The panel page ----------------------------------------------------------------------------

def panel_request(user, method="get", data=None):
    request = getattr(RequestFactory(), method)("/panel/supporting/", data or {})
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = user
    return request


@pytest.mark.django_db
def test_a_juror_sees_the_nominees_and_votes_on_the_page(programme, csr, make_user):
    translation.activate("en")
    chevron, tco = nominees(csr, "Chevron", "ТШО")
    member = juror(programme, make_user, "a")

    page = supporting_page(panel_request(member.user), admin.site)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Chevron: programme" in content and "ТШО" in content
    assert 'name="choice"' in content and 'name="reason"' in content

    request = panel_request(member.user, "post", {"nomination": csr.pk, "choice": chevron.pk})
    response = supporting_page(request, admin.site)
    assert response.status_code == 302
    assert NomineeVote.objects.get(juror=member).nominee == chevron

    request = panel_request(member.user, "post",
                            {"nomination": csr.pk, "choice": "abstain", "reason": ""})
    supporting_page(request, admin.site)
    assert [m.level_tag for m in get_messages(request)] == ["error"]
    assert NomineeVote.objects.get(juror=member).nominee == chevron

    content = supporting_page(panel_request(member.user), admin.site).content.decode()
    assert f'value="{chevron.pk}" id="choice-{csr.pk}-{chevron.pk}" checked' in content


@pytest.mark.django_db
def test_the_page_shows_the_outcome_once_the_vote_is_closed(programme, csr, jury_2019):
    translation.activate("en")
    chevron, _tco = nominees(csr, "Chevron", "ТШО")
    vote(jury_2019["shah"], csr, reason="Possible conflict of interest")
    vote(jury_2019["mukina"], csr, chevron)
    chair = jury_2019["asanova"]
    vote(chair, csr, chevron)
    before = supporting_page(panel_request(chair.user), admin.site).content.decode()
    assert "unanimously" not in before and "Possible conflict of interest" not in before

    supporting_page(panel_request(chair.user, "post", {"nomination": csr.pk, "action": "close"}),
                    admin.site)

    after = supporting_page(panel_request(chair.user), admin.site).content.decode()
    assert supporting.is_vote_closed(csr)
    assert "unanimously" in after and "Possible conflict of interest" in after
    assert 'name="choice"' not in after


@pytest.mark.django_db
def test_staff_who_do_not_sit_on_the_jury_see_every_vote_read_only(programme, csr, make_user,
                                                                   staff):
    translation.activate("en")
    chevron, = nominees(csr, "Chevron")
    a, b = juror(programme, make_user, "aigerim"), juror(programme, make_user, "bolat")
    vote(a, csr, chevron)
    vote(b, csr, reason="Advises Chevron")

    content = supporting_page(panel_request(staff), admin.site).content.decode()
    assert "aigerim" in content and "bolat" in content and "Advises Chevron" in content
    assert 'name="choice"' not in content
    with pytest.raises(PermissionDenied):
        supporting_page(panel_request(staff, "post", {"nomination": csr.pk,
                                                      "choice": chevron.pk}), admin.site)


@pytest.mark.django_db
def test_the_page_is_for_jurors_and_staff_only(programme, csr, make_user):
    with pytest.raises(PermissionDenied):
        supporting_page(panel_request(make_user(email="voter@example.kz")), admin.site)
    with pytest.raises(PermissionDenied):
        supporting_page(panel_request(AnonymousUser()), admin.site)


@pytest.mark.django_db
def test_the_panel_url_serves_the_page_to_a_juror(client, programme, csr, make_user):
    chevron, = nominees(csr, "Chevron")
    member = juror(programme, make_user, "a")
    member.user.groups.add(Group.objects.get_or_create(name="Jury")[0])
    client.force_login(member.user)
    url = reverse("jury_panel:supporting")

    assert client.get(url).status_code == 200
    response = client.post(url, {"nomination": csr.pk, "choice": chevron.pk})
    assert (response.status_code, response.url) == (302, url)
    assert NomineeVote.objects.get(juror=member).nominee == chevron
