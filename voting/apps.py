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
    erasure_step = "services.anonymise_voter"
    background_waits = {"ledger": ("oldest_unsealed_vote_age", "ledger.oldest_unsealed_vote",
                                   "ledger.unsealed_max_age")}
