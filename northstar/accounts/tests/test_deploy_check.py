"""`manage.py check --deploy` is clean with the production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SECRET = "test-only-" + "k3y" * 20  # 70 characters, not used anywhere else


def _check(*, https: str | None = None, extra: list[str] | None = None, code: str | None = None):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NORTHSTAR_", "PYTEST_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="northstar.settings.deploy", DJANGO_SECRET_KEY=SECRET)
    if https is not None:
        env["NORTHSTAR_HTTPS"] = https
    args = ["-c", code] if code else ["-m", "django", "check", "--deploy", *(extra or [])]
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = _check(extra=["--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_plain_http_demo_mode_warns_only_about_https():
    result = _check(https="0")
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = set(
        line.split(")")[0] + ")" for line in result.stderr.splitlines() if "security.W" in line
    )
    assert warnings <= {
        "?: (security.W004)",
        "?: (security.W008)",
        "?: (security.W012)",
        "?: (security.W016)",
    }, result.stderr


def test_deploy_settings_refuse_a_short_secret_key():
    env_key = "x" * 20
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "northstar.settings.deploy",
            "DJANGO_SECRET_KEY": env_key,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("https", "expected"),
    [
        (None, "__Host-sessionid __Host-csrftoken True True None"),
        ("0", "sessionid csrftoken False False None"),
    ],
)
def test_cookie_settings(https, expected):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_DOMAIN)"
    )
    result = _check(https=https, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
