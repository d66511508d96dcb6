"""The public registry of social enterprises, mounted at /registry/ by ozgeris.urls."""

from django.urls import path

from . import directory

app_name = "registry"

urlpatterns = [
    path("", directory.registry_list, name="list"),
]
