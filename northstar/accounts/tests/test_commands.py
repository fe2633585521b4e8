"""`northstar createadmin NAME`: the first account, and scripted set-ups."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from northstar.accounts.roles import Role

pytestmark = pytest.mark.django_db

PASSPHRASE = "a long and private passphrase for the first admin"


def test_createadmin_makes_a_superuser_in_the_admin_group(monkeypatch, capsys, security_log):
    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", PASSPHRASE)
    call_command("createadmin", "first.admin", "--email", "it@example.org")
    user = get_user_model().objects.get(username="first.admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(PASSPHRASE)
    assert list(user.groups.values_list("name", flat=True)) == [Role.ADMIN]
    assert user.email == "it@example.org"
    assert "Created first.admin with the role Administrator." in capsys.readouterr().out
    assert "account created user=first.admin role=admin" in security_log.text


@pytest.mark.parametrize(
    ("role", "staff"),
    [
        (Role.OFFICER, True),
        (Role.PROGRAMME_MANAGER, False),
        (Role.ASSESSOR, False),
        (Role.BOARD_MEMBER, False),
    ],
)
def test_createadmin_with_a_role(monkeypatch, role, staff):
    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", PASSPHRASE)
    call_command("createadmin", "someone", "--role", role)
    user = get_user_model().objects.get(username="someone")
    assert (user.is_staff, user.is_superuser) == (staff, False)
    assert list(user.groups.values_list("name", flat=True)) == [role]


def test_createadmin_asks_for_the_password_twice(monkeypatch):
    answers = iter([PASSPHRASE, PASSPHRASE])
    monkeypatch.delenv("NORTHSTAR_NEW_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createadmin", "asked")
    assert get_user_model().objects.get(username="asked").check_password(PASSPHRASE)


def test_createadmin_refuses_mismatched_passwords(monkeypatch):
    answers = iter([PASSPHRASE, PASSPHRASE + "!"])
    monkeypatch.delenv("NORTHSTAR_NEW_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="do not match"):
        call_command("createadmin", "asked")
    assert not get_user_model().objects.filter(username="asked").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("password", "too common"), ("short one", "too short"), ("Northstar2025!!!", "too easy")],
)
def test_createadmin_applies_the_password_rules(monkeypatch, password, message):
    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", password)
    with pytest.raises(CommandError, match=message):
        call_command("createadmin", "weak")
    assert not get_user_model().objects.filter(username="weak").exists()


def test_createadmin_refuses_an_existing_name(monkeypatch):
    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", PASSPHRASE)
    call_command("createadmin", "taken")
    with pytest.raises(CommandError, match="already an account"):
        call_command("createadmin", "taken")


def test_createadmin_refuses_an_invalid_username(monkeypatch):
    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", PASSPHRASE)
    with pytest.raises(CommandError):
        call_command("createadmin", "no spaces allowed")
    assert not get_user_model().objects.exists()


def test_the_first_admin_can_sign_in_and_use_the_admin(monkeypatch, client):
    from django.urls import reverse

    monkeypatch.setenv("NORTHSTAR_NEW_PASSWORD", PASSPHRASE)
    call_command("createadmin", "first.admin")
    response = client.post(
        reverse("accounts:login"), {"username": "first.admin", "password": PASSPHRASE}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
