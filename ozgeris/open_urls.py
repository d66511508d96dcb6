"""Open data, mounted at /open/ by ozgeris.urls."""

from django.urls import path

from . import open_views

app_name = "open_data"

urlpatterns = [
    path("", open_views.index, name="index"),
    path("<slug:name>/schema.json", open_views.schema, name="schema"),
    path("<slug:name>.csv", open_views.download, {"fmt": "csv"}, name="csv"),
    path("<slug:name>.json", open_views.download, {"fmt": "json"}, name="json"),
    path("<slug:name>/<int:year>.csv", open_views.download, {"fmt": "csv"}, name="edition_csv"),
    path("<slug:name>/<int:year>.json", open_views.download, {"fmt": "json"},
         name="edition_json"),
]
