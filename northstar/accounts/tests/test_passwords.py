"""Password rules (ASVS 6.2): long passphrases in, common and guessable passwords out."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from northstar.accounts.validators import ContextWordsValidator, MaximumLengthValidator


def _codes(password: str, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def test_a_100_character_passphrase_is_accepted():
    passphrase = "the quick brown fox jumps over the lazy dog while seven wise owls sing in a tall beech tree at dusk!"
    assert len(passphrase) == 100
    assert _codes(passphrase) == set()


def test_any_characters_are_allowed():
    """ASVS 6.2.5: no composition rules; spaces, punctuation and non-ASCII letters all fine."""
    assert _codes("ünïcödé pässphrase with émojis 🦉 and spaces") == set()
    assert _codes("alllowercaseandnodigitsatall") == set()


@pytest.mark.parametrize(
    "password", ["password", "qwerty123456", "1q2w3e4r5t6y", "iloveyou", "1q2w3e4r5t6y7u8i9o0p"]
)
def test_common_passwords_are_rejected(password):
    assert "password_too_common" in _codes(password)


def test_short_passwords_are_rejected():
    assert "password_too_short" in _codes("fourteen chars")  # 14
    assert "password_too_short" not in _codes("fifteen chars!!")  # 15


def test_passwords_over_256_characters_are_rejected():
    assert "password_too_long" not in _codes("x" * 256)
    assert "password_too_long" in _codes("correct horse " * 19)  # 266 characters
    with pytest.raises(ValidationError):
        MaximumLengthValidator(max_length=10).validate("eleven chars")


def test_passwords_like_the_username_are_rejected(db):
    user = get_user_model()(username="jonathan.harker.officer", email="jonathan@example.org")
    assert "password_too_similar" in _codes("jonathan.harker.officer", user)


@pytest.mark.parametrize(
    "password",
    [
        "Northstar2025!!!",
        "LiverpoolCityRegion1",
        "liverpool-innovation-2025",
        "OBSERVATORY observatory",
        "CombinedAuthority#99",
        "Board member password 1",
    ],
)
def test_passwords_made_of_the_services_own_words_are_rejected(password):
    assert "password_context_words" in _codes(password)


@pytest.mark.parametrize(
    "password",
    ["my walk along the liverpool docks at dawn", "correct horse battery staple 42"],
)
def test_passphrases_that_merely_mention_a_context_word_are_accepted(password):
    assert "password_context_words" not in _codes(password)


def test_context_words_follow_the_configured_service_name(settings):
    settings.NORTHSTAR_SERVICE_NAME = "Tyneside Innovation Observatory"
    validator = ContextWordsValidator()
    with pytest.raises(ValidationError):
        validator.validate("Tyneside2025!!!!")
    validator.validate("walking by the tyne at night with a torch")


def test_a_larger_password_list_can_be_configured(tmp_path):
    """ASVS 6.2.4, 6.2.12: an operator may point NORTHSTAR_PASSWORD_LIST_FILE at a bigger list."""
    listed = "a breached passphrase from a leak"
    assert _codes(listed) == set()
    path = tmp_path / "breached.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write(listed + "\n")
    validators = [
        {
            "NAME": "django.contrib.auth.password_validation.CommonPasswordValidator",
            "OPTIONS": {"password_list_path": str(path)},
        }
    ]
    with override_settings(AUTH_PASSWORD_VALIDATORS=validators):
        assert "password_too_common" in _codes(listed)


def test_the_password_list_file_comes_from_the_environment(fresh_base_settings):
    def common_options(settings_module):
        return next(
            v["OPTIONS"]
            for v in settings_module.AUTH_PASSWORD_VALIDATORS
            if v["NAME"].endswith("CommonPasswordValidator")
        )

    assert common_options(fresh_base_settings()) == {}
    configured = fresh_base_settings(NORTHSTAR_PASSWORD_LIST_FILE="/srv/lists/breached.txt.gz")
    assert common_options(configured) == {"password_list_path": "/srv/lists/breached.txt.gz"}
