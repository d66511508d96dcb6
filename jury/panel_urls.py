"""The jurors' panel's URLs, mounted at /jury/ by ozgeris.urls (by module name, so the project
configuration imports no app)."""

from .panel import jury_panel

urlpatterns, app_name, _namespace = jury_panel.urls
