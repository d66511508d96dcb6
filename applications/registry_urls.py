"""The public registry of social enterprises, mounted at /registry/ by ozgeris.urls."""

from django.urls import path

from . import registry

app_name = "registry"

urlpatterns = [
    path("", registry.registry_list, name="list"),
]
