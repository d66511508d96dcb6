from django.urls import path

from ozgeris.views import coming_soon

app_name = "voting"

urlpatterns = [
    path("", coming_soon, name="finalists"),
]
