"""The four journeys of issue 8, in the order the award runs them, on one programme (2031)
that e2e/stages.py moves from stage to stage: an NGO applies, a juror scores, a voter votes,
staff release the results and build the report. Each step's screenshot is kept under
var/e2e/screens/<journey>/.
"""

import re
from urllib.parse import urlparse

from playwright.sync_api import expect

from . import stages
from .conftest import OUT
from .helpers import (
    log_in,
    log_out,
    mail_file_mentions,
    press,
    sent_mail,
    sign_up,
    small_pdf,
)

NGO_EMAIL = "aigul@shanyrak-e2e.kz"
VOTER_EMAIL = "voter.nurlan@mail-e2e.kz"


def test_ngo_applies_over_two_visits(new_page, tmp_path):
    from applications.models import Application
    from tests.factories import valid_bin

    stages.intake()
    page, shots = new_page("1-ngo")
    page.goto("/apply/")
    shots(page, "apply-anonymous")
    page.click("main a[href^='/accounts/signup/']")
    link = sign_up(page, shots, email=NGO_EMAIL, password=stages.PASSWORD,
                   name="Айгүл Серікқызы", next_url="?next=/apply/")
    # The worker sent it: the file backend's copy under var/e2e/var/mail/ has the same link.
    mail_file_mentions(OUT / "var" / "mail", link)

    # The organisation.
    page.goto("/apply/")
    page.click("main a[href='/apply/organisations/new/']")
    page.fill("input[name=name]", "ОО «Шаңырақ E2E»")
    page.select_option("select[name=legal_form]", "OO")
    page.fill("input[name=bin]", valid_bin(9001))
    page.select_option("select[name=region]", label="Алматы")
    page.fill("input[name=city]", "Алматы")
    page.fill("input[name=contact_person]", "Айгүл Серікқызы")
    page.fill("input[name=contact_email]", NGO_EMAIL)
    page.fill("input[name=phone]", "+7 701 123 45 67")
    page.fill("input[name=year_founded]", "2014")
    shots(page, "organisation-form")
    press(page, "main form button[type=submit]")
    page.wait_for_url(re.compile(r"/apply/organisations/\d+/$"))
    shots(page, "organisation-created")

    # The application, first visit: the project and its beneficiaries, saved as a draft.
    page.goto("/apply/")
    page.click("main a[href='/apply/new/']")
    page.select_option("select[name=nomination]", index=1)
    shots(page, "start-application")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/apply/\d+/$"))
    page.fill("input[name=project_title]", "Шеберхана «Қолөнер»")
    page.fill("textarea[name=social_problem]", "Young people with disabilities have few jobs.")
    page.fill("textarea[name=solution]", "A felt workshop that trains and employs them.")
    page.fill("textarea[name=beneficiaries]", "Young people with disabilities in Almaty")
    page.fill("input[name=beneficiaries_count]", "40")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r"/apply/\d+/$"))
    expect(page.locator("input[name=project_title]")).to_have_value("Шеберхана «Қолөнер»")
    shots(page, "draft-saved-first-visit")
    edit_url = page.url
    log_out(page)
    shots(page, "logged-out")

    # Second visit: back in, the draft is as it was left; the rest, the documents, submit.
    log_in(page, email=NGO_EMAIL, password=stages.PASSWORD, next_url="/apply/")
    shots(page, "dashboard-second-visit")
    page.click(f"main table a[href='{urlparse(edit_url).path}']")
    page.wait_for_url(edit_url)
    expect(page.locator("textarea[name=solution]")).to_have_value(
        "A felt workshop that trains and employs them.")
    for name, value in {
        "textarea[name=impact_evidence]": "12 graduates employed in 2030.",
        "textarea[name=products]": "Felt souvenirs",
        "textarea[name=customers]": "Tourists and companies",
        "textarea[name=prices]": "2 000–15 000 ₸",
        "textarea[name=sales_channels]": "Shops, Instagram",
        "input[name=years_in_operation]": "6",
        "textarea[name=team]": "Five staff",
        "input[name=financial_year]": "2030",
        "input[name=total_income]": "10000000",
        "input[name=entrepreneurial_income]": "3000000",
    }.items():
        page.fill(name, value)
    expect(page.locator("#share-value")).to_have_text(re.compile(r"30"))
    for kind in ("balance_sheet", "tax_certificate", "creditor_certificate"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(small_pdf(kind.replace("_", " ")))
        page.set_input_files(f"input[name=doc_{kind}]", str(path))
    shots(page, "complete-with-documents")
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r"/apply/$"))
    shots(page, "submitted-status")
    status = page.locator("main .status-submitted")
    expect(status).to_have_count(1)

    application = Application.objects.get(organisation__bin=valid_bin(9001))
    assert application.status == "submitted"
    assert sorted(application.documents.values_list("kind", flat=True)) == [
        "balance_sheet", "creditor_certificate", "tax_certificate"]
    assert all(d.content_type == "application/pdf" for d in application.documents.all())
    confirmation = sent_mail(NGO_EMAIL, "applications:submitted")
    assert confirmation.subject
    page.goto(edit_url)
    shots(page, "application-after-submission")
    expect(page.locator("a[href$='/copy.pdf']")).to_be_visible()


