from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Public vote")

    def ready(self):
        from ozgeris import registry

        from . import services

        registry.register_erasure_step("voting", services.anonymise_voter)
