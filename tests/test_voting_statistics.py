"""Visitor and turnout statistics (first-party, no personal data), the vote's exports and the
2019 demo vote."""

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from ozgeris.registries import exporters
from voting import ledger, results, statistics
from voting.models import TrafficSource, VisitDay, Visitor
from voting.visitors import COOKIE, classify


def _progress(*args):
    pass


@pytest.mark.parametrize("referrer, utm_source, expected", [
    ("", "", TrafficSource.DIRECT),
    ("https://www.google.kz/search?q=ozgeris", "", TrafficSource.SEARCH),
    ("https://yandex.kz/", "", TrafficSource.SEARCH),
    ("https://l.facebook.com/l.php?u=x", "", TrafficSource.SOCIAL),
    ("https://www.instagram.com/ozgeris_ustasy/", "", TrafficSource.SOCIAL),
    ("https://salem-socialvillage.kz/premiya", "", TrafficSource.OTHER),
    ("", "instagram", TrafficSource.SOCIAL),
    ("https://ozgeris.kz/vote/", "", TrafficSource.DIRECT),
])
def test_the_traffic_source_class_of_a_first_visit(referrer, utm_source, expected):
    assert classify(referrer, utm_source, "", own_host="ozgeris.kz") == expected


@pytest.mark.django_db
def test_a_visitor_is_counted_when_the_cookie_comes_back(client, demo_programme):
    before = Visitor.objects.count()
    first = client.get(reverse("home"), HTTP_REFERER="https://www.instagram.com/p/x/")
    cookie = first.cookies[COOKIE].value
    assert re.fullmatch(r"[0-9a-f]{32}\.social\.0", cookie)
    assert Visitor.objects.count() == before  # a client without cookies writes nothing

    client.get(reverse("voting:finalists"))
    visitor = Visitor.objects.get(pk=cookie.split(".")[0])
    assert visitor.source == TrafficSource.SOCIAL
    assert VisitDay.objects.filter(visitor=visitor).count() == 1


@pytest.mark.django_db
def test_a_forged_cookie_is_replaced_not_stored(client, demo_programme):
    client.cookies[COOKIE] = "<script>.social.1"
    response = client.get(reverse("home"))
    assert re.fullmatch(r"[0-9a-f]{32}\.direct\.0", response.cookies[COOKIE].value)


@pytest.mark.django_db
def test_a_vote_remembers_the_visitor_for_the_conversion(client, finalists, voter):
    client.force_login(voter)
    url = reverse("voting:finalist", args=[finalists[0].pk])
    client.get(url)
    client.get(url)
    client.post(reverse("voting:vote", args=[finalists[0].pk]), {"age_bracket": "25-34"})

    stats = statistics.statistics(finalists[0].programme)
    assert stats.voters == 1 and stats.visitors_who_voted == 1
    assert stats.ages[1] == ("25–34", 1)


@pytest.mark.django_db
def test_the_demo_vote_reproduces_the_report(demo_programme):
    with translation.override("en"):
        stats = statistics.statistics(demo_programme)

    assert (stats.first_day, stats.last_day) == (date(2019, 10, 14), date(2019, 11, 17))
    assert stats.visitors == 5133
    assert stats.voters == 2047
    assert stats.average_time == "2:42"
    shares = {source: round(100 * n / stats.visitors, 1) for source, n in stats.sources}
    assert shares[TrafficSource.DIRECT] == 57.3
    assert shares[TrafficSource.SOCIAL] == 20.4
    assert shares[TrafficSource.SEARCH] == 18.5
    ages = {label: round(100 * n / stats.voters, 1) for label, n in stats.ages}
    assert ages == {"18–24": 27.0, "25–34": 37.3, "35–44": 14.6, "45–54": 14.4, "55+": 3.8,
                    "not given": 2.8}
    outcome = results.results(demo_programme, fresh=True)
    assert outcome.counted == 2047 and outcome.invalidated == 0
    assert len(outcome.winners) == 15
    assert min(row.votes for row in outcome.winners) > max(
        row.votes for row in outcome.rows if row not in outcome.winners)


@pytest.mark.django_db
def test_the_demo_ledger_verifies(demo_programme):
    problems, head, tally = ledger.verify(demo_programme)
    assert problems == []
    assert sum(tally.values()) == 2047
    assert head == demo_programme.voting_settings.head_digest
    out = io.StringIO()
    call_command("verify_ledger", "--programme", "2019", stdout=out)
    assert "The ledger verifies" in out.getvalue()


@pytest.mark.django_db
def test_the_votes_export_lets_an_auditor_recompute_the_chain(demo_programme):
    """From the file alone (no database): every leaf, the published head and the tally."""
    with translation.override("en"):
        _name, _type, content = exporters.get("votes").render(demo_programme, {}, _progress)
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(
        values_only=True))
    header, votes = rows[0], rows[1:]

    assert len(votes) == 2047
    assert header[0] == "Position" and "Per-vote secret" in header
    previous, tally = "0" * 64, {}
    for position, leaf, receipt, finalist, _name, _local, cast_at, secret, _status in votes:
        material = "|".join([previous, receipt, str(finalist), cast_at, secret])
        previous = hashlib.sha256(material.encode()).hexdigest()
        assert leaf == previous, position
        tally[finalist] = tally.get(finalist, 0) + 1
    assert previous == demo_programme.voting_settings.head_digest
    assert tally == results.tally(demo_programme, fresh=True)
    assert not any("@" in str(cell) for row in votes for cell in row)  # no personal data


@pytest.mark.django_db
def test_the_statistics_export_has_a_sheet_per_view(demo_programme):
    _name, _type, content = exporters.get("voting-stats").render(demo_programme, {}, _progress)
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert len(book.sheetnames) == 6
    by_day = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(by_day) == 1 + 35  # 14 October to 17 November


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
@pytest.mark.django_db
def test_the_winners_protocol_names_the_winners_and_the_head_digest(demo_programme, tmp_path):
    _name, _type, content = exporters.get("winners-protocol").render(demo_programme, {},
                                                                      _progress)
    path = tmp_path / "protocol.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert demo_programme.voting_settings.head_digest in text.replace("\n", "").replace(" ", "")
    assert "Salem Social Village" in text
    assert "2047" in text or "2 047" in text
