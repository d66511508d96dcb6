from django.utils.translation import gettext_lazy as _

from ozgeris.apps import PortalAppConfig


class ApplicationsConfig(PortalAppConfig):
    name = "applications"
    verbose_name = _("Applications")
    registering_on_import = ("exporters",)
    registering_modules = ("indicators", "dashboard", "opendata", "segments")
    calendar_sources = {"extensions": "calendar.extensions"}
    demo_step_order = 10
    live_step_order = 10
    erasure_step = "organisations.revoke_sent_invitations"
