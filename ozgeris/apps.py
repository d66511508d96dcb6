from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzgerisConfig(AppConfig):
    name = "ozgeris"
    verbose_name = _("Portal")

    def ready(self):
        from . import copying, registry
        from .demo import programme

        registry.register_demo_step(
            "programme", order=0, run=programme.seed, reset=programme.reset
        )
        registry.register_copy_step("nominations", order=0, run=copying.copy_nominations)
