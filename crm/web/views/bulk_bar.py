"""The bulk-action bar above a list: which actions the user may run, and their choices."""

from crm import policies
from crm.models import BulkKind, Stage
from crm.services.bulk import RESOURCES
from crm.web.forms.widgets import active_users


def bulk_bar(request, resource: str, context: dict) -> dict | None:
    """Context for web/_bulk_bar.html, or None when the user may not change `resource`.

    Two queries whatever the page size (owners, and stages for deals).
    """
    user = request.user
    if not policies.can_write(user, resource):
        return None
    spec = RESOURCES[resource]
    owners = []
    if BulkKind.REASSIGN in spec.kinds:
        owners = (
            list(active_users(*spec.owner_roles).order_by("first_name", "last_name", "pk"))
            if user.sees_all_sales or user.has_role("support")
            else [user]
        )
    stages = []
    if BulkKind.MOVE_STAGE in spec.kinds:
        stages = list(
            Stage.objects.select_related("pipeline").order_by("pipeline__name", "position", "pk")
        )
    paginator = context["page_obj"].paginator
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "resource": resource,
        "kinds": [(k, BulkKind(k).label) for k in BulkKind.values if k in spec.kinds],
        "owners": owners,
        "stages": stages,
        "matching_count": paginator.count,
        # False above settings.LIST_COUNT_LIMIT: "all 10,000+ matching" (crm.counting).
        # The action itself works on the filter, so it reaches every matching row.
        "matching_exact": paginator.count_is_exact,
        "filter": params.urlencode(),
    }
