from django.core.exceptions import ValidationError


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
