"""Shapes shared by every API router: the error body and the error responses to document."""

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | list[str] | None = None


# Documented error responses: a read of one object, and a signed-in write.
READ_ERRORS = {404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
