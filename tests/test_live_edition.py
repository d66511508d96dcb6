"""A live edition to try (issue 19): seed_demo makes this year's edition from 2019 through
copy_programme and sets its stages around today, while the 2019 demo stays as it is."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from applications import intake
from ozgeris import registries
from ozgeris.demo import live
from ozgeris.demo.programme import demo_password, facts
from ozgeris.models import OutboxMessage, Programme


def seed(*options):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", *options, stdout=out)
    return out.getvalue()


def stages(programme):
    return [getattr(programme, f"{stage}_{edge}") for stage in ("intake", "scoring", "voting")
            for edge in ("opens_at", "closes_at")] + [programme.ceremony_at]


@pytest.mark.django_db
@pytest.mark.parametrize(("phase", "stage"), [
    ("intake", "intake"), ("jury", "scoring"), ("voting", "voting")])
def test_the_live_edition_is_in_the_phase_asked_for_and_the_2019_demo_untouched(
    demo_programme, phase, stage
):
    before = stages(demo_programme)

    seed("--phase", phase)

    live = Programme.objects.current()
    assert live.year == timezone.localdate().year
    assert live.current_stage() == stage
    assert stages(Programme.objects.get(year=2019)) == before
    assert sorted(live.nominations.values_list("code", flat=True)) == sorted(
        item["code"] for item in facts()["nominations"])


@pytest.mark.django_db
def test_the_results_phase_has_the_vote_closed(demo_programme):
    seed("--phase", "results")

    live = Programme.objects.current()
    assert live.voting_closes_at < timezone.now() < live.ceremony_at


@pytest.mark.django_db
def test_make_runs_live_option_creates_the_edition_once_and_then_leaves_it(demo_programme):
    seed("--live")
    assert Programme.objects.current().current_stage() == "intake"

    seed("--phase", "jury")
    seed("--live")

    assert Programme.objects.current().current_stage() == "scoring"


@pytest.mark.django_db
def test_the_demo_applicant_can_start_an_application_right_after(client, demo_programme):
    seed("--live")
    applicant = facts()["demo_accounts"]["applicant"]["email"]
    client.login(email=applicant, password=demo_password())

    dashboard = client.get(reverse("applications:dashboard")).content.decode()

    assert f'href="{reverse("applications:start")}"' in dashboard
    assert intake.open_until(Programme.objects.current()) is not None


@pytest.mark.django_db
def test_only_the_demos_own_mail_is_marked_not_sent(demo_programme):
    """A message the running portal queues while the live steps run (a real applicant's
    confirmation) must still go out: only mail written to demo accounts is swept."""
    def real_message_queued_meanwhile(*, programme, phase, log):
        OutboxMessage.objects.create(to=["applicant@example.org"], subject="Real", body="Real")

    before = OutboxMessage.objects.aggregate(last=Max("id"))["last"] or 0
    registries.register_live_step("test-real-mail", order=999, run=real_message_queued_meanwhile)
    try:
        seed("--phase", "results")
    finally:
        registries.live_steps.unregister("test-real-mail")

    queued = OutboxMessage.objects.filter(id__gt=before)
    assert list(queued.filter(sent_at__isnull=True).values_list("subject", flat=True)) == [
        "Real", "Real", "Real"]  # one per phase reached: the demo's own mail is all swept
    swept = queued.filter(last_error=live.NOT_SENT)
    assert swept.exists()
    assert all(address.endswith("demo.ozgeris.kz") for message in swept for address in message.to)
