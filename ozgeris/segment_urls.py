"""The URLs of staff's messages to segments and of their unsubscribe link (ozgeris.segment_views),
mounted at the site's root by ozgeris.urls under the namespace ``segment_mail``."""

from django.urls import include, path

from . import segment_views

app_name = "segment_mail"

urlpatterns = [
    path("staff/messages/", include([
        path("", segment_views.message_list, name="list"),
        path("new/", segment_views.compose, name="compose"),
        path("<int:pk>/", segment_views.message_detail, name="detail"),
    ])),
    path("unsubscribe/<str:token>/", segment_views.unsubscribe, name="unsubscribe"),
]
