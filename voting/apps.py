from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class VotingConfig(PortalAppConfig):
    name = "voting"
    verbose_name = _("Public vote")
    registering_on_import = ("exporters", "checks")
    registering_modules = ("indicators", "dashboard", "opendata", "segments")
    calendar_sources = {"vote": "calendar.vote_window"}
    demo_step_order = 30
    live_step_order = 30

    def ready(self):
        super().ready()
        from ozgeris import registries

        from . import ledger, services

        registries.register_erasure_step("voting", services.anonymise_voter)
        registries.register_background_wait(
            "ledger", age_name="oldest_unsealed_vote_age", since=ledger.oldest_unsealed_vote,
            max_age=lambda: settings.HEALTH_UNSEALED_MAX_AGE)
