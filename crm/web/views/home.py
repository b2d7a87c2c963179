"""The landing page: My day for sales, a sensible start page for every other role."""

from django.conf import settings
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from crm import policies
from crm.models import Deal, Role, Ticket
from crm.web import selectors
from crm.web.access import web_view
from crm.web.forms.activities import QuickLogForm


def _links(*names_and_labels) -> list[dict]:
    """Shortcut cards for the URL names that exist (other apps may not be installed yet)."""
    links = []
    for name, label, description, icon in names_and_labels:
        try:
            links.append(
                {"url": reverse(name), "label": label, "description": description, "icon": icon}
            )
        except NoReverseMatch:
            continue
    return links


ROLE_SHORTCUTS = {
    Role.SUPPORT: (
        ("web:ticket_list", _("Ticket queue"), _("Open tickets by priority and SLA."), "ticket"),
        ("metrics:reports", _("Support report"), _("Resolution time and NPS trend."), "report"),
        ("web:contact_list", _("Customers"), _("Find a customer and their history."), "contact"),
    ),
    Role.MARKETING: (
        ("web:lead_list", _("Leads"), _("Score, qualify and hand leads to sales."), "lead"),
        ("marketing:campaigns", _("Campaigns"), _("Nurture series and A/B tests."), "mail"),
        (
            "automation:rules",
            _("Automation rules"),
            _("What happens when deals and leads change."),
            "bolt",
        ),
        (
            "metrics:reports",
            _("Marketing report"),
            _("Revenue, new customers and CAC per campaign."),
            "report",
        ),
    ),
    Role.MANAGER: (
        ("web:board", _("Pipeline"), _("Every rep's deals, stage by stage."), "board"),
        ("metrics:dashboard", _("KPI dashboard"), _("Where the numbers stand today."), "chart"),
        ("goals:list", _("Goals"), _("SMART goals and their progress."), "goal"),
        ("metrics:reports", _("Reports"), _("Sales performance and bottlenecks."), "report"),
    ),
    Role.ADMIN: (
        ("admin:index", _("Administration"), _("Users, roles, pipelines and stages."), "company"),
        ("web:board", _("Pipeline"), _("Every deal, stage by stage."), "board"),
        ("metrics:dashboard", _("KPI dashboard"), _("Where the numbers stand today."), "chart"),
    ),
}


@web_view("account")
@require_GET
def home(request):
    user = request.user
    role = policies.role_of(user)
    context = {
        "is_sales": policies.can_read(user, "deals"),
        # Everyone's own tasks; reps live here, other roles also get their shortcuts.
        "day": selectors.my_day(user=user),
        "shortcuts": _links(*ROLE_SHORTCUTS.get(role, ())),
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
