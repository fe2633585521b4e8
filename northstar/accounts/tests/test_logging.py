"""The security log: denied access (ASVS 16.3.2), client addresses, timestamps (ASVS 16.2)."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from northstar.accounts.log import UTCFormatter
from northstar.accounts.network import client_ip
from northstar.accounts.tests.helpers import security_messages

pytestmark = pytest.mark.django_db


def test_a_403_on_a_page_is_logged_with_user_and_path(client, board_member, security_log):
    client.force_login(board_member)
    response = client.post(reverse("assets:create"), REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 403
    assert (
        f"access denied status=403 user={board_member.username} method=POST "
        f"path='/assets/new/' from=198.51.100.20"
    ) in security_messages(security_log)


def test_a_403_in_the_admin_is_logged(client, officer, security_log):
    client.force_login(officer)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert any(
        m.startswith(f"access denied status=403 user={officer.username} method=GET")
        for m in security_messages(security_log)
    )


def test_an_anonymous_api_write_is_logged(client, security_log):
    response = client.post("/api/assets/", {}, content_type="application/json")
    assert response.status_code == 401
    assert any(
        m.startswith("access denied status=401 user=anonymous method=POST path='/api/assets/'")
        for m in security_messages(security_log)
    )


def test_a_csrf_failure_is_logged(officer, security_log):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(reverse("assets:create"), {}).status_code == 403
    assert any("access denied status=403" in m for m in security_messages(security_log))


def test_allowed_requests_are_not_logged_as_denied(client, officer, security_log, lcr):
    client.force_login(officer)
    assert client.get(reverse("assets:create")).status_code == 200
    assert client.get(reverse("assets:list")).status_code == 200
    assert not any("access denied" in m for m in security_messages(security_log))


def test_a_path_cannot_forge_a_log_line(client, board_member, security_log):
    client.force_login(board_member)
    client.get("/admin/%0AINFO%20northstar.security%20login%20user=admin")
    client.post(reverse("assets:create") + "?x=%0Afake")
    for message in security_messages(security_log):
        assert "\n" not in message


# --- Client addresses ---

rf = RequestFactory()


def test_client_ip_is_remote_addr_by_default():
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "192.0.2.1"  # X-Forwarded-For is not trusted without a proxy


@override_settings(NORTHSTAR_TRUSTED_PROXIES=1)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the left entry was sent by the client
        ("", "10.0.0.2"),
        ("not-an-address", "10.0.0.2"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_behind_one_proxy(forwarded, expected):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@override_settings(NORTHSTAR_TRUSTED_PROXIES=2)
def test_client_ip_behind_two_proxies():
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5, 10.0.0.9"
    )
    assert client_ip(request) == "203.0.113.5"


def test_log_timestamps_are_utc_with_a_zone():
    record = logging.LogRecord("northstar.security", logging.INFO, __file__, 1, "x", (), None)
    record.created = 0.5  # 1970-01-01 00:00:00.500 UTC
    record.msecs = 500
    stamp = UTCFormatter("%(asctime)s").format(record)
    assert stamp == "1970-01-01T00:00:00.500Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)


def test_the_security_log_uses_the_utc_formatter():
    from django.conf import settings

    assert settings.LOGGING["formatters"]["plain"]["class"] == "northstar.accounts.log.UTCFormatter"
    assert settings.LOGGING["loggers"]["northstar.security"]["level"] == "INFO"
