"""The JSON API (django-ninja); OpenAPI documentation at /api/docs, schema at /api/openapi.json.

Every error is JSON of one shape, `{"detail": "...", "errors": {field: [messages]}}` (`errors`
only where fields are at fault): 401 not signed in, 403 not allowed (or no CSRF token), 404 no
such object (or one the user may not see), 422 input refused. A refused write changes nothing.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from northstar.core.errors import UserInputError

api = NinjaAPI(
    title="Northstar API",
    version="1",
    description=(
        "The innovation asset register: list and filter it, read one asset, export the filtered "
        "register as GeoJSON or CSV. Reads need no sign-in; retired assets are shown only to "
        "signed-in officers, Board members and administrators.\n\n"
        "Writes need a signed-in session (sign in on the website; the session cookie) and the "
        "CSRF token (the value of the `csrftoken` cookie) in an `X-CSRFToken` header. Officers may add, "
        "change and retire assets; only administrators may delete them.\n\n"
        "Errors are JSON: `detail` says what went wrong and, when fields are at fault, `errors` "
        "maps each field to its messages. 401: sign in first. 403: your role may not do this, or "
        "the CSRF token is missing. 404: no such asset (or a retired one you may not see). "
        "422: the input was refused; nothing was changed."
    ),
    openapi_extra={
        "tags": [
            {
                "name": "Action plan",
                "description": "The partnership's action plan: themes, workstreams, actions and their progress updates. Signed-in users only; officers add actions; an action's owner (or an officer) posts progress updates.",
            },
            {
                "name": "Pipeline",
                "description": "Innovation pipeline projects, funding, stage history, totals and published pipeline totals.",
            },
            {
                "name": "Programmes",
                "description": "Funded programmes: budgets, targets and verified outputs; monitoring returns and claim verification for managers and officers.",
            },
            {
                "name": "Indicators",
                "description": "Headline indicators, their observations (with revisions) and status against target.",
            },
            {
                "name": "Economy",
                "description": "Published statistics by place and year (GVA, population, business R&D, employment, Innovate UK and UKRI funding): series and rankings, each with its sources.",
            },
            {
                "name": "Assets",
                "description": "The register of innovation assets: research facilities, "
                "hospitals, company R&D, science parks, programmes…",
            },
        ]
    },
)


def _field_name(loc) -> str:
    """A validation error's location as a field name: ("body", "payload", "name") → "name";
    ("query", "page") → "page"; the body as a whole ("body", "payload") → "body"."""
    source, *parts = [str(p) for p in loc] or ["body"]
    if source == "body":
        parts = parts[1:]  # drop the view's parameter name
    return ".".join(parts) or source


def _describe(errors: dict[str, list[str]]) -> str:
    """Field errors as one sentence per field: "name: This field is required. number: …"."""
    parts = []
    for field, messages in errors.items():
        text = " ".join(m if m.endswith((".", "?", "!")) else f"{m}." for m in messages)
        parts.append(text if field == "__all__" else f"{field}: {text}")
    return " ".join(parts)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg", "")))
    return api.create_response(
        request,
        {"detail": f"The request was refused. {_describe(errors)}", "errors": errors},
        status=422,
    )


@api.exception_handler(MultiPartParserError)
def unreadable_body(request, exc):
    return api.create_response(
        request, {"detail": "The request body could not be read. Send JSON."}, status=400
    )


@api.exception_handler(UserInputError)
def user_input_error(request, exc: UserInputError):
    body = {"detail": exc.message}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        body["errors"] = errors
        body["detail"] = f"{exc.message} {_describe(errors)}".strip()
    elif exc.details:
        body["errors"] = [str(d) for d in exc.details]
    return api.create_response(request, body, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Permission denied"}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "Sign in first: this needs a signed-in session."}, status=401
    )


api.add_router("/assets", "northstar.assets.api.router")
api.add_router("/economy", "northstar.economy.api.router")
api.add_router("/funding", "northstar.funding.api.router")
api.add_router("/indicators", "northstar.indicators.api.router")
api.add_router("/programmes", "northstar.programmes.api.router")
api.add_router("/pipeline", "northstar.pipeline.api.router")
api.add_router("/actions", "northstar.actions.api.router")
api.add_router("/reports", "northstar.reports.api.router")

__all__ = ["api"]
