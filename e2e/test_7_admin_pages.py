"""Every page of the working side that matters (issue 19), in Russian and Kazakh at 1280 and
390 px: as the demo's programme staff, the admin index, each changelist it links to, the change
forms of applications, votes under review and meetings, an add form, the jury's progress and
results; as a juror, the jury panel's pages; and the error pages met there (403, 404, CSRF
failure; the 500 page is test_5's, the live server has no page that fails on purpose).

Each page gets a screenshot under var/e2e/screens/working-side/<page>-<language>-<width>.png,
axe-core finds no serious or critical violation on it, its HTML goes to the Nu Html Checker
(conftest's ``served_html``), and the page itself never scrolls sideways at 390 px (a wide
table may scroll inside its own box).
"""

import re

import pytest
from playwright.sync_api import expect

from . import stages
from .conftest import OUT
from .helpers import AXE, axe_blocking, log_in

LANGUAGES = ("ru", "kk")
WIDTHS = {1280: 900, 390: 844}
DEMO_STAFF = "staff@demo.ozgeris.kz"
FOLDER = OUT / "screens" / "working-side"
# The change forms the issue names, by their changelist's address.
CHANGE_FORMS = {
    "application": "/admin/applications/application/",
    "votereview": "/admin/voting/votereview/",
    "infomeeting": "/admin/events/infomeeting/",
    "partnermeeting": "/admin/events/partnermeeting/",
    "sitting": "/admin/jury/sitting/",
}
ADD_FORM = "/admin/events/infomeeting/add/"
# page -> the axe rules (serious or critical) it is known to still break, none of them on the
# pages the issue names. Django renders a changelist's editable cells (list_editable) and its
# split date and time inputs without a <label>; the tabular inlines have theirs
# (templates/admin/edit_inline/tabular.html).
KNOWN = {
    "jury-criterion": {"label"},
    "jury-nominee": {"label"},
    "jury-jurymember": {"label"},
    "events-faqentry": {"label"},
    "jury-sitting-change": {"label"},
}


def demo_password():
    from ozgeris.demo.programme import demo_password as password

    return password()


class WorkingSide:
    """Opens pages of one signed-in browser page and collects what is wrong with them."""

    def __init__(self, page, language):
        self.page = page
        self.language = language
        self.found = []
        FOLDER.mkdir(parents=True, exist_ok=True)

    def visit(self, url, name, status=200):
        """Open ``url`` at 1280 px, then look at it again at 390 px."""
        self.page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
        response = self.page.goto(url)
        assert response.status == status, (url, response.status)
        self.look(name)

    def look(self, name):
        """The page as it stands, at each width: screenshot, axe, sideways scroll."""
        assert self.page.locator("html").get_attribute("lang") == self.language, name
        for width, height in WIDTHS.items():
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.screenshot(path=str(FOLDER / f"{name}-{self.language}-{width}.png"),
                                 full_page=True)
            scroll = self.page.evaluate("document.scrollingElement.scrollWidth")
            if scroll > width + 1:
                self.found.append(f"{name} {width}px: the page scrolls sideways ({scroll} px)")
            cut = self.page.locator(".main-nav a").evaluate_all(
                "links => links.filter(link => link.getBoundingClientRect().right"
                " > document.documentElement.clientWidth + 1).map(link => link.textContent)")
            if cut:
                self.found.append(f"{name} {width}px: the menu is cut at the right edge: {cut}")
            self.found += [f"{name} {width}px: {line}" for line in axe_blocking(
                self.page, f"working-side-{name}-{self.language}-{width}")
                if line.split(" ", 1)[0] not in KNOWN.get(name, ())]
        self.page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})

    def links(self, selector):
        return self.page.locator(selector).evaluate_all(
            "links => links.map(link => link.getAttribute('href'))")


def name_of(url):
    return re.sub(r"[^a-z0-9]+", "-", url.removeprefix("/admin/").lower()).strip("-") or "index"


