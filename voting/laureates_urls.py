"""``/laureates/<year>/``: mounted by module name from the project's urls."""

from django.urls import path

from . import outcome_views

urlpatterns = [
    path("<int:year>/", outcome_views.laureates, name="laureates"),
]
