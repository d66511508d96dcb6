from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JuryConfig(AppConfig):
    name = "jury"
    verbose_name = _("Jury")

    def ready(self):
        from ozgeris import registry

        from . import copying

        registry.register_copy_step("jury", order=10, run=copying.copy_jury_setup)
