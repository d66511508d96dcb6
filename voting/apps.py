from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Public vote")

    def ready(self):
        from ozgeris import registry

        from . import exporters, indicators, services  # noqa: F401 - exporters register on import
        from .demo import seed as demo_seed

        indicators.register()
        registry.register_erasure_step("voting", services.anonymise_voter)
        registry.register_demo_step("voting", order=30, run=demo_seed.seed, reset=demo_seed.reset)
