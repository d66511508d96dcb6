"""What each app contributes to the spine's registries, declared on its ``PortalAppConfig``
(ozgeris/apps.py): the steps run in the order seed_demo, the live edition and copy_programme
rely on, each under its app's name, and the calendar feed's sources all present."""

from django.apps import apps

from ozgeris import registries
from ozgeris.apps import PortalAppConfig


def names_in_order(registry):
    return [step.name for step in registries.ordered(registry)]


def test_the_steps_run_in_the_order_the_demo_and_the_copy_rely_on():
    assert names_in_order(registries.demo_steps) == [
        "programme", "applications", "jury", "voting", "events", "reporting"]
    assert names_in_order(registries.live_steps) == ["applications", "jury", "voting"]
    assert names_in_order(registries.copy_steps) == ["nominations", "jury", "events",
                                                     "reporting"]


def test_each_declared_step_runs_the_apps_own_function():
    for config in apps.get_app_configs():
        if not isinstance(config, PortalAppConfig):
            continue
        if config.demo_step_order is not None:
            step = registries.demo_steps.get(config.label)
            assert step.run.__module__ == f"{config.name}.demo.seed"
            assert step.reset.__module__ == f"{config.name}.demo.seed"
        if config.live_step_order is not None:
            assert registries.live_steps.get(config.label).run.__module__ == (
                f"{config.name}.demo.live")
        if config.copy_step is not None:
            assert registries.copy_steps.get(config.label).run.__module__ == (
                f"{config.name}.copying")


def test_the_calendar_feed_has_every_apps_source():
    assert set(registries.calendar_sources.names()) == {
        "intake", "extensions", "sittings", "vote", "ceremony"}
    assert len(registries.dashboard_sources.names()) == 4
    assert {"jury.applications"} == set(registries.application_overviews.names())


def test_the_erasure_steps_and_background_waits_are_each_apps_own():
    assert set(registries.erasure_steps.names()) == {"applications", "voting"}
    for step in registries.erasure_steps:
        assert step.__module__ in {"applications.organisations", "voting.services"}
    waits = {wait.name: wait for wait in registries.background_waits}
    assert set(waits) == {"ledger", "exports"}
    assert (waits["ledger"].age_name, waits["exports"].age_name) == (
        "oldest_unsealed_vote_age", "oldest_queued_export_age")
    assert waits["ledger"].since.__module__ == "voting.ledger"
    assert waits["exports"].max_age.__module__ == "reporting.jobs"