@pytest.fixture(scope="module")
def working_side(stack):
    """The current programme scoring, a juror seated with applications to score and a vote
    under review, so the jury's pages and each named change form have something to show."""
    from secrets import token_hex

    from django.db import connection, transaction

    from applications.models import Application
    from voting.models import Vote, VoteReview, VoteStatusChange

    if not VoteReview.objects.exists():
        # The database takes a vote only while the vote is open and its head unpublished; the
        # journeys before this one released the results, so the row is put in as the table's
        # owner could (the window trigger off for this one insert, in one transaction).
        current = stages.vote()
        finalist = stages.applications("finalist", count=1, nomination="ecology").get()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check left to ALTER
            cursor.execute("ALTER TABLE voting_vote DISABLE TRIGGER voting_vote_in_window")
            vote = Vote.objects.create(programme=current, finalist=finalist,
                                       receipt_hash=token_hex(32), secret=token_hex(32))
            cursor.execute("ALTER TABLE voting_vote ENABLE TRIGGER voting_vote_in_window")
        # The history first: a review's status is its history's last decision (0014). The
        # released results close the review (0015), so the decision goes in as the owner too.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            guards = [("voting_votestatuschange", "voting_votestatuschange_in_order"),
                      ("voting_votereview", "voting_votereview_follows_history")]
            for table, trigger in guards:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            VoteStatusChange.objects.create(vote=vote, previous="counted", status="under_review",
                                            reason="e2e: many votes from one address")
            VoteReview.objects.create(vote=vote, reason="e2e: many votes from one address")
            for table, trigger in guards:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        # Not a finalist any longer: the journeys after this one count the finalists.
        Application.objects.filter(pk=finalist.pk).update(status="not_selected")
    current = stages.jury()
    juror = stages.seated_juror()
    if not Application.objects.filter(programme=current, status="eligible",
                                      nomination__code="ecology").exists():
        stages.applications("eligible", count=2, nomination="ecology")
    return {"juror": juror, "programme": current}


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_admin_pages(new_page, working_side, language):
    page, _shots = new_page("working-side", language=language)
    page.add_init_script(path=str(AXE))
    log_in(page, email=DEMO_STAFF, password=demo_password(), next_url="/staff/")
    side = WorkingSide(page, language)
    side.visit("/staff/", "staff-dashboard")
    side.visit("/admin/", "admin-index")
    changelists = list(dict.fromkeys(side.links("#content-main th[scope=row] a")))
    assert len(changelists) >= 20, changelists
    for url in set(CHANGE_FORMS.values()):
        assert url in changelists, f"the admin index links no {url}"
    for url in changelists:
        side.visit(url, name_of(url))
        if url in CHANGE_FORMS.values():
            # The lists staff work in all day show every column at 1280 px, no sideways box.
            wide = page.evaluate("""() => { const table = document.querySelector('#result_list');
                return table ? table.scrollWidth - table.parentElement.clientWidth : 0; }""")
            if wide > 1:
                side.found.append(f"{name_of(url)} 1280px: the list is {wide} px wider than "
                                  "its box")
            rows = side.links("#result_list tbody th a")
            assert rows, f"{url} lists no row to open"
            side.visit(rows[0], name_of(url) + "-change")
    side.visit(ADD_FORM, name_of(ADD_FORM))
    side.visit("/jury/progress/", "jury-progress")
    side.visit("/jury/results/", "jury-results")

    # A change form whose CSRF token went stale: the portal's page, with the way back.
    page.goto(ADD_FORM)
    with page.expect_navigation() as answer:
        page.evaluate("""() => {
            const form = document.querySelector("#content-main form[method=post]");
            form.querySelector("[name=csrfmiddlewaretoken]").value = "x".repeat(64);
            form.requestSubmit();
        }""")
    assert answer.value.status == 403
    expect(page.locator(".error-page .error-code")).to_contain_text("403")
    expect(page.locator(".error-page .error-actions a.button").first).to_be_visible()
    side.look("csrf-admin")
    side.visit("/admin/no-such-page/", "404-admin", status=404)
    assert not side.found, f"({language}):\n" + "\n".join(side.found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_jury_panel_pages(new_page, working_side, language):
    from applications.models import Application

    page, _shots = new_page("working-side", language=language)
    page.add_init_script(path=str(AXE))
    log_in(page, email=working_side["juror"].email, password=stages.PASSWORD, next_url="/jury/")
    side = WorkingSide(page, language)
    side.visit("/jury/", "jury-dashboard")
    application = Application.objects.filter(programme=working_side["programme"],
                                             status="eligible").order_by("pk").first()
    side.visit(f"/jury/applications/{application.pk}/", "jury-matrix")
    side.visit("/jury/conflicts/", "jury-conflicts")
    side.visit("/jury/applications/0/", "404-jury", status=404)
    side.visit("/admin/", "403-admin-as-juror", status=403)
    assert not side.found, f"({language}):\n" + "\n".join(side.found)


# The portal's link colour and Django's dark one (static/css/admin_theme.css).
LIGHT_LINK, DARK_LINK = "rgb(10, 111, 156)", "rgb(129, 212, 250)"


@pytest.mark.parametrize(("system", "toggle", "link"), [
    ("light", "auto", LIGHT_LINK), ("dark", "auto", DARK_LINK),
    ("dark", "light", LIGHT_LINK), ("light", "dark", DARK_LINK),
])
def test_the_admin_follows_the_theme_toggle_and_the_system(new_page, system, toggle, link):
    """The admin's colours follow Django's theme toggle, and the system's setting when the
    toggle says auto: a staff member working at night with a dark system theme gets the dark
    colours that keep their contrast, not the portal's light ones on a dark page."""
    page, _shots = new_page("working-side")
    page.emulate_media(color_scheme=system)
    log_in(page, email=DEMO_STAFF, password=demo_password(), next_url="/admin/")
    # Where the toggle keeps its choice; the next page applies it before it paints (reading the
    # colour right after a click would catch the admin's colour transition half-way).
    page.evaluate("theme => localStorage.setItem('theme', theme)", toggle)
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == toggle
    colour = page.evaluate("""() => getComputedStyle(
        document.querySelector('#content-main th[scope=row] a')).color""")
    assert colour == link
