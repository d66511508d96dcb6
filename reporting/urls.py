from django.urls import include, path

from . import overview_views, views

app_name = "reporting"

urlpatterns = [
    path("", views.index, name="index"),
    path("issue/", views.issue, name="issue"),
    path("<int:year>/applications/", overview_views.applications_overview,
         name="applications_overview"),
    path("jobs/<int:pk>/", include([
        path("", views.job, name="job"),
        path("status/", views.job_status, name="job_status"),
        path("download/", views.download, name="download"),
    ])),
]
