from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("overdue/", views.overdue, name="overdue"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.action_create, name="create"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/edit/", views.action_edit, name="edit"),
    path("<int:pk>/update/", views.action_update, name="update"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "<int:pk>/milestones/<int:milestone_id>/done/", views.milestone_done, name="milestone_done"
    ),
]
