from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import policies
from crm.web.access import web_view

# (url name, title, summary, policy resource the reader needs)
SECTIONS = (
    ("web:settings_users", _("Users and roles"), _("Invite, change roles, deactivate."), "users"),
    ("web:settings_teams", _("Teams"), _("Who works together, and who leads."), "teams"),
    (
        "web:settings_pipelines",
        _("Pipelines and stages"),
        _("Stage order, win probability, rotting days."),
        "pipelines",
    ),
    (
        "web:settings_lost_reasons",
        _("Lost reasons"),
        _("What sellers pick when a deal is lost."),
        "lost_reasons",
    ),
    (
        "web:settings_sla",
        _("SLA targets"),
        _("Hours to answer and resolve a ticket, per priority."),
        "sla_targets",
    ),
    (
        "metrics:exchange_rates",
        _("Exchange rates"),
        _("Rates that convert amounts to the reporting currency."),
        "exchange_rates",
    ),
    ("web:settings_email", _("Email sender"), _("The From of every email sent."), "settings"),
    (
        "web:settings_email_templates",
        _("Email templates"),
        _("Ready-made emails sellers and agents send from records."),
        "email_templates",
    ),
    (
        "web:settings_audit",
        _("Audit log"),
        _("Sign-ins, role changes, exports, merges, deletes and settings changes."),
        "audit",
    ),
)


@web_view("settings")
def settings_index(request):
    sections = [
        {"url": reverse(name), "title": title, "summary": summary}
        for name, title, summary, resource in SECTIONS
        if policies.can_read(request.user, resource)
    ]
    return render(request, "settings/index.html", {"sections": sections})


def back_to_settings() -> dict:
    return {"back_url": reverse("web:settings"), "back_label": gettext("Settings")}


def posted(request):
    """The POST data of a form submission, even an empty one (a form with only optional
    fields is valid when empty); None on GET."""
    return request.POST if request.method == "POST" else None
