"""The project's URLs with the economy pages and API mounted, for tests run before
northstar/urls.py and northstar/api.py have them."""

from django.urls import include, path
from ninja import NinjaAPI

from northstar.api import api
from northstar.urls import handler403, handler404, handler500  # noqa: F401
from northstar.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "economy" for p in project):
    urlpatterns.insert(0, path("", include("northstar.economy.urls")))
if not any(prefix == "/economy" for prefix, _ in api._routers):
    from northstar.economy.api import router

    test_api = NinjaAPI(title="Northstar API (economy tests)", urls_namespace="economy-test-api")
    test_api.add_router("/economy", router)
    urlpatterns.insert(0, path("api/", test_api.urls))
