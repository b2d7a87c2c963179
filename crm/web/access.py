"""Permission-checked fetching for the browser views (the `access_*` habit).

Every view states the policy resource it serves; these helpers turn the policy into HTTP:
no read right is a 403, a row outside the user's scope is a 404, no write right is a 403.
"""

from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from crm import policies

M = TypeVar("M", bound=Model)


def require_read(user, resource: str) -> None:
    if not policies.can_read(user, resource):
        raise PermissionDenied


def require_write(user, resource: str) -> None:
    if not policies.can_write(user, resource):
        raise PermissionDenied


def visible(user, resource: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `resource` the user may see; 403 when they may not read it at all."""
    require_read(user, resource)
    return policies.scope(user, resource, queryset)


def access_row(user, resource: str, queryset: QuerySet[M], pk, *, write: bool = False) -> M:
    """Fetch one row the user may see (else 404); with `write`, one they may change (else 403)."""
    row = get_object_or_404(visible(user, resource, queryset), pk=pk)
    if write and not policies.can_edit_row(user, resource, row):
        raise PermissionDenied
    return row


def web_view(resource: str, *, write: bool | None = False):
    """Login required, then the role's read right on `resource` (a key of policies.ACCESS),
    and its write right too when `write` is True, or for POSTs when it is None.

    No right is a 403 (PermissionDenied); signed out is a redirect to the login page.
    The wrapped view carries `policy_resource`, so a test can tell every page asks the
    policy (crm/tests/test_every_view_guarded.py).
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_read(request.user, resource)
            if write or (write is None and request.method == "POST"):
                require_write(request.user, resource)
            return view(request, *args, **kwargs)

        wrapped.policy_resource = resource
        return wrapped

    return decorate
