"""Template context every page needs: the navigation for the user's role and their badges."""

from functools import cache
from typing import Any

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from crm import policies
from crm.models import Notification
from crm.navigation import NavItem, nav_registered


def _allowed(user, item: NavItem) -> bool:
    if item.resource is not None:
        return policies.can_read(user, item.resource)
    return user.has_role(*item.roles)


def nav_items(user, path: str) -> list[dict]:
    """The links this user may follow, in menu order, marking the one for `path` current."""
    items: list[dict[str, Any]] = []
    for item in nav_registered():
        if not _allowed(user, item):
            continue
        url = reverse(item.url_name)
        items.append({"url": url, "label": item.label, "icon": item.icon, "name": item.url_name})
    # The longest matching prefix wins, so /pipeline/3/ marks "Pipeline", not "My day".
    matches = [
        i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for entry in items:
        entry["current"] = entry is current
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: nav_items(user, request.path)),
        # Lazy: costs a query only on pages that render the badge. A cached callable, not a
        # SimpleLazyObject: templates call it and get a real int, which plural formulas
        # such as Romanian's (`n % 100`) need.
        "unread_notifications": cache(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        ),
        "show_admin_link": user.is_staff or user.is_admin_role,
    }
