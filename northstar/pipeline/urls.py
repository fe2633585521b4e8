from django.urls import path

from . import views

app_name = "pipeline"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.csv", views.project_csv, name="csv"),
    path("new/", views.project_create, name="create"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/stage/", views.project_stage, name="stage"),
    path("<slug:slug>/funding/", views.funding_add, name="funding_add"),
    path(
        "<slug:slug>/funding/<int:funding_id>/remove/", views.funding_remove, name="funding_remove"
    ),
]
