"""Signing in and out: ASVS 5.0 level 2 points that Django and django-axes provide, checked."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse

from northstar.accounts.tests.factories import TEST_PASSWORD, UserFactory
from northstar.accounts.tests.helpers import security_messages

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"
GENERIC_ERROR = "Enter a correct username and password. Both are case-sensitive."


def _login(client, username, password, **extra):
    return client.post(
        reverse(LOGIN), {"username": username, "password": password}, follow=False, **extra
    )


def test_login_page_signs_in_and_redirects(client, officer):
    response = _login(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[SESSION_KEY] == str(officer.pk)


def test_login_gives_the_session_a_new_key(client, officer):
    """ASVS 7.2.4: a session key an attacker planted before login is worthless after it."""
    client.get(reverse(LOGIN))  # the login page's CSRF token and messages do not need a session
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    key_before = session.session_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == key_before

    _login(client, officer.username, TEST_PASSWORD)

    key_after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key_after and key_after != key_before
    assert client.session[SESSION_KEY] == str(officer.pk)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key_before).exists()


def test_logout_ends_the_session_on_the_server(client, officer):
    """ASVS 7.4.1: logout deletes the session, so a copied cookie no longer works."""
    from django.contrib.sessions.models import Session

    _login(client, officer.username, TEST_PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # replaying the old cookie gets an anonymous user
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert client.get(reverse("assets:create")).status_code == 302


def test_logout_needs_a_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "disabled account"])
def test_failed_login_message_does_not_say_why(client, officer, case):
    """ASVS 6.3.8: the same message whether the user exists, is disabled, or typed a bad password."""
    username, password = officer.username, TEST_PASSWORD
    if case == "unknown user":
        username = "nobody-by-this-name"
    elif case == "wrong password":
        password = "not the right password at all"
    else:
        officer.is_active = False
        officer.save()
    response = _login(client, username, password)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [GENERIC_ERROR]
    assert SESSION_KEY not in client.session


def test_failed_login_does_not_echo_the_password(client, officer):
    secret = "my-mistyped-secret-value-42"
    response = _login(client, officer.username, secret)
    assert response.status_code == 200
    assert secret not in response.content.decode()
    assert officer.username in response.content.decode()  # the username is kept for a retry


def test_failed_and_successful_logins_are_logged(client, officer, security_log):
    """ASVS 16.3.1: every authentication attempt is logged, with who and from where."""
    _login(client, officer.username, "wrong password, twenty chars", REMOTE_ADDR="198.51.100.7")
    _login(client, officer.username, TEST_PASSWORD, REMOTE_ADDR="198.51.100.7")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7")
    messages = security_messages(security_log)
    assert f"login failed username='{officer.username}' from=198.51.100.7" in messages
    assert f"login user={officer.username} from=198.51.100.7" in messages
    assert f"logout user={officer.username} from=198.51.100.7" in messages
    assert not any(TEST_PASSWORD in m or "twenty chars" in m for m in security_log.text.split("\n"))


def test_a_forged_username_cannot_forge_a_log_line(client, security_log):
    """ASVS 16.4.1: user input is logged escaped, so a newline cannot start a fake entry."""
    _login(client, "mallory\nINFO northstar.security login user=admin", "whatever password")
    failed = [m for m in security_messages(security_log) if m.startswith("login failed")]
    assert len(failed) == 1 and "\n" not in failed[0]
    assert "\\n" in failed[0]


# --- Throttling (django-axes): ASVS 6.3.1 ---


def test_repeated_failures_lock_the_username_even_with_the_right_password(
    client, officer, security_log
):
    assert settings.AXES_ENABLED
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, officer.username, "a wrong password of some length")
    response = _login(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "paused for 15 minutes" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.filter(username=officer.username).exists()
    assert any(
        m.startswith(f"login locked out after repeated failures username='{officer.username}'")
        for m in security_messages(security_log)
    )


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, officer.username, "a wrong password of some length")
    assert _login(client, officer.username, TEST_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=officer.username).exists()  # reset on success


def test_lockout_is_per_username_and_address(client, officer):
    """Nobody can lock a colleague out from another address (ASVS 6.1.1: malicious lockout)."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(
            client, officer.username, "a wrong password of some length", REMOTE_ADDR="203.0.113.9"
        )
    assert _login(
        client, officer.username, TEST_PASSWORD, REMOTE_ADDR="203.0.113.9"
    ).status_code == (429)
    assert _login(
        client, officer.username, TEST_PASSWORD, REMOTE_ADDR="192.0.2.44"
    ).status_code == (302)


@override_settings(NORTHSTAR_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_client_address_is_throttled_not_the_proxys(client, officer):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(
            client,
            officer.username,
            "a wrong password of some length",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )
    attacker = _login(
        client, officer.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    assert attacker.status_code == 429
    # a spoofed left-hand X-Forwarded-For entry does not get the attacker out of the lockout
    spoofed = _login(
        client,
        officer.username,
        TEST_PASSWORD,
        HTTP_X_FORWARDED_FOR="192.0.2.44, 203.0.113.9",
        **proxy,
    )
    assert spoofed.status_code == 429
    colleague = _login(
        client, officer.username, TEST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.44", **proxy
    )
    assert colleague.status_code == 302


def test_admin_login_is_throttled_too(client, admin_user_):
    """ASVS 6.3.4: the admin's sign-in page is the other way in, with the same controls."""
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": admin_user_.username, "password": "wrong password here"})
    response = client.post(url, {"username": admin_user_.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_test_client_login_works_with_axes_enabled(client, officer):
    """Client.login() calls authenticate() without a request; the test settings allow it."""
    assert client.login(username=officer.username, password=TEST_PASSWORD)
    assert not client.login(username=officer.username, password="wrong password here")


def test_production_settings_use_the_strict_axes_backend(fresh_base_settings):
    """The test-only backend must not leak into the settings the service runs with."""
    base = fresh_base_settings()
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.AXES_ENABLED is True


# --- Accounts that are disabled or deleted lose their sessions: ASVS 7.4.2 ---


@pytest.mark.parametrize("change", ["disable", "delete"])
def test_disabling_or_deleting_an_account_ends_its_sessions(client, change):
    user = UserFactory(role="officer")
    client.force_login(user)
    assert client.get(reverse("assets:create")).status_code == 200
    if change == "disable":
        user.is_active = False
        user.save()
    else:
        user.delete()
    response = client.get(reverse("assets:create"))
    assert response.status_code == 302 and response["Location"].startswith(reverse(LOGIN))


def test_login_page_redirects_only_to_this_site(client, officer):
    response = client.post(
        reverse(LOGIN),
        {"username": officer.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
