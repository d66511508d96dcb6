"""The working side's landing and the error pages (issue 19): staff sign in and land on their
dashboard, jurors on their panel; then the staff dashboard, the admin index and the error
pages (400, 403, 404, 500, CSRF failure) in Russian and Kazakh at 1280 and 390 px, each with a
screenshot under var/e2e/screens/5-working-side-<language>[-person]/ and axe-core finding no
serious or critical violation.

400, 403, 404 and the CSRF failure are the live server's answers to real requests; the 500
page is rendered by the test process (the server has no page that fails on purpose) and
served in place of one address, with its styles from the live server.
"""

import re

import pytest
from playwright.sync_api import expect

from . import stages
from .helpers import AXE, axe_blocking, log_in

WIDTHS = {1280: 900, 390: 844}
PERSON_EMAIL = "working-side-e2e@example.kz"


def check(page, url, name, language, width, shots, expected_status):
    """Open ``url``, screenshot it, and return its serious or critical axe findings."""
    response = page.goto(url) if url else None
    if response is not None:
        assert response.status == expected_status, (url, response.status)
    return audit(page, name, language, width, shots)


def audit(page, name, language, width, shots):
    assert page.locator("html").get_attribute("lang") == language
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    shots(page, f"{name}-{language}-{width}")
    return [f"{name} {width}px: {line}"
            for line in axe_blocking(page, f"working-{name}-{language}-{width}")]


def test_staff_land_on_their_dashboard_and_jurors_on_their_panel(new_page, stack):
    stages.programme()
    staff = stages.staff_member()
    juror = stages.seated_juror()

    page, shots = new_page("5-working-side-landing")
    log_in(page, email=staff.email, password=stages.PASSWORD, next_url="")
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator("h1")).to_be_visible()
    shots(page, "staff-landed")

    page, shots = new_page("5-working-side-landing")
    log_in(page, email=juror.email, password=stages.PASSWORD, next_url="")
    page.wait_for_url(re.compile(r"/jury/$"))
    shots(page, "juror-landed")


def server_error_page(language):
    from django.test import RequestFactory
    from django.utils import translation

    from ozgeris.errors import server_error

    with translation.override(language):
        return server_error(RequestFactory().get("/e2e-server-error/")).content.decode()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_working_side_and_error_pages_in_each_language_and_width(new_page, stack, language):
    stages.programme()
    staff = stages.staff_member()
    stages.person(PERSON_EMAIL, "Working Side")
    found = []

    page, shots = new_page(f"5-working-side-{language}", language=language)
    page.add_init_script(path=str(AXE))
    log_in(page, email=staff.email, password=stages.PASSWORD, next_url="/staff/")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        found += check(page, "/staff/", "staff-dashboard", language, width, shots, 200)
        found += check(page, "/admin/", "admin-index", language, width, shots, 200)
        found += check(page, "/no-such-page/", "404", language, width, shots, 404)

    page, shots = new_page(f"5-working-side-{language}-person", language=language)
    page.add_init_script(path=str(AXE))
    error_500 = server_error_page(language)
    page.route(f"{stack}/e2e-server-error/", lambda route: route.fulfill(
        status=500, content_type="text/html; charset=utf-8", body=error_500))
    log_in(page, email=PERSON_EMAIL, password=stages.PASSWORD, next_url="/profile/")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        found += check(page, "/staff/", "403", language, width, shots, 403)
        found += check(page, "/e2e-server-error/", "500", language, width, shots, 500)

        # A form whose CSRF token went stale: the portal's page, with the way back to it.
        page.goto("/profile/")
        page.evaluate("""() => {
            const form = document.querySelector("main form[method=post]");
            form.querySelector("[name=csrfmiddlewaretoken]").value = "x".repeat(64);
            form.requestSubmit();
        }""")
        page.wait_for_load_state()
        expect(page.locator("a[href$='/profile/']").first).to_be_visible()
        found += audit(page, "csrf", language, width, shots)

        # More fields than Django reads at once (DATA_UPLOAD_MAX_NUMBER_FIELDS): a 400.
        page.goto("/profile/")
        with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
            page.evaluate("""() => {
                const form = document.querySelector("main form[method=post]");
                for (let i = 0; i < 1100; i++) {
                    const field = document.createElement("input");
                    field.type = "hidden"; field.name = "f" + i; field.value = "1";
                    form.appendChild(field);
                }
                form.requestSubmit();
            }""")
        assert posted.value.status == 400
        page.wait_for_load_state()
        found += audit(page, "400", language, width, shots)
    assert not found, f"({language}):\n" + "\n".join(found)
