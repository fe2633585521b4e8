"""Programme pages, mounted by northstar/urls.py: `path("programmes/", include("northstar.programmes.urls"))`.

The first segments here ("new", "returns", "claims") cannot be programme slugs (forms.RESERVED_SLUGS).
"""

from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("new/", views.programme_create, name="create"),
    path("returns/<int:pk>/", views.return_detail, name="return"),
    path("claims/<int:pk>/decide/", views.decide, name="decide"),
    path("<slug:slug>/", views.programme, name="detail"),
    path("<slug:slug>/edit/", views.programme_edit, name="edit"),
    path("<slug:slug>/strands/new/", views.strand_create, name="strand_create"),
    path("<slug:slug>/strands/<slug:strand>/edit/", views.strand_edit, name="strand_edit"),
    path("<slug:slug>/strands/<slug:strand>/remove/", views.strand_remove, name="strand_remove"),
    path("<slug:slug>/strands/<slug:strand>/targets/", views.targets, name="strand_targets"),
    path("<slug:slug>/managers/", views.managers, name="managers"),
    path("<slug:slug>/managers/<int:pk>/remove/", views.manager_remove, name="manager_remove"),
    path("<slug:slug>/targets/", views.targets, name="targets"),
    path("<slug:slug>/returns/", views.returns, name="returns"),
    path("<slug:slug>/returns/template.xlsx", views.template, name="template"),
    path("<slug:slug>/returns/upload/", views.upload, name="upload"),
]
