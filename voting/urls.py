from django.urls import include, path

from . import audit_views, outcome_views, share_views, staff_views, views

app_name = "voting"

urlpatterns = [
    path("", views.finalists, name="finalists"),
    path("finalists/<int:pk>/", views.finalist, name="finalist"),
    path("finalists/<int:pk>/vote/", views.vote, name="vote"),
    path("finalists/<int:pk>/card.png", share_views.finalist_card, name="finalist_card"),
    path("receipt/", views.receipt, name="receipt"),
    path("<int:year>/ledger/", outcome_views.ledger, name="ledger"),
    path("<int:year>/results/", outcome_views.results_page, name="results"),
    path("<int:year>/checkpoints/", views.checkpoints_page, name="checkpoints"),
    path("<int:year>/checkpoints.json", views.checkpoints_feed, name="checkpoints_json"),
    path("<int:year>/audit/", audit_views.audit, name="audit"),
    path("<int:year>/staff/", include([
        path("", staff_views.dashboard, name="dashboard"),
        path("publish-head/", staff_views.publish_head, name="publish_head"),
        path("release/", staff_views.release, name="release"),
        path("withdraw-release/", staff_views.withdraw_release, name="withdraw_release"),
        path("winners/", staff_views.declare, name="declare"),
    ])),
]
