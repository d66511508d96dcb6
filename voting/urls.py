from django.urls import path

from . import views

app_name = "voting"

urlpatterns = [
    path("", views.finalists, name="finalists"),
    path("finalists/<int:pk>/", views.finalist, name="finalist"),
    path("finalists/<int:pk>/vote/", views.vote, name="vote"),
    path("receipt/", views.receipt, name="receipt"),
]
