from rest_framework import permissions

from crm import policies


class PolicyPermission(permissions.BasePermission):
    """Role grants from `crm.policies.ACCESS`; the view names its resource.

    Reading needs read access, anything else write access (403 otherwise); a viewset's
    `policy_read_actions` (e.g. a dry run, POSTed but writing nothing) need read access
    only. Rows outside the user's scope never reach here: `get_queryset` filters them,
    so they are 404s.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS or _reads_only(view):
            return policies.can_read(user, view.policy_resource)
        return policies.can_write(user, view.policy_resource)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or _reads_only(view):
            return True
        return policies.can_edit_row(request.user, view.policy_resource, obj)


def _reads_only(view) -> bool:
    return getattr(view, "action", None) in getattr(view, "policy_read_actions", ())
