"""The portal's URL conf moved under /moved/: tests set it as ROOT_URLCONF to see that the
links in mail follow the URL conf instead of a path written into a service."""

from django.urls import include, path

urlpatterns = [path("moved/", include("ozgeris.urls"))]
