"""The JSON API (django-ninja); OpenAPI documentation at /api/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from northstar.core.errors import UserInputError

api = NinjaAPI(
    title="Northstar API",
    version="1",
    description=(
        "Read the innovation asset register and its exports without signing in. "
        "Writes need a signed-in session with the officer role (send the CSRF token)."
    ),
)


@api.exception_handler(UserInputError)
def user_input_error(request, exc: UserInputError):
    body = {"detail": exc.message}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        body["errors"] = errors
    elif exc.details:
        body["errors"] = exc.details
    return api.create_response(request, body, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Permission denied"}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Sign in first"}, status=401)


api.add_router("/assets", "northstar.assets.api.router")

__all__ = ["api", "django_auth"]
