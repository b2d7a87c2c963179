"""The landing page: My day for sales, a sensible start page for every other role."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from crm import policies
from crm.models import Deal, Role, Ticket
from crm.navigation import shortcuts_for
from crm.web import selectors
from crm.web.access import web_view
from crm.web.forms.activities import QuickLogForm


def _shortcuts(role: str) -> list[dict]:
    """My day's cards for `role`: crm's and those the other apps registered (crm.navigation)."""
    return [
        {
            "url": reverse(link.url_name),
            "label": link.label,
            "description": link.description,
            "icon": link.icon,
        }
        for link in shortcuts_for(role)
    ]


@web_view("account")
@require_GET
def home(request):
    user = request.user
    role = policies.role_of(user)
    context = {
        "is_sales": policies.can_read(user, "deals"),
        # Everyone's own tasks; reps live here, other roles also get their shortcuts.
        "day": selectors.my_day(user=user),
        "shortcuts": _shortcuts(role),
        "default_currency": settings.GOALPOST_DEFAULT_CURRENCY,
        "reporting_currency": settings.GOALPOST_REPORTING_CURRENCY,
    }
    if policies.can_read(user, "leads"):
        context["top_leads"] = selectors.top_leads(user=user)
    if context["is_sales"]:
        context["summary"] = selectors.pipeline_summary(user=user)
        deals = policies.scope(user, "deals", Deal.objects.open())
        context["quick_log_form"] = QuickLogForm(deals=deals)
    else:
        context["quick_log_form"] = QuickLogForm(deals=Deal.objects.none())
    if role == Role.SUPPORT:
        tickets = policies.scope(user, "tickets", Ticket.objects.unresolved())
        context["ticket_counts"] = {
            "open": tickets.count(),
            "mine": tickets.filter(assignee=user).count(),
        }
    return render(request, "home/home.html", context)
