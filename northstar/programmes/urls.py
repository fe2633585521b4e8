"""Programme pages, mounted by northstar/urls.py: `path("programmes/", include("northstar.programmes.urls"))`."""

from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("returns/<int:pk>/", views.return_detail, name="return"),
    path("claims/<int:pk>/decide/", views.decide, name="decide"),
    path("<slug:slug>/", views.programme, name="detail"),
    path("<slug:slug>/returns/", views.returns, name="returns"),
    path("<slug:slug>/returns/template.xlsx", views.template, name="template"),
    path("<slug:slug>/returns/upload/", views.upload, name="upload"),
]
