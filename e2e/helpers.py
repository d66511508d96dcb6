"""What the journeys share: reading the mail outbox, signing up, in and out, a small PDF."""

import json
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from .conftest import OUT

LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^\s>\"']+")
MAIL_SECONDS = 30


def wait_for(check, what, timeout=MAIL_SECONDS):
    """Poll the database (never the page) until ``check()`` returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def sent_mail(email, purpose):
    """The message of ``purpose`` to ``email`` once the Celery worker has sent it."""
    from ozgeris.models import OutboxMessage

    def sent():
        return (OutboxMessage.objects.filter(to__contains=[email], purpose=purpose,
                                             sent_at__isnull=False)
                .order_by("-created_at").first())

    return wait_for(sent, f"the {purpose} mail to {email} to leave the outbox")


def mail_file_mentions(mail_dir, text):
    """The file backend's copy of a sent message (var/e2e/var/mail/) that contains ``text``."""
    def found():
        for path in sorted(Path(mail_dir).glob("*.log")):
            if text in path.read_text(errors="replace"):
                return path
        return None

    return wait_for(found, f"a mail file mentioning {text}")


def confirmation_link(email):
    """The link the sign-up confirmation to ``email`` carried, read from the file backend's copy:
    the outbox keeps no account mail's text once it is sent."""
    sent_mail(email, "account:email_confirmation_signup")

    def found():
        for path in sorted((OUT / "var" / "mail").glob("*.log")):
            text = path.read_text(errors="replace")
            match = f"To: {email}" in text and LINK.search(text)
            if match:
                return match.group(0)
        return None

    return wait_for(found, f"the confirmation link to {email} in the mail files")


def sign_up(page, shots, *, email, password, name, next_url=""):
    """Sign up with consent, read the link from the outbox, confirm: signed in and verified."""
    page.goto(f"/accounts/signup/{next_url}")
    page.fill("input[name=display_name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.check("input[name=consent]")
    shots(page, "signup-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    shots(page, "verification-sent")
    link = confirmation_link(email)
    page.goto(link)
    shots(page, "confirm-email")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/confirm-email/" not in url)
    return link


def press(page, selector):
    """Click a submit button and wait for the page it leads to. The field typed in last is left
    first (as a person's click does): in headless Chromium the first synthetic click after
    filling a number field was lost, the form never posted."""
    button = page.locator(selector)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        button.click()


def log_in(page, *, email, password, next_url="/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.locator("form[action$='/logout/']").first).to_be_attached()


def log_out(page):
    page.click("form[action='/accounts/logout/'] button[type=submit]")
    expect(page.locator("a[href='/accounts/login/']").first).to_be_visible()


def messages_text(page):
    return " ".join(page.locator(".message, .messagelist li, [role=alert], [role=status]")
                    .all_inner_texts())


def small_pdf(title):
    """A small, valid one-page PDF made with WeasyPrint (the portal's own PDF engine)."""
    from weasyprint import HTML

    return HTML(string=f"<h1>{title}</h1><p>Ozgeris Ustasy e2e: {title}.</p>").write_pdf()


AXE = Path(__file__).parent / "assets" / "axe.min.js"
BLOCKING = ("serious", "critical")


def summary(violations):
    return [
        f"{item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(" ".join(node["target"]) if isinstance(node["target"][0], str)
                    else str(node["target"]) for node in item["nodes"][:6])
        + (f" (+{len(item['nodes']) - 6} more)" if len(item["nodes"]) > 6 else "")
        for item in violations
    ]


def axe_blocking(page, report):
    """Run axe (added to the page with ``page.add_init_script(path=AXE)``) on the page as it
    stands; its violations are kept in ``var/e2e/axe/<report>.json``; the serious and critical
    ones come back as readable lines."""
    result = page.evaluate("""async () => await axe.run(document, {
        resultTypes: ["violations"],
        preload: false,  // its CSS preload adds <style> elements the page's policy refuses
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                        "wcag22aa", "best-practice"]},
    })""")
    folder = OUT / "axe"
    folder.mkdir(exist_ok=True)
    (folder / f"{report}.json").write_text(
        json.dumps(result["violations"], ensure_ascii=False, indent=1))
    return summary([item for item in result["violations"] if item["impact"] in BLOCKING])
