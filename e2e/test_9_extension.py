"""A deadline extension from the staff's side to the NGO's (issue 19): after the intake closed
the NGO's dashboard offers no new application; a staff member grants the organisation more time
in the admin (the organisation picked by typing its name); the NGO is told by mail and its
dashboard then offers to start an application, which opens. Screenshots under
var/e2e/screens/9-extension-*/.
"""

from datetime import timedelta

from playwright.sync_api import expect

from . import stages
from .helpers import log_in, press, sent_mail

ORGANISATION = "ОО «Продление E2E»"


def test_staff_grant_an_extension_and_the_ngo_may_start_an_application(new_page, stack):
    from django.utils import timezone

    from applications.models import DeadlineExtension
    from tests.factories import OrganisationFactory

    current = stages.jury()  # the intake closed two days ago
    staff = stages.staff_member()
    member = stages.person("extension-e2e@example.kz", "Extension E2E",
                           preferred_language="ru")
    OrganisationFactory(name=ORGANISATION, members=[member])

    ngo, ngo_shots = new_page("9-extension-ngo")
    log_in(ngo, email=member.email, password=stages.PASSWORD, next_url="/apply/")
    start = ngo.locator("a.button[href='/apply/new/']")
    expect(start).to_have_count(0)
    ngo_shots(ngo, "closed")

    admin, admin_shots = new_page("9-extension-staff")
    log_in(admin, email=staff.email, password=stages.PASSWORD,
           next_url="/admin/applications/deadlineextension/add/")
    admin.select_option("select[name=programme]", str(current.pk))
    admin.click(".field-organisation .select2-selection")
    admin.fill(".select2-search__field", "Продление")
    admin.locator(".select2-results__option", has_text=ORGANISATION).click()
    until = timezone.localtime(timezone.now() + timedelta(days=3))
    admin.fill("input[name=until_0]", until.strftime("%d.%m.%Y"))
    admin.fill("input[name=until_1]", "18:00:00")
    admin.fill("textarea[name=reason]", "Документы задержал банк")
    admin_shots(admin, "form")
    press(admin, "input[name=_save]")
    expect(admin.locator(".messagelist .success")).to_be_visible()
    admin_shots(admin, "saved")

    extension = DeadlineExtension.objects.get(programme=current, organisation__name=ORGANISATION)
    assert extension.granted_by == staff
    mail = sent_mail(member.email, "applications:extension_granted")
    assert ORGANISATION in mail.body

    ngo.goto("/apply/")
    expect(start).to_be_visible()
    ngo_shots(ngo, "extended")
    start.click()
    expect(ngo.locator("main form")).to_be_visible()
    ngo_shots(ngo, "start")
