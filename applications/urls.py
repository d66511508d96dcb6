from django.urls import path

from ozgeris.views import coming_soon

app_name = "applications"

urlpatterns = [
    path("", coming_soon, {"part": "applications"}, name="start"),
]
