"""The URL lists that group routes under a shared prefix with ``include([...])`` (the vote's
staff pages, the report jobs, the segment mail and the calendars) keep every address and name
they had when each route was written out in full: links in sent mail, subscribed calendars and
bookmarks point at these paths, so grouping is a way of writing the list, never a move."""

import pytest
from django.urls import resolve, reverse

ROUTES = [
    ("voting:dashboard", [2031], "/vote/2031/staff/"),
    ("voting:publish_head", [2031], "/vote/2031/staff/publish-head/"),
    ("voting:release", [2031], "/vote/2031/staff/release/"),
    ("voting:withdraw_release", [2031], "/vote/2031/staff/withdraw-release/"),
    ("voting:declare", [2031], "/vote/2031/staff/winners/"),
    ("reporting:applications_overview", [2031], "/reports/2031/applications/"),
    ("reporting:job", [5], "/reports/jobs/5/"),
    ("reporting:job_status", [5], "/reports/jobs/5/status/"),
    ("reporting:download", [5], "/reports/jobs/5/download/"),
    ("segment_mail:list", [], "/staff/messages/"),
    ("segment_mail:compose", [], "/staff/messages/new/"),
    ("segment_mail:detail", [6], "/staff/messages/6/"),
    ("segment_mail:unsubscribe", ["t0k"], "/unsubscribe/t0k/"),
    ("calendar_public", [2031], "/calendar/2031.ics"),
    ("calendar_personal", [2031, "t0k"], "/calendar/2031/t0k.ics"),
    ("calendar_revoke", [], "/calendar/revoke/"),
]


@pytest.mark.parametrize(("name", "args", "path"), ROUTES, ids=[name for name, *_ in ROUTES])
def test_a_grouped_route_keeps_its_path_and_name(name, args, path):
    assert reverse(name, args=args) == path
    match = resolve(path)
    assert match.view_name == name
    assert match.args == () and [str(value) for value in match.kwargs.values()] == [
        str(value) for value in args]
