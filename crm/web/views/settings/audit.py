"""Settings → audit log: security events, filterable, for admins only."""

from django.shortcuts import render

from crm.counting import BoundedPaginator
from crm.models import AuditEvent
from crm.security.audit_filters import AuditEventFilter
from crm.web.access import web_view

from .index import back_to_settings

AUDIT_PAGE_SIZE = 50


@web_view("audit")
def audit_list(request):
    """`/settings/audit/?kind=&actor=&since=&until=&page=`; a bad filter value shows its
    error on the filter form and lists nothing (never a 500)."""
    queryset = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    # Always bound: an unbound FilterSet is never valid, and the bare page (the Settings
    # link) must list every event, newest first.
    filterset = AuditEventFilter(request.GET, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
    page = BoundedPaginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 200 if filterset.is_valid() else 400
    return render(
        request,
        "settings/audit.html",
        {"filter": filterset, "page_obj": page, **back_to_settings()},
        status=status,
    )
