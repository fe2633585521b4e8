"""Property-based tests of the API against its own OpenAPI schema (schemathesis).

For each operation schemathesis generates requests from the schema (valid ones, and invalid ones
too) and calls the WSGI application in-process, inside the test's database transaction, with the
default register loaded. It checks that nothing is a server error, that every status code,
content type and response body is the documented one, that invalid input is refused, and (for
reads) that valid input is accepted.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from northstar.accounts.roles import Role
from northstar.accounts.tests.factories import UserFactory
from northstar.api import api
from northstar.wsgi import application

CI = bool(os.environ.get("CI"))

# The schema the application serves at /api/openapi.json, built without an HTTP request so that
# collecting this module needs no database.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = application


@pytest.fixture
def wsgi_in_test_transaction():
    """Django closes "old" database connections when a request starts and ends; inside a test
    that would end the test's transaction. Django's test client switches that off for its own
    requests; do the same for schemathesis's calls to the WSGI application."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.include(method="GET").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # Fixed examples in CI (a red run must mean a real change); fresh ones on developers' runs.
    derandomize=CI,
    # The register is loaded once per operation and only read, so sharing it between the
    # generated examples is what we want.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_read_operations_conform_to_the_schema(case, register, wsgi_in_test_transaction):
    # The economy and funding endpoints name places and measures by code: a well-formed code
    # that names nothing is a documented 422, not a schema violation; so is a well-formed
    # financial year whose years do not follow ("2019-25"). A NUL character anywhere in the
    # query is refused for every operation (northstar.core.middleware), also with a 422.
    by_code = any(part in case.operation.path for part in ("/economy/", "/funding/"))
    nul = any(
        "\x00" in f"{key}{value}"
        for params in (case.query or {}, case.path_parameters or {})
        for key, value in params.items()
    )
    case.call_and_validate(excluded_checks=[positive_data_acceptance] if by_code or nul else [])


@pytest.fixture
def admin_session() -> tuple[dict, dict]:
    """Cookies and headers of a signed-in administrator's session, with its CSRF token."""
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    request = RequestFactory().get("/")
    token = get_token(request)
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value,
        django_settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"],
    }
    return cookies, {"X-CSRFToken": token}


@schema.exclude(method="GET").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # Fixed examples in CI (a red run must mean a real change); fresh ones on developers' runs.
    derandomize=CI,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_write_operations_conform_to_the_schema(
    case, register, admin_session, wsgi_in_test_transaction
):
    """As an administrator (who may do everything): no 5xx, documented responses only, and
    schema-violating input refused. Schema-valid input may still be refused with 422 (an unknown
    theme, a register number already taken, a position outside the UK), so the check that valid
    data is accepted is left out; and the session is ours, not one schemathesis generated, so is
    the check that made-up credentials are refused (test_api.py covers 401 and 403)."""
    cookies, headers = admin_session
    case.cookies = {**(case.cookies or {}), **cookies}
    case.headers = {**(case.headers or {}), **headers}
    case.call_and_validate(excluded_checks=[positive_data_acceptance, ignored_auth])


def test_the_served_schema_is_the_one_tested(client, db):
    built = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
    assert client.get("/api/openapi.json").json() == built
