"""The project's URLs with the pipeline pages and API mounted, for tests run before
northstar/urls.py and northstar/api.py have them."""

from django.urls import include, path
from ninja import NinjaAPI

from northstar.api import api
from northstar.urls import handler403, handler404, handler500  # noqa: F401
from northstar.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "pipeline" for p in project):
    urlpatterns.insert(0, path("pipeline/", include("northstar.pipeline.urls")))
if not any(prefix == "/pipeline" for prefix, _ in api._routers):
    from northstar.pipeline.api import router

    test_api = NinjaAPI(title="Northstar API (pipeline tests)", urls_namespace="pipeline-test-api")
    test_api.add_router("/pipeline", router)
    urlpatterns.insert(0, path("api/", test_api.urls))
