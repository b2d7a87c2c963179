"""Permission-checked fetching for the browser views (the `access_*` habit).

Every view states the policy resource it serves; these helpers turn the policy into HTTP:
no read right is a 403, a row outside the user's scope is a 404, no write right is a 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from crm import policies


def require_read(user, resource: str) -> None:
    if not policies.can_read(user, resource):
        raise PermissionDenied


def require_write(user, resource: str) -> None:
    if not policies.can_write(user, resource):
        raise PermissionDenied


def visible(user, resource: str, queryset: QuerySet) -> QuerySet:
    """The rows of `resource` the user may see; 403 when they may not read it at all."""
    require_read(user, resource)
    return policies.scope(user, resource, queryset)


def access_row(user, resource: str, queryset: QuerySet, pk, *, write: bool = False) -> Model:
    """Fetch one row the user may see (else 404); with `write`, one they may change (else 403)."""
    row = get_object_or_404(visible(user, resource, queryset), pk=pk)
    if write and not policies.can_edit_row(user, resource, row):
        raise PermissionDenied
    return row


def web_view(resource: str, *, write: bool = False):
    """Login required, then the role's read (or write) right on `resource`."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_read(request.user, resource)
            if write:
                require_write(request.user, resource)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
