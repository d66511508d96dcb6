"""Every indicator of the 2019 report wired to the data: the 41 figures with their states on
the demo, the disagreements with the original listed once each, posts counted as the pages
count them, an audience of people (not views), document indicators that name their appendix
and never print a count, and no "demo" placeholder in anything a report prints."""

import re

import pytest

from events.models import ChannelSnapshot, Publication
from ozgeris.registries import indicator_sources, register_indicator, table_sources
from reporting import narrative, report
from reporting.models import Activity, Appendix, Indicator, Task
from reporting.services import (
    ACHIEVED,
    NO_DATA,
    NO_FIGURE,
    NOT_ACHIEVED,
    disagreements_with_original,
    evaluate,
)

pytestmark = pytest.mark.django_db

# The 41 indicators in the original's order: (source, what the data says). A document
# indicator's figure is True (recorded); "manual" is the one figure typed with its reason.
EXPECTED = [
    ("events.info_meetings", 7), ("", None), ("events.participants", 155),
    ("events.participant_list", True), ("events.meeting_regions", 7),
    ("events.meeting_programme", True), ("events.meeting_posts", 13),
    ("events.meeting_photos", 72), ("events.testimonials", 6), ("events.promo_videos", 2),
    ("events.promo_script", True), ("events.promo_video_1_views", 3789),
    ("events.promo_video_2_views", 14170), ("events.promo_video_channels", 3),
    ("events.viewer_testimonials", 2), ("events.posts", 52),
    ("applications.regulations", True), ("applications.nominations", 6),
    ("applications.submitted", 47), ("jury.minutes", True), ("jury.membership", True),
    ("events.page_reach", 95010), ("events.partner_meetings", 10), ("voting.platform", True),
    ("events.platform_concept", True), ("events.voting_videos", 30),
    ("events.voting_video_views", 645327), ("events.voting_video_channels", 4),
    ("", 72), ("voting.visitors", 5133), ("events.finalist_videos", 19),
    ("events.ceremony_script", True), ("events.ceremony_photos", 100), ("voting.winners", 15),
    ("events.contracts", 15), ("events.contracts_total", 7_500_000),
    ("events.ceremony_guests", 200), ("events.guest_list", True),
    ("events.press_releases", 1), ("events.guest_testimonials", 5),
    ("jury.supporting_nominations_awarded", 3),
]


def narrative_disagreements(programme):
    return [item for activity in Activity.objects.filter(task__programme=programme)
            for item in narrative.render(activity, programme).disagreements]


def test_the_41_indicators_on_the_demo_with_their_figures_and_states(demo_programme):
    rows = evaluate(demo_programme)

    assert [(row.indicator.source, row.actual) for row in rows] == EXPECTED
    states = [row.status for row in rows]
    assert states[1] == NO_FIGURE  # "Количество объявлений": the original gives no figure
    assert states[:1] + states[2:] == [ACHIEVED] * 40
    assert NO_DATA not in states


def test_document_indicators_are_met_by_their_document_and_name_its_appendix(demo_programme):
    documents = [row for row in evaluate(demo_programme)
                 if row.indicator.kind == Indicator.Kind.DOCUMENT]

    assert len(documents) == 10
    assert all(row.actual is True and row.status == ACHIEVED for row in documents)
    assert all(row.appendix is not None and row.appendix.number in range(1, 6)
               for row in documents)
    numbers = [row for row in evaluate(demo_programme)
               if row.indicator.kind == Indicator.Kind.NUMBER and row.actual is not None]
    assert not [row for row in numbers if isinstance(row.actual, bool)]


def test_a_document_never_reads_a_count_nor_a_number_a_yes(demo_programme):
    register_indicator("test.roster_size", lambda programme: 155)
    register_indicator("test.press_release", lambda programme: {"exists": True,
                                                                "evidence": "№5"})
    try:
        activity = Activity.objects.filter(task__programme=demo_programme).first()
        Indicator.objects.create(activity=activity, order=90, title_ru="Список",
                                 kind=Indicator.Kind.DOCUMENT, source="test.roster_size")
        Indicator.objects.create(activity=activity, order=91, title_ru="Пресс-релизы",
                                 target=1, source="test.press_release")
        rows = {row.indicator.title_ru: row for row in evaluate(demo_programme)}
    finally:
        indicator_sources.unregister("test.roster_size")
        indicator_sources.unregister("test.press_release")

    assert (rows["Список"].actual, rows["Список"].status) == (True, ACHIEVED)
    assert (rows["Пресс-релизы"].actual, rows["Пресс-релизы"].status) == (1, ACHIEVED)
    assert rows["Пресс-релизы"].evidence == "№5"


