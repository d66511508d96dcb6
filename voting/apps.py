from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Public vote")

    def ready(self):
        from ozgeris import registries

        from . import (  # noqa: F401 - exporters and checks register on import
            calendar,
            checks,
            dashboard,
            exporters,
            indicators,
            ledger,
            segments,
            services,
        )
        from .demo import live as demo_live
        from .demo import seed as demo_seed

        indicators.register()
        dashboard.register()
        from . import opendata  # the open data of /open/

        opendata.register()
        segments.register()
        registries.register_calendar_source("vote", calendar.vote_window)
        registries.register_erasure_step("voting", services.anonymise_voter)
        registries.register_background_wait(
            "ledger", age_name="oldest_unsealed_vote_age", since=ledger.oldest_unsealed_vote,
            max_age=lambda: settings.HEALTH_UNSEALED_MAX_AGE)
        registries.register_demo_step("voting", order=30, run=demo_seed.seed, reset=demo_seed.reset)
        registries.register_live_step("voting", order=30, run=demo_live.run)
