"""Refusing input that no part of the service can store or match."""

from django.http import HttpResponseBadRequest, JsonResponse

NUL = "\x00"
MESSAGE = (
    "The request contains a NUL character (%00 in an address, \\u0000 in JSON), which no field "
    "can hold. Remove it and try again."
)


class RejectNulCharactersMiddleware:
    """A NUL in the query string or a JSON body is refused once, here, for every page and API
    operation (422 from the API, 400 from a page).

    PostgreSQL cannot store or compare text containing NUL, so such a value would otherwise be a
    server error wherever it reached a query. Forms already refuse NUL in posted fields (Django's
    ProhibitNullCharactersValidator); this covers query strings and JSON bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._query_has_nul(request) or self._json_body_has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=422)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _query_has_nul(request) -> bool:
        return any(
            NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()
        )

    @staticmethod
    def _json_body_has_nul(request) -> bool:
        # Only JSON bodies are read here (they are small and read whole anyway); uploads are not.
        if request.content_type != "application/json":
            return False
        body = request.body
        return b"\x00" in body or b"\\u0000" in body.lower()
