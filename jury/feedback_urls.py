from django.urls import path

from . import feedback

app_name = "jury"

urlpatterns = [
    path("<int:pk>/", feedback.feedback, name="feedback"),
]
