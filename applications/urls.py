from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("check/", views.eligibility_check, name="eligibility"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/invite/", views.organisation_invite, name="invite"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("new/", views.application_start, name="start"),
    path("<int:pk>/", views.application_edit, name="edit"),
    path("<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:pk>/copy.pdf", views.application_pdf, name="pdf"),
    path("<int:pk>/profile/", views.application_profile, name="profile"),
    path("<int:pk>/profile/photo/", views.profile_photo, name="profile_photo"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_pk>/remove/", views.document_remove,
         name="document_remove"),
]
