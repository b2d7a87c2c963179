"""Policy checks for the marketing pages: no read right is a 403, an unknown row a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from crm import policies

RESOURCE = "marketing"


def marketing_view(*, write: bool | None = None, resource: str = RESOURCE):
    """Login, then the read right; the write right too for `write` (default: for POSTs)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not policies.can_read(request.user, resource):
                raise PermissionDenied
            needs_write = request.method == "POST" if write is None else write
            if needs_write and not policies.can_write(request.user, resource):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
