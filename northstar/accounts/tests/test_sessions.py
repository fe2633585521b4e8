"""Idle and absolute session timeouts (ASVS 7.3.1, 7.3.2) and ending sessions (ASVS 7.4)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from northstar.accounts.middleware import LAST_SEEN_GRANULARITY, LAST_SEEN_KEY, LOGIN_AT_KEY
from northstar.accounts.tests.factories import TEST_PASSWORD, UserFactory
from northstar.accounts.tests.helpers import security_messages

pytestmark = pytest.mark.django_db

IDLE = 600
ABSOLUTE = 3600


@pytest.fixture
def signed_in(client, officer):
    response = client.post(
        reverse("accounts:login"), {"username": officer.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _age_session(client, *, last_seen_ago: int, login_ago: int) -> None:
    """Move the session's clocks back, as if its requests had happened that long ago."""
    now = int(time.time())
    session = client.session
    session[LAST_SEEN_KEY] = now - last_seen_ago
    session[LOGIN_AT_KEY] = now - login_ago
    session.save()


def _is_signed_in(client) -> bool:
    return client.get(reverse("assets:create")).status_code == 200


def test_login_starts_both_clocks(signed_in):
    now = int(time.time())
    assert now - 5 <= signed_in.session[LOGIN_AT_KEY] <= now
    assert now - 5 <= signed_in.session[LAST_SEEN_KEY] <= now


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_a_session_used_within_the_idle_timeout_continues(signed_in):
    _age_session(signed_in, last_seen_ago=IDLE - 30, login_ago=IDLE - 30)
    assert _is_signed_in(signed_in)


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_idle_timeout_signs_out_and_deletes_the_session(signed_in, officer, security_log):
    key = signed_in.session.session_key
    _age_session(signed_in, last_seen_ago=IDLE + 1, login_ago=IDLE + 1)
    response = signed_in.get(reverse("assets:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in signed_in.session
    assert not Session.objects.filter(session_key=key).exists()
    assert f"session idle timeout user={officer.username} from=127.0.0.1" in security_messages(
        security_log
    )
    # the user is told why
    page = signed_in.get(response["Location"])
    assert "You were signed out because you had not used it for a while" in page.content.decode()


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_activity_keeps_the_idle_clock_running(signed_in):
    _age_session(signed_in, last_seen_ago=IDLE - 1, login_ago=IDLE - 1)
    assert _is_signed_in(signed_in)  # this request counts as activity...
    assert int(time.time()) - signed_in.session[LAST_SEEN_KEY] < LAST_SEEN_GRANULARITY
    assert _is_signed_in(signed_in)  # ...so the session is not idle afterwards


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_absolute_timeout_signs_out_an_active_session(signed_in, officer, security_log):
    key = signed_in.session.session_key
    # active a moment ago, but signed in longer ago than the absolute limit
    _age_session(signed_in, last_seen_ago=5, login_ago=ABSOLUTE + 1)
    response = signed_in.get(reverse("assets:create"))
    assert response.status_code == 302
    assert SESSION_KEY not in signed_in.session
    assert not Session.objects.filter(session_key=key).exists()
    assert f"session absolute timeout user={officer.username} from=127.0.0.1" in (
        security_messages(security_log)
    )


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_absolute_timeout_is_not_reset_by_activity(signed_in):
    login_at = signed_in.session[LOGIN_AT_KEY]
    _age_session(signed_in, last_seen_ago=LAST_SEEN_GRANULARITY + 1, login_ago=100)
    assert _is_signed_in(signed_in)
    assert signed_in.session[LOGIN_AT_KEY] == login_at - 100
    assert signed_in.session[LAST_SEEN_KEY] > login_at - 100


@override_settings(NORTHSTAR_SESSION_IDLE_SECONDS=IDLE, SESSION_COOKIE_AGE=ABSOLUTE)
def test_timeouts_apply_to_api_requests_too(signed_in):
    _age_session(signed_in, last_seen_ago=IDLE + 1, login_ago=IDLE + 1)
    signed_in.get("/api/assets/")
    assert SESSION_KEY not in signed_in.session


def test_default_timeouts_are_those_documented(fresh_base_settings):
    base = fresh_base_settings()
    assert base.NORTHSTAR_SESSION_IDLE_SECONDS == 30 * 60
    assert base.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert base.SESSION_COOKIE_HTTPONLY is True
    assert base.AXES_FAILURE_LIMIT == 5
    cooloff = base.AXES_COOLOFF_TIME
    assert cooloff == timedelta(minutes=15)
    assert base.NORTHSTAR_TRUSTED_PROXIES == 0


def test_timeouts_and_throttling_come_from_the_environment(fresh_base_settings):
    base = fresh_base_settings(
        NORTHSTAR_SESSION_IDLE_SECONDS="900",
        NORTHSTAR_SESSION_ABSOLUTE_SECONDS="28800",
        NORTHSTAR_LOGIN_FAILURE_LIMIT="3",
        NORTHSTAR_LOGIN_LOCKOUT_MINUTES="60",
        NORTHSTAR_TRUSTED_PROXIES="1",
    )
    assert base.NORTHSTAR_SESSION_IDLE_SECONDS == 900
    assert base.SESSION_COOKIE_AGE == 28800
    assert base.AXES_FAILURE_LIMIT == 3
    cooloff = base.AXES_COOLOFF_TIME
    assert cooloff == timedelta(minutes=60)
    assert base.NORTHSTAR_TRUSTED_PROXIES == 1


# --- Ending sessions: endsessions (ASVS 7.4.5) and password change (ASVS 7.4.3) ---


def _two_sessions(user) -> tuple[Client, Client]:
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    return first, second


def test_endsessions_signs_one_account_out_everywhere(officer, board_member):
    first, second = _two_sessions(officer)
    other = Client()
    other.force_login(board_member)
    call_command("endsessions", officer.username)
    assert SESSION_KEY not in first.session and SESSION_KEY not in second.session
    assert other.session[SESSION_KEY] == str(board_member.pk)


def test_endsessions_all(officer, board_member):
    first, _ = _two_sessions(officer)
    other = Client()
    other.force_login(board_member)
    call_command("endsessions", all=False, everyone=True)
    assert SESSION_KEY not in first.session and SESSION_KEY not in other.session


@pytest.mark.parametrize("args", [[], ["nobody"], ["--all", "someone"]])
def test_endsessions_refuses_unclear_requests(args, db):
    with pytest.raises(CommandError):
        call_command("endsessions", *args)


def test_password_change_needs_the_current_password(client, officer):
    client.force_login(officer)
    new = "a brand new passphrase for testing"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not my password really", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)


def test_password_change_keeps_this_session_and_ends_the_others(officer, security_log):
    here, elsewhere = _two_sessions(officer)
    new = "a brand new passphrase for testing"
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert f"password changed user={officer.username} from=127.0.0.1" in security_messages(
        security_log
    )


def test_password_change_applies_the_password_rules(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    officer.refresh_from_db()
    assert officer.check_password(TEST_PASSWORD)


def test_password_change_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_new_user_role_accounts_can_sign_in(client):
    user = UserFactory(role="assessor")
    assert client.login(username=user.username, password=TEST_PASSWORD)
