from django.urls import path

from ozgeris.views import coming_soon

app_name = "voting"

urlpatterns = [
    path("", coming_soon, {"part": "voting"}, name="finalists"),
]