def test_each_disagreement_with_the_original_is_listed_once_with_both_figures(
        demo_programme):
    found = disagreements_with_original(evaluate(demo_programme),
                                        narrative_disagreements(demo_programme))

    pairs = [(item.source, item.typed, item.actual) for item in found]
    assert pairs == [
        ("events.participants", "140", 155),      # indicator and narrative: once
        ("events.meeting_regions", "5", 7),
        ("events.meeting_posts", "11", 13),
        ("jury.members", "5", 6),                 # the narrative's "5 members"
    ]
    # "более 1000" and "более 300000" are lower bounds the data exceeds: no disagreement.
    assert not {"events.page_reach", "events.voting_video_views"} & {p[0] for p in pairs}
    # The report prints that list, each with the data's figure.
    printed = report.context(demo_programme)["disagreements"]
    assert [(item.source, item.typed) for item, _figure in printed] == [p[:2] for p in pairs]


def test_a_figure_below_the_originals_is_a_disagreement_and_not_achieved(demo_programme):
    Publication.objects.filter(programme=demo_programme, subject="meeting").first().delete()
    rows = evaluate(demo_programme)

    posts = next(row for row in rows if row.indicator.source == "events.meeting_posts")
    assert (posts.actual, posts.status) == (12, ACHIEVED)
    ChannelSnapshot.objects.filter(programme=demo_programme, posts=26).update(posts=20)
    rows = evaluate(demo_programme)
    page_posts = next(row for row in rows if row.indicator.source == "events.posts")
    assert (page_posts.actual, page_posts.status) == (40, NOT_ACHIEVED)
    listed = {(item.source, item.typed, item.actual) for item in disagreements_with_original(rows)}
    assert ("events.posts", "52", 40) in listed


def test_posts_are_counted_as_the_pages_count_them_whatever_their_link(demo_programme):
    recorded = Publication.objects.filter(programme=demo_programme,
                                          kind=Publication.Kind.SOCIAL_POST).count()

    assert recorded == 36  # the posts the data records one by one, each with its link
    assert indicator_sources.get("events.posts")(demo_programme) == 26 + 26
    ChannelSnapshot.objects.filter(programme=demo_programme, posts__isnull=False).delete()
    assert indicator_sources.get("events.posts")(demo_programme) == recorded


def test_the_audience_is_people_reached_not_views_added_across_periods(demo_programme):
    reach = indicator_sources.get("events.page_reach")(demo_programme)
    views = indicator_sources.get("events.voting_video_views")(demo_programme)

    assert reach == 95010  # Facebook's reach of the page's posts, August-October 2019
    assert views == 645327  # the vote's videos: an indicator of its own
    assert "events.total_reach" not in indicator_sources


def test_no_source_output_for_the_demo_names_a_demo_placeholder(demo_programme):
    outputs = {name: indicator_sources.get(name)(demo_programme)
               for name in indicator_sources.names()}
    outputs |= {name: table_sources.get(name)(demo_programme) for name in table_sources.names()}

    found = {name: re.findall(r".{0,30}(?:демо|demo).{0,30}", str(value), re.I)
             for name, value in outputs.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_an_invented_framework_without_an_original_still_says_no_data(open_programme):
    task = Task.objects.create(programme=open_programme, number=1, title_ru="Задача")
    activity = Activity.objects.create(task=task, number=1, title_ru="Мероприятие")
    appendix = Appendix.objects.create(programme=open_programme, number=1, title_ru="№1")
    Indicator.objects.create(activity=activity, title_ru="Без цели", appendix=appendix,
                             source="events.info_meetings")
    Indicator.objects.create(activity=activity, order=1, title_ru="Из оригинала",
                             original_line=20, appendix=appendix)

    rows = evaluate(open_programme)

    assert [(row.indicator.title_ru, row.status) for row in rows] == [
        ("Без цели", NO_DATA), ("Из оригинала", NO_FIGURE)]