def test_juror_declares_a_conflict_and_scores_the_rest(new_page):
    from applications.models import Application
    from jury.models import Conflict, ScoreSheet

    stages.jury()
    # The NGO's application passed screening; two more from other organisations join it.
    stages.move(["submitted"], "eligible")
    if Application.objects.filter(programme__year=stages.YEAR, status="eligible").count() < 3:
        stages.applications("eligible", count=2)
    juror = stages.seated_juror()
    to_score = Application.objects.filter(programme__year=stages.YEAR, status="eligible")
    count = to_score.count()

    page, shots = new_page("2-juror")
    log_in(page, email=juror.email, password=stages.PASSWORD, next_url="/jury/")
    page.wait_for_url(re.compile(r"/jury/$"))
    expect(page.locator("#content table tbody tr")).to_have_count(count)
    shots(page, "panel")

    # The first application: a link to the organisation; declare the conflict.
    page.click("#content table tbody tr >> nth=0 >> a")
    page.wait_for_url(re.compile(r"/jury/applications/\d+/$"))
    conflicted = int(re.search(r"/applications/(\d+)/", page.url).group(1))
    shots(page, "first-application")
    page.fill("textarea[name=reason]", "My sister chairs this organisation's board.")
    press(page, f"form[action='/jury/applications/{conflicted}/conflict/'] input[type=submit]")
    expect(page.locator("form[action$='/conflict/']")).to_have_count(0)
    expect(page.locator("input[name=submit]")).to_have_count(0)
    shots(page, "conflict-declared")

    # Score the rest from the panel's list.
    page.goto("/jury/")
    shots(page, "panel-after-conflict")
    links = [href for href in page.locator("#content table tbody a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
        if href != f"/jury/applications/{conflicted}/"]
    assert len(links) == count - 1
    scored = []
    for number, href in enumerate(links, start=1):
        page.goto("/jury/")
        page.click(f"#content table a[href='{href}']")
        page.wait_for_url(re.compile(rf"{href}$"))
        for radio in page.locator("input[type=radio][value='4']").all():
            radio.check()
        page.fill("textarea[name=overall_comment]", "A strong, sustainable model.")
        shots(page, f"scoring-{number}")
        press(page, "input[name=submit]")
        scored.append(int(href.rstrip("/").rsplit("/", 1)[1]))
    page.goto("/jury/")
    expect(page.locator("#content")).to_contain_text(f"{count - 1} / {count - 1}")
    shots(page, "all-scored")

    conflict = Conflict.objects.get(juror__user=juror, application_id=conflicted)
    assert conflict.reason.startswith("My sister")
    sheets = ScoreSheet.objects.filter(juror__user=juror, state=ScoreSheet.State.SUBMITTED)
    assert sorted(sheets.values_list("application_id", flat=True)) == sorted(scored)
    assert conflicted not in scored


def test_voter_votes_checks_the_receipt_and_cannot_vote_twice(new_page):
    from applications.models import Application
    from voting.models import Vote

    stages.vote()
    # The jury's cut: the scored applications are the finalists.
    stages.move(["eligible"], "finalist")
    finalists = Application.objects.filter(programme__year=stages.YEAR, status="finalist")
    if finalists.count() < 2:
        stages.applications("finalist", count=2)
    before = Vote.objects.count()

    page, shots = new_page("3-voter")
    page.goto("/vote/")
    cards = page.locator("main a[href^='/vote/finalists/']")
    expect(cards.first).to_be_visible()
    shots(page, "finalists")
    cards.first.click()
    page.wait_for_url(re.compile(r"/vote/finalists/\d+/$"))
    finalist_url = page.url
    shots(page, "finalist-anonymous")
    page.click(".vote-box a[href^='/accounts/signup/']")
    sign_up(page, shots, email=VOTER_EMAIL, password=stages.PASSWORD, name="Нұрлан")
    page.goto(finalist_url)
    vote_form = page.locator(".vote-box form")
    expect(vote_form).to_be_visible()
    # A second tab left open on another finalist's page, to try a second vote from it.
    other = page.context.new_page()
    other.goto("/vote/")
    other.click(f"main a[href^='/vote/finalists/']:not([href='{urlparse(finalist_url).path}'])"
                " >> nth=0")
    other.wait_for_url(re.compile(r"/vote/finalists/\d+/$"))
    expect(other.locator(".vote-box form")).to_be_visible()

    page.select_option("select[name=age_bracket]", index=2)
    page.select_option("select[name=region]", index=1)
    shots(page, "vote-form")
    vote_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/vote/receipt/"))
    receipt = page.locator("input[name=code]").input_value()
    assert receipt
    expect(page.locator(".message-success")).to_contain_text(receipt)
    shots(page, "receipt")

    # Check it as anyone would, in the receipt form: counted once the worker sealed it.
    checker, _unused = new_page("3-voter")
    checker.goto("/vote/receipt/")
    checker.fill("input[name=code]", receipt)
    checker.click("main form button[type=submit]")
    for _ in range(40):
        if checker.locator(".receipt-result code.leaf").count():
            break
        checker.wait_for_timeout(500)
        checker.reload()
    expect(checker.locator(".receipt-result code.leaf")).to_be_visible()
    shots(checker, "receipt-checked-anonymously")

    # The second vote, from the tab left open: told kindly. The first vote is sealed and its
    # receipt mailed, so the portal keeps only the receipt's hash and cannot show it again.
    other.select_option("select[name=region]", index=2)
    other.locator(".vote-box form button[type=submit]").click()
    other.wait_for_url(re.compile(r"/vote/finalists/\d+/$"))
    expect(other.locator(".message-info")).to_be_visible()
    expect(other.locator("main")).not_to_contain_text(receipt)
    shots(other, "second-vote-refused-kindly")
    other.goto(finalist_url)
    expect(other.locator(".vote-box a[href='/vote/receipt/']")).to_be_visible()
    expect(other.locator(".vote-box form")).to_have_count(0)
    shots(other, "finalist-already-voted")
    assert Vote.objects.count() == before + 1


def test_staff_release_results_declare_winners_and_download_the_report(new_page):
    from applications.models import Application
    from reporting.models import ExportJob
    from voting.results import top_per_nomination

    stages.vote_closed()
    staff = stages.staff_member()
    page, shots = new_page("4-staff")
    log_in(page, email=staff.email, password=stages.PASSWORD,
           next_url=f"/vote/{stages.YEAR}/staff/")
    page.wait_for_url(re.compile(rf"/vote/{stages.YEAR}/staff/$"))
    shots(page, "vote-dashboard-closed")

    press(page, f"form[action='/vote/{stages.YEAR}/staff/release/'] button")
    expect(page.locator(".message-success")).to_be_visible()
    shots(page, "results-released")

    # One winner per nomination: the page suggests the top finalist by votes, staff declare.
    page.fill("form.filter-row input[name=top]", "1")
    press(page, "form.filter-row button[type=submit]")
    checked = page.locator("input[name=winners]:checked")
    expect(checked).to_have_count(1)
    shots(page, "top-finalist-suggested")
    press(page, f"form[action='/vote/{stages.YEAR}/staff/winners/'] button[type=submit]")
    expect(page.locator(".message-success")).to_be_visible()
    shots(page, "winners-declared")
    winners = Application.objects.filter(programme__year=stages.YEAR, status="winner")
    assert [w.pk for w in winners] == [a.pk for a in top_per_nomination(winners[0].programme, 1)]

    page.goto(f"/vote/{stages.YEAR}/results/")
    shots(page, "public-results")
    page.goto(f"/laureates/{stages.YEAR}/")
    shots(page, "public-laureates")
    # The head signed at the close, for anyone to keep outside the database.
    page.goto(f"/vote/{stages.YEAR}/checkpoints/")
    expect(page.locator("main table")).to_contain_text("при закрытии")
    shots(page, "public-checkpoints")

    # A correction after the release: released totals are frozen, so staff withdraw the
    # release with a reason, which the public results page then shows; then release again.
    page.goto(f"/vote/{stages.YEAR}/staff/")
    page.locator("details.withdraw-release summary").click()
    page.fill("details.withdraw-release textarea[name=reason]", "Повторная проверка двух голосов.")
    shots(page, "release-withdrawal-form")
    press(page, f"form[action='/vote/{stages.YEAR}/staff/withdraw-release/'] "
                "button[type=submit]")
    expect(page.locator(".message-success")).to_be_visible()
    page.goto(f"/vote/{stages.YEAR}/results/")
    expect(page.locator(".message-warning")).to_contain_text("Повторная проверка двух голосов.")
    shots(page, "public-results-withdrawn")
    page.goto(f"/vote/{stages.YEAR}/staff/")
    press(page, f"form[action='/vote/{stages.YEAR}/staff/release/'] button")
    expect(page.locator(".message-success")).to_be_visible()

    # The grant report (the demo's 2019 one: its framework is complete and it takes a few
    # seconds, so the bar is seen moving): started on /reports/, the progress bar moves as
    # the worker reports, the PDF downloads. Every value the bar takes is recorded.
    page.add_init_script("""
        window.__progress = [];
        setInterval(() => {
            const bar = document.getElementById("export-progress");
            if (bar && window.__progress.at(-1) !== bar.value) window.__progress.push(bar.value);
        }, 50);
    """)
    page.goto("/reports/")
    page.select_option("select[name=programme]", "2019")
    page.select_option("select[name=exporter]", "report")
    page.select_option("select[name=language]", "ru")
    shots(page, "reports-form")
    press(page, "main form.form button.button-gold")
    assert re.search(r"/reports/jobs/\d+/$", page.url)
    shots(page, "progress-started")
    download_link = page.locator("#export-download a")
    page.wait_for_function("""() => {
        const bar = document.getElementById("export-progress");
        return (bar.value > 0 && bar.value < 100)
            || !document.getElementById("export-download").hidden;
    }""", timeout=120_000)
    if not download_link.is_visible():
        shots(page, "progress-moving")
    expect(download_link).to_be_visible(timeout=120_000)
    expect(page.locator("#export-progress")).to_have_js_property("value", 100)
    shots(page, "report-ready")
    with page.expect_download() as info:
        download_link.click()
    path = OUT / "report.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    job = ExportJob.objects.order_by("-pk").first()
    assert (job.programme.year, job.exporter, job.state) == (2019, "report", "done")
    seen = page.evaluate("window.__progress")
    print(f"progress bar values: {seen}")
    assert seen[-1] == 100 and any(0 < value < 100 for value in seen), seen
