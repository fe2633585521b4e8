import re

from django.conf import settings
from django.core.exceptions import ValidationError

# Words that make a password easy to guess for this service (ASVS 6.1.2, 6.2.11). The words of
# NORTHSTAR_SERVICE_NAME and NORTHSTAR_ORGANISATION_NAME are added, so another place gets its own.
CONTEXT_WORDS = [
    "northstar",
    "north",
    "star",
    "lcr",
    "liverpool",
    "merseyside",
    "combined",
    "authority",
    "city",
    "region",
    "innovation",
    "observatory",
    "asset",
    "assets",
    "register",
    "officer",
    "programme",
    "manager",
    "assessor",
    "board",
    "member",
    "admin",
    "administrator",
    "password",
    "passphrase",
    "welcome",
    "letmein",
]
# A password made of context words needs at least this many other letters to be accepted.
MIN_OTHER_LETTERS = 6


class MaximumLengthValidator:
    """Long passphrases are welcome (ASVS 6.2.9: at least 64 characters); a cap only stops abuse."""

    def __init__(self, max_length: int = 256):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                f"The password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self):
        return f"Your password can be up to {self.max_length} characters long."


def context_words(extra: list[str] | None = None) -> list[str]:
    words = set(CONTEXT_WORDS) | set(extra or [])
    for name in (settings.NORTHSTAR_SERVICE_NAME, settings.NORTHSTAR_ORGANISATION_NAME):
        words |= {w for w in re.findall(r"[a-z]+", name.lower()) if len(w) >= 4}
    return sorted(words, key=len, reverse=True)


class ContextWordsValidator:
    """Rejects passwords that are mostly the service's own words (e.g. "Northstar2025!" or
    "LiverpoolCityRegion1"), however they are capitalised or padded with digits and symbols.
    A passphrase that merely contains one of the words is fine."""

    def __init__(self, words: list[str] | None = None, min_other_letters: int = MIN_OTHER_LETTERS):
        self.extra = [w.lower() for w in words or []]
        self.min_other_letters = min_other_letters

    def validate(self, password, user=None):
        letters = re.sub(r"[^a-z]", "", password.lower())
        rest = letters
        for word in context_words(self.extra):
            rest = rest.replace(word, "")
        if len(rest) < self.min_other_letters and len(rest) < len(letters):
            raise ValidationError(
                "The password is too easy to guess: it is mostly the name of this service, "
                "its organisation or a role. Choose a passphrase of your own words.",
                code="password_context_words",
            )

    def get_help_text(self):
        return "Your password cannot be just the name of this service, its place or a role."
