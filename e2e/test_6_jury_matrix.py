"""The juror's scoring matrix (issue 19): a juror signs in, lands on the jury panel's dashboard,
scores an application with the keyboard alone (Tab between criteria, Space and the arrow keys
on the scale), submits and is taken to the next application without the list. Then the
dashboard and the matrix in Russian and Kazakh at 1280 and 390 px: a screenshot each under
var/e2e/screens/6-jury-matrix/, and axe-core finds no serious or critical violation.

Runs on its own juror and applications, so the journeys before it (file order) do not matter.
"""

import re

import pytest
from playwright.sync_api import expect

from . import stages
from .helpers import AXE, axe_blocking, log_in

JUROR_EMAIL = "matrix-e2e@jury.example.kz"
WIDTHS = {1280: 900, 390: 844}
MAX_TABS = 80


@pytest.fixture(scope="module")
def matrix_juror(stack):
    """A second 2031 juror, seated by staff, with three fresh eligible applications."""
    from jury.configuration import seat_juror
    from jury.models import JuryMember

    current = stages.jury()
    stages.applications("eligible", count=3, nomination="health")
    user = stages.person(JUROR_EMAIL, "Marat Matrix")
    if not JuryMember.objects.filter(programme=current, user=user).exists():
        seat_juror(member=JuryMember(programme=current, user=user, affiliation="Independent"),
                   by=stages.staff_member())
    return user


def tab_to(page, test, what):
    """Press Tab until ``test`` (a JS function of the focused element) holds."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(element => ({test})(element))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {what}")


def focused_name(page):
    return page.evaluate("document.activeElement.name")


def test_juror_scores_with_the_keyboard_and_moves_to_the_next(new_page, matrix_juror):
    from jury.models import ScoreSheet

    page, shots = new_page("6-jury-matrix")
    log_in(page, email=JUROR_EMAIL, password=stages.PASSWORD, next_url="/jury/")
    page.wait_for_url(re.compile(r"/jury/$"))
    next_link = page.locator(".jury-card-next a.jury-button")
    expect(next_link).to_be_visible()
    shots(page, "dashboard")

    next_link.click()
    page.wait_for_url(re.compile(r"/jury/applications/\d+/$"))
    first = int(re.search(r"/applications/(\d+)/", page.url).group(1))
    expect(page.locator("#sheet-state")).to_have_class(re.compile("sheet-state-new"))
    legends = page.locator("fieldset.matrix-row > legend")
    criteria = legends.count()
    assert criteria >= 2

    # Keyboard alone: Tab into each criterion's scale, Space picks 1, the arrows move on.
    wanted = [4, 5, 3, 2, 1][:criteria]
    for number, value in enumerate(wanted):
        tab_to(page, "el => el.type === 'radio' && !el.closest('fieldset').dataset.done",
               f"criterion {number + 1}'s scale")
        name = focused_name(page)
        page.keyboard.press("Space")
        for _ in range(value - 1):
            page.keyboard.press("ArrowRight")
        page.evaluate("document.activeElement.closest('fieldset').dataset.done = '1'")
        expect(page.locator(f"input[name={name}]:checked")).to_have_value(str(value))
        page.keyboard.press("Tab")  # the criterion's comment
        page.keyboard.type(f"Comment {number + 1}")
    expect(page.locator(".matrix-unsaved")).not_to_be_empty()
    shots(page, "scored-by-keyboard")
    tab_to(page, "el => el.name === 'submit'", "the Submit button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Straight on to the next application to score, with the saved state said in words.
    page.wait_for_url(re.compile(r"/jury/applications/\d+/$"))
    following = int(re.search(r"/applications/(\d+)/", page.url).group(1))
    assert following != first
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#sheet-state")).to_have_class(re.compile("sheet-state-new"))
    shots(page, "next-application")
    sheet = ScoreSheet.objects.get(juror__user__email=JUROR_EMAIL, application_id=first)
    assert sheet.state == ScoreSheet.State.SUBMITTED
    assert [s.value for s in sheet.scores.order_by("criterion__order")] == wanted
    assert ScoreSheet.objects.filter(juror__user__email=JUROR_EMAIL,
                                     application_id=following).count() == 0

    page.goto(f"/jury/applications/{first}/")
    expect(page.locator("#sheet-state")).to_have_class(re.compile("sheet-state-submitted"))
    expect(page.locator("input[name=submit]")).to_have_count(0)
    shots(page, "submitted-sheet")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_panel_pages_in_each_language_and_width(new_page, matrix_juror, language):
    from applications.models import Application

    page, shots = new_page("6-jury-matrix-pages", language=language)
    log_in(page, email=JUROR_EMAIL, password=stages.PASSWORD, next_url="/jury/")
    page.add_init_script(path=str(AXE))
    to_score = (Application.objects.filter(programme__year=stages.YEAR, status="eligible",
                                           nomination__code="health")
                .exclude(score_sheets__juror__user__email=JUROR_EMAIL).order_by("pk").last())
    pages = {"dashboard": "/jury/", "matrix": f"/jury/applications/{to_score.pk}/"}
    found = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, url in pages.items():
            response = page.goto(url)
            assert response.status == 200, url
            assert page.locator("html").get_attribute("lang") == language
            # Nothing may stick out sideways on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            shots(page, f"{name}-{language}-{width}")
            found += [f"{name} {width}px: {line}"
                      for line in axe_blocking(page, f"jury-{name}-{language}-{width}")]
    assert not found, f"({language}):\n" + "\n".join(found)
