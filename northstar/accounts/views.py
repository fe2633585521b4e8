import logging

from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.urls import reverse_lazy

from .network import client_address

log = logging.getLogger("northstar.security")


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # One message for an unknown username, a wrong password or a disabled account: no hint
        # which, so that accounts cannot be discovered by trying names (ASVS 6.3.8).
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
    }


class LoginView(auth_views.LoginView):
    """Sign in. The form passes `request` to authenticate(), which django-axes needs to throttle
    failed attempts; django.contrib.auth.login() gives the session a new key."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only): the session is flushed on the server."""


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The validators' rules as plain text (Django's default is an HTML list).
        self.fields["new_password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change your own password: the current one is asked for (ASVS 6.2.3), the new one is checked
    by AUTH_PASSWORD_VALIDATORS, and every other session of the account ends (Django's session
    auth hash changes) while this one continues."""

    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        log.info(
            "password changed user=%s from=%s",
            self.request.user.get_username(),
            client_address(self.request),
        )
        messages.success(
            self.request, "Your password was changed. You were signed out everywhere else."
        )
        return response
