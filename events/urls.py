from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("faq/", views.faq, name="faq"),
    path("apply/contracts/", views.contract_list, name="contracts"),
    path("apply/contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("apply/contracts/<int:pk>/contract.pdf", views.contract_download,
         name="contract_pdf"),
]
