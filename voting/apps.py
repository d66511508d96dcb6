from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Public vote")

    def ready(self):
        from ozgeris import registries

        from . import (  # noqa: F401 - exporters and checks register on import
            checks,
            dashboard,
            exporters,
            indicators,
            ledger,
            services,
        )
        from .demo import seed as demo_seed

        indicators.register()
        dashboard.register()
        registries.register_erasure_step("voting", services.anonymise_voter)
        registries.register_background_wait(
            "ledger", age_name="oldest_unsealed_vote_age", since=ledger.oldest_unsealed_vote,
            max_age=lambda: settings.HEALTH_UNSEALED_MAX_AGE)
        registries.register_demo_step("voting", order=30, run=demo_seed.seed, reset=demo_seed.reset)
