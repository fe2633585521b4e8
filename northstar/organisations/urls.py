from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:candidate_id>/", views.review_decide, name="decide"),
    path("<str:org_id>/", views.organisation_detail, name="detail"),
    path("<str:org_id>/split/", views.organisation_split, name="split"),
]
