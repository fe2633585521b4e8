from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("draft/", views.draft, name="draft"),
    path("draft/pdf/", views.draft_pdf, name="draft_pdf"),
    path("draft/issue/", views.issue, name="issue"),
    path("<int:pk>/", views.issued, name="issued"),
    path("<int:pk>/pdf/", views.issued_pdf, name="issued_pdf"),
    path("<int:pk>/snapshot.json", views.issued_snapshot, name="issued_snapshot"),
]
