"""The project's URLs with the action plan's pages and API mounted, for tests run before
northstar/urls.py and northstar/api.py have them."""

from django.urls import include, path
from ninja import NinjaAPI

from northstar.api import api
from northstar.urls import handler403, handler404, handler500  # noqa: F401
from northstar.urls import urlpatterns as project

urlpatterns = list(project)
if not any(getattr(p, "namespace", None) == "actions" for p in project):
    urlpatterns.insert(0, path("actions/", include("northstar.actions.urls")))
if not any(prefix == "/actions" for prefix, _ in api._routers):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from ninja.errors import AuthenticationError, ValidationError

    from northstar.actions.api import router
    from northstar.api import (
        not_found,
        permission_denied,
        unauthenticated,
        user_input_error,
        validation_error,
    )
    from northstar.core.errors import UserInputError

    test_api = NinjaAPI(
        title="Northstar API (action plan tests)", urls_namespace="actions-test-api"
    )
    test_api.add_exception_handler(UserInputError, user_input_error)
    test_api.add_exception_handler(PermissionDenied, permission_denied)
    test_api.add_exception_handler(ValidationError, validation_error)
    test_api.add_exception_handler(Http404, not_found)
    test_api.add_exception_handler(AuthenticationError, unauthenticated)
    test_api.add_router("/actions", router)
    urlpatterns.insert(0, path("api/", test_api.urls))
