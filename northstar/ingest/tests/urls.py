"""The project's URLs with the /data/ pages mounted, for tests run before northstar/urls.py has them."""

from django.urls import include, path

from northstar.urls import handler403, handler404, handler500  # noqa: F401
from northstar.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "ingest" for p in project):
    urlpatterns.append(path("data/", include("northstar.ingest.urls")))
