"""The project's URLs with the organisation pages at /data/organisations/, for the page tests,
whether or not northstar/urls.py includes them yet."""

from django.urls import include, path

from northstar import urls as project

handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500

urlpatterns = list(project.urlpatterns)
if not any(getattr(p, "namespace", None) == "organisations" for p in urlpatterns):
    urlpatterns.append(path("data/organisations/", include("northstar.organisations.urls")))
