"""The staff admin's site: Django's, with its index grouped by the programme's stages (intake,
jury, vote, events and outreach, report, system) instead of one block per app in alphabetical
order. Installed as the default site by ``ozgeris.apps.PortalAdminConfig``, so every
``@admin.register`` lands here; the jury's panel is a site of its own (jury/panel.py).

The grouping reads model labels only: the spine imports no app."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .collation import collation_key

# Stage key, title, and the app labels ("jury") or model labels ("ozgeris.programme") it holds,
# in the order the programme runs. What no stage names goes to the last one.
STAGES = [
    ("intake", _("Programme and applications"),
     {"ozgeris.programme", "ozgeris.region", "applications"}),
    ("jury", _("Jury"), {"jury"}),
    ("vote", _("Public vote"), {"voting"}),
    ("events", _("Events and outreach"), {"events"}),
    ("report", _("Grant report"), {"reporting"}),
    ("system", _("Accounts and system"), set()),
]


def stage_of(app_label, model_name):
    for key, _title, members in STAGES:
        if f"{app_label}.{model_name}" in members or app_label in members:
            return key
    return STAGES[-1][0]


class PortalAdminSite(admin.AdminSite):
    site_header = _("Ozgeris Ustasy — staff")
    site_title = _("Ozgeris Ustasy")
    index_title = _("Programme administration")
    # The index groups the models by the programme's stages and every page has breadcrumbs;
    # Django's sidebar repeating the index took 300 px from every changelist.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """The index and the side bar: one block per stage, holding the models the person may
        see. An app's own page (``app_label`` given) keeps Django's list."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        index = reverse("admin:index", current_app=self.name)
        groups = {key: {"name": title, "app_label": f"stage-{key}",
                        "app_url": f"{index}#stage-{key}", "has_module_perms": True,
                        "models": []} for key, title, _members in STAGES}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                meta = model["model"]._meta
                groups[stage_of(meta.app_label, meta.model_name)]["models"].append(model)
        for group in groups.values():
            group["models"].sort(key=lambda model: collation_key(model["name"]))
        return [group for group in groups.values() if group["models"]]
