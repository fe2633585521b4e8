"""Function-level access checks for pages (the object-level check stays in each view)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def permission_required_or_login(perm: str):
    """Let the view run only for a user holding `perm`.

    Anonymous users are sent to the sign-in page (with ?next= back here); signed-in users
    without the permission get a 403, which DeniedAccessLogMiddleware logs.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied(f"{perm} required")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
