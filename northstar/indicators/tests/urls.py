"""The project's URLs with the indicator pages and API mounted, for tests run before
northstar/urls.py and northstar/api.py have them."""

from django.urls import include, path
from ninja import NinjaAPI

from northstar.api import api
from northstar.urls import handler403, handler404, handler500  # noqa: F401
from northstar.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "indicators" for p in project):
    urlpatterns.insert(0, path("indicators/", include("northstar.indicators.urls")))
if not any(prefix == "/indicators" for prefix, _ in api._routers):
    from django.core.exceptions import PermissionDenied
    from ninja.errors import ValidationError

    from northstar.api import permission_denied, user_input_error, validation_error
    from northstar.core.errors import UserInputError
    from northstar.indicators.api import router

    test_api = NinjaAPI(
        title="Northstar API (indicator tests)", urls_namespace="indicators-test-api"
    )
    test_api.add_exception_handler(UserInputError, user_input_error)
    test_api.add_exception_handler(PermissionDenied, permission_denied)
    test_api.add_exception_handler(ValidationError, validation_error)
    test_api.add_router("/indicators", router)
    urlpatterns.insert(0, path("api/", test_api.urls))
