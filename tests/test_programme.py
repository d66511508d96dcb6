"""Programme stages, entered and enforced in Asia/Almaty (whose offset changed on 2024-03-01)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from applications.intake import intake_open_for
from ozgeris.models import Programme

ALMATY = ZoneInfo("Asia/Almaty")


def almaty(*args):
    return datetime(*args, tzinfo=ALMATY)


def programme_for(year):
    return Programme(
        year=year,
        title_ru="t",
        title_kk="t",
        title_en="t",
        intake_opens_at=almaty(year, 8, 20),
        intake_closes_at=almaty(year, 9, 23, 23, 59, 59),
        scoring_opens_at=almaty(year, 9, 24, 9),
        scoring_closes_at=almaty(year, 10, 1, 18),
        voting_opens_at=almaty(year, 10, 14, 10),
        voting_closes_at=almaty(year, 10, 31, 23, 59, 59),
        ceremony_at=almaty(year, 11, 15, 19),
    )


@pytest.mark.parametrize("year", [2019, 2026])
def test_the_intake_window_edges_are_almaty_time_whatever_the_offset(year):
    programme = programme_for(year)
    closes = almaty(year, 9, 23, 23, 59, 59)

    assert intake_open_for(programme, now=closes - timedelta(seconds=1))
    assert not intake_open_for(programme, now=closes)
    assert intake_open_for(programme, now=almaty(year, 8, 20))
    assert not intake_open_for(programme, now=almaty(year, 8, 20) - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("moment", "stage"),
    [
        ((2019, 8, 1), "announced"),
        ((2019, 9, 1), "intake"),
        ((2019, 9, 24, 8), "between"),
        ((2019, 9, 30), "scoring"),
        ((2019, 10, 20), "voting"),
        ((2019, 11, 15, 8), "ceremony"),
        ((2019, 11, 16), "finished"),
    ],
)
def test_the_current_stage_follows_the_dates(moment, stage):
    assert programme_for(2019).current_stage(almaty(*moment)) == stage


@pytest.mark.django_db
def test_stage_times_are_stored_in_utc_and_shown_in_almaty(demo_programme, client):
    stored = demo_programme.voting_opens_at
    assert stored.utcoffset() == timedelta(0)
    assert stored.astimezone(ALMATY).hour == 10
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "14 октября" in page


@pytest.mark.parametrize(
    ("moment", "key", "stage"),
    [
        ((2019, 8, 1), "announced", "intake"),
        ((2019, 9, 24, 8), "between", "scoring"),
        ((2019, 10, 20), "voting", "voting"),
        ((2019, 11, 20), "finished", None),
    ],
)
def test_the_header_names_the_running_or_next_stage(moment, key, stage):
    status_key, status_stage = programme_for(2019).stage_status(almaty(*moment))
    assert status_key == key
    assert (status_stage[0] if status_stage else None) == stage


@pytest.mark.django_db
def test_every_page_shows_the_programme_and_its_stage(client, demo_programme, time_machine):
    time_machine.move_to(almaty(2019, 10, 20, 12))

    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'class="programme-strip"' in page
    assert demo_programme.title_en in page
    strip = page.split('class="programme-strip"')[1].split("</div>")[0]
    assert "Now" in strip and "Public vote" in strip


def test_a_title_names_its_edition_year_once(demo_programme, client):
    other = programme_for(2031)

    assert other.title_with_year == "t (2031)"
    assert demo_programme.title_with_year == "Премия Ozgeris Ustasy 2019"
    page = client.get("/vote/2019/results/").content.decode()
    assert "Премия Ozgeris Ustasy 2019" in page and "2019 (2019)" not in page
