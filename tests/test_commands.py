"""The spine's commands: export (through the registry), copy_programme, seed_demo."""

import io

import pytest
from django.core.management import CommandError, call_command

from ozgeris import registries
from ozgeris.models import AuditEvent, Nomination, Programme, User


@pytest.fixture
def nominations_exporter():
    def render(programme, options, progress):
        rows = [n.code for n in programme.nominations.all()]
        progress(1, 1, "done")
        return f"nominations-{programme.year}.txt", "text/plain", "\n".join(rows).encode()

    registries.register_exporter(
        "test-nominations", title="Nominations", formats=["txt"], render=render
    )
    yield
    registries.exporters.unregister("test-nominations")


@pytest.fixture
def media_kept(settings, tmp_path):
    """Re-seeding stores the demo's files under new names and removes the old ones, while the
    test's transaction, rolled back, keeps naming the old: put the media back as it was."""
    import shutil
    from pathlib import Path

    saved = tmp_path / "media"
    shutil.copytree(settings.MEDIA_ROOT, saved)
    yield
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.copytree(saved, Path(settings.MEDIA_ROOT))


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_export_writes_a_registered_exporters_file(demo_programme, nominations_exporter, tmp_path):
    target = tmp_path / "n.txt"

    run("export", "test-nominations", "--programme", "2019", "--output", str(target))

    assert target.read_text().splitlines()[:2] == ["education", "health"]


@pytest.mark.django_db
def test_export_without_a_name_lists_the_exporters(nominations_exporter):
    assert "test-nominations" in run("export")


@pytest.mark.django_db
def test_export_of_an_unknown_name_fails_and_lists_what_exists(nominations_exporter):
    with pytest.raises(CommandError) as error:
        run("export", "no-such-thing", "--programme", "2019", "--output", "/tmp/x")
    assert "Unknown exporter" in str(error.value)
    assert "test-nominations" in str(error.value)


@pytest.mark.django_db
def test_export_of_an_unknown_programme_fails(nominations_exporter, tmp_path):
    with pytest.raises(CommandError, match="no programme 1999"):
        run("export", "test-nominations", "--programme", "1999", "--output", str(tmp_path / "x"))


@pytest.mark.django_db
def test_copy_programme_starts_next_year_from_the_copy_steps(demo_programme):
    run("copy_programme", "2019", "2020")

    edition = Programme.objects.get(year=2020)
    assert not edition.is_published
    assert edition.title_ru == "Премия Ozgeris Ustasy 2020"
    assert list(edition.nominations.values_list("code", flat=True)) == list(
        demo_programme.nominations.values_list("code", flat=True)
    )
    # The same Almaty wall-clock time one year later, whatever the UTC offset of each year.
    from django.utils import timezone

    before = timezone.localtime(demo_programme.voting_opens_at)
    after = timezone.localtime(edition.voting_opens_at)
    assert (after.year, after.month, after.day, after.hour) == (2020, before.month, before.day,
                                                                 before.hour)
    assert AuditEvent.objects.filter(action="programme.copied", object_id=str(edition.pk)).exists()


@pytest.mark.django_db
def test_copy_programme_refuses_an_existing_target(demo_programme):
    run("copy_programme", "2019", "2020")
    with pytest.raises(CommandError, match="already exists"):
        run("copy_programme", "2019", "2020")
    assert Nomination.objects.filter(programme__year=2020).count() == 10


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo_programme, media_kept):
    counts = (Programme.objects.count(), Nomination.objects.count(), User.objects.count())

    run("seed_demo")

    assert (Programme.objects.count(), Nomination.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_seed_demo_reset_rebuilds_the_programme(demo_programme, media_kept):
    Nomination.objects.filter(programme=demo_programme, code="media").delete()

    output = run("seed_demo", "--reset", "--logins")

    assert Nomination.objects.filter(programme__year=2019).count() == 10
    assert "staff@demo.ozgeris.kz" in output


@pytest.mark.django_db
def test_seed_demo_refuses_in_production_unless_asked_by_name_with_a_password_of_ones_own(
        settings, media_kept):
    settings.PRODUCTION = True
    before = User.objects.count()

    with pytest.raises(CommandError, match="--in-production"):
        run("seed_demo")
    with pytest.raises(CommandError, match="README"):
        run("seed_demo", "--in-production")
    settings.DEMO_PASSWORD = "demo12"
    with pytest.raises(CommandError, match="too weak"):
        run("seed_demo", "--in-production")

    assert User.objects.count() == before
    settings.DEMO_PASSWORD = "Quiet-otter-meadow-2031"
    assert "Demo programme ready" in run("seed_demo", "--in-production")


@pytest.mark.django_db
def test_the_demo_programme_records_the_2019_report(demo_programme):
    from django.utils import timezone

    nominations = demo_programme.nominations
    assert nominations.filter(kind="ngo").count() == 6
    assert nominations.filter(kind="supporting").count() == 4
    voting_opens = timezone.localtime(demo_programme.voting_opens_at)
    assert (voting_opens.month, voting_opens.day, voting_opens.hour) == (10, 14, 10)
    assert timezone.localdate(demo_programme.ceremony_at).isoformat() == "2019-11-15"
    assert User.objects.filter(groups__name="Jury").count() == 6
