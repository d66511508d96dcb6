from django.contrib import admin
from django.urls import include, path

from . import accounts, calendar_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("profile/", views.profile, name="profile"),
    path("profile/delete/", views.delete_account, name="delete_account"),
    path("language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("calendar/", include([
        path("<int:year>.ics", calendar_views.public_feed, name="calendar_public"),
        path("<int:year>/<str:token>.ics", calendar_views.personal_feed, name="calendar_personal"),
        path("revoke/", calendar_views.revoke_personal, name="calendar_revoke"),
    ])),
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("", include("ozgeris.segment_urls")),
    path("media/public/<path:path>", views.public_media, name="public_media"),
    # Before allauth's: the login moves only onto a confirmed mailbox of no other account.
    path("accounts/email/", views.EmailAddressesView.as_view(), name="account_email"),
    path("accounts/", include("allauth.urls")),
    # Before admin.site.urls: the admin signs in through allauth (its limits and second step).
    path("admin/login/", accounts.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("jury/", include("jury.panel_urls", namespace="jury_panel")),
    path("feedback/", include("jury.feedback_urls")),
    path("apply/", include("applications.urls")),
    path("registry/", include("applications.directory_urls")),
    path("open/", include("ozgeris.open_urls")),
    path("vote/", include("voting.urls")),
    path("laureates/", include("voting.laureates_urls")),
    path("reports/", include("reporting.urls")),
    path("", include("events.urls")),
]

handler400 = "ozgeris.errors.bad_request"
handler403 = "ozgeris.errors.permission_denied"
handler404 = "ozgeris.errors.page_not_found"
handler500 = "ozgeris.errors.server_error"
