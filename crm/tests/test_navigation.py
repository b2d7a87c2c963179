"""The menu, My day's shortcuts and the settings index list what the apps registered
(crm.navigation), in the same order as when crm named every app's pages itself."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from crm.context_processors import nav_items
from crm.models import Role
from crm.navigation import (
    CRM_MENU,
    CRM_SETTINGS_SECTIONS,
    CRM_SHORTCUTS,
    MENU,
    SETTINGS_SECTIONS,
    SHORTCUTS,
    NavItem,
    Shortcut,
    nav_register,
    nav_registered,
    shortcuts_for,
)

# The menu an administrator saw when crm still listed every app's pages itself.
ADMIN_MENU = [
    "web:home",
    "web:board",
    "web:deal_list",
    "web:lead_list",
    "web:contact_list",
    "web:company_list",
    "web:activity_list",
    "web:ticket_list",
    "metrics:dashboard",
    "metrics:reports",
    "metrics:forecast",
    "goals:list",
    "automation:rules",
    "marketing:campaigns",
    "marketing:segments",
    "web:suppression_list",
    "importing:start",
    "importing:quality",
    "metrics:exchange_rates",
    "web:settings",
]


SHORTCUTS_BY_ROLE = {
    Role.SUPPORT: ["web:ticket_list", "metrics:reports", "web:contact_list"],
    Role.MARKETING: ["web:lead_list", "marketing:campaigns", "automation:rules", "metrics:reports"],
    Role.MANAGER: ["web:board", "metrics:dashboard", "goals:list", "metrics:reports"],
    Role.ADMIN: ["admin:index", "web:board", "metrics:dashboard"],
    Role.REP: [],
}

SETTINGS_INDEX = [
    "web:settings_users",
    "web:settings_teams",
    "web:settings_pipelines",
    "web:settings_lost_reasons",
    "web:settings_sla",
    "metrics:exchange_rates",
    "web:settings_email",
    "web:settings_email_templates",
    "web:settings_audit",
]


@pytest.fixture
def registry(monkeypatch):
    """A copy of the menu's entries that the test may change; the real ones stay."""
    monkeypatch.setattr(MENU, "entries", dict(MENU.entries))
    return MENU.entries


def test_the_apps_registrations_give_the_menu_in_its_order(make_user):
    admin = make_user(Role.ADMIN)

    shown = [item["name"] for item in nav_items(admin, "/")]

    assert shown == ADMIN_MENU
    assert [item.url_name for item in nav_registered()] == ADMIN_MENU


def test_crm_lists_only_its_own_pages():
    links = [*CRM_MENU, *CRM_SHORTCUTS, *CRM_SETTINGS_SECTIONS]

    assert {link.url_name.split(":")[0] for link in links} == {"web", "importing", "admin"}


@pytest.mark.parametrize(("role", "expected"), SHORTCUTS_BY_ROLE.items())
def test_my_days_shortcuts_per_role_are_the_apps_registrations(client, make_user, role, expected):
    assert [link.url_name for link in shortcuts_for(role)] == expected

    client.force_login(make_user(role))
    shown = client.get(reverse("web:home")).context["shortcuts"]
    assert [link["url"] for link in shown] == [reverse(name) for name in expected]


def test_an_apps_shortcut_shows_because_it_registered_it(client, make_user, monkeypatch):
    monkeypatch.setattr(SHORTCUTS, "entries", dict(SHORTCUTS.entries))
    del SHORTCUTS.entries[(Role.MANAGER, "goals:list")]
    SHORTCUTS.register(
        Shortcut("goals:quotas", "Quotas", "Who carries what.", "goal", Role.MANAGER, order=250)
    )
    client.force_login(make_user(Role.MANAGER))

    shown = [link["url"] for link in client.get(reverse("web:home")).context["shortcuts"]]

    assert shown == [
        reverse(name)
        for name in ("web:board", "metrics:dashboard", "goals:quotas", "metrics:reports")
    ]


def test_the_settings_index_lists_the_registered_sections(client, admin_user):
    assert [section.url_name for section in SETTINGS_SECTIONS.registered()] == SETTINGS_INDEX
    client.force_login(admin_user)

    shown = client.get(reverse("web:settings")).context["sections"]

    assert [section["url"] for section in shown] == [reverse(name) for name in SETTINGS_INDEX]


def test_an_apps_page_is_in_the_menu_because_the_app_registered_it(registry, make_user):
    manager = make_user(Role.MANAGER)
    assert "goals:list" in [item["name"] for item in nav_items(manager, "/")]

    # Without goals' registration crm has no knowledge of the page.
    del registry["goals:list"]
    assert "goals:list" not in [item["name"] for item in nav_items(manager, "/")]

    nav_register(NavItem("goals:quotas", "Quotas", "goal", order=1250, resource="goals"))
    names = [item["name"] for item in nav_items(manager, reverse("goals:quotas"))]
    assert names.index("goals:quotas") == names.index("metrics:forecast") + 1
    current = [
        item["name"] for item in nav_items(manager, reverse("goals:quotas")) if item["current"]
    ]
    assert current == ["goals:quotas"]


def test_a_registered_page_follows_its_role_rule(registry, make_user):
    nav_register(
        NavItem("goals:quotas", "Quotas", "goal", order=1250, roles=frozenset({Role.ADMIN}))
    )

    assert "goals:quotas" in [i["name"] for i in nav_items(make_user(Role.ADMIN), "/")]
    assert "goals:quotas" not in [i["name"] for i in nav_items(make_user(Role.MANAGER), "/")]


def test_registering_a_page_again_replaces_it(registry):
    nav_register(NavItem("goals:list", "Targets", "goal", order=1200, resource="goals"))

    assert [str(i.label) for i in nav_registered() if i.url_name == "goals:list"] == ["Targets"]


def test_two_pages_may_not_share_a_place_in_the_menu(registry):
    with pytest.raises(ValueError, match="share place"):
        nav_register(NavItem("goals:quotas", "Quotas", "goal", order=1200))


# --- Buttons other apps add to crm's record pages (RECORD_ACTIONS) ---------------------

# The template folders of the apps above crm; every other folder is crm's to draw.
OTHER_APPS_TEMPLATES = ("automation", "marketing", "goals", "metrics")
OTHER_APPS_URLS = re.compile(r"""\{%\s*url\s+['"](automation|marketing|goals|metrics):""")


def test_crm_templates_name_no_page_of_the_apps_above_it():
    """What import-linter cannot see: a `{% url 'marketing:…' %}` in a crm template would
    break crm whenever marketing is removed; such buttons come from RECORD_ACTIONS."""
    templates = Path(settings.BASE_DIR) / "templates"
    named = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in templates.rglob("*.html")
        if path.relative_to(templates).parts[0] not in OTHER_APPS_TEMPLATES
        for match in OTHER_APPS_URLS.finditer(path.read_text())
    ]
    assert named == []


def test_record_pages_show_the_buttons_other_apps_registered(client, make_user):
    from crm.services.support import ticket_open
    from crm.tests.factories import ContactFactory, LeadFactory

    support = make_user(Role.SUPPORT, username="agent")
    marketer = make_user(Role.MARKETING, username="mkt")
    contact = ContactFactory(email="ada@example.com")
    lead = LeadFactory(contact=contact)
    ticket = ticket_open(actor=support, subject="Help", contact=contact)
    survey = f'<form method="post" action="{reverse("marketing:nps_send", args=[contact.pk])}">'
    why = f'href="{reverse("marketing:score_explanation", args=[contact.pk])}"'

    client.force_login(support)
    contact_page = client.get(reverse("web:contact_detail", args=[contact.pk]) + "?tab=notes")
    form = contact_page.text.split(survey, 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'name="next" value="/contacts/{contact.pk}/?tab=notes"' in form
    assert survey in client.get(reverse("web:ticket_detail", args=[ticket.pk])).text
    assert client.get(reverse("web:lead_detail", args=[lead.pk])).status_code == 403
    client.force_login(marketer)  # reads leads, may not send surveys
    assert why in client.get(reverse("web:lead_detail", args=[lead.pk])).text
    assert survey not in client.get(reverse("web:contact_detail", args=[contact.pk])).text


def test_a_record_action_takes_its_place_among_the_others():
    from crm.navigation import RECORD_ACTIONS, RecordAction

    clash = RecordAction("lead", "web:lead_list", "Elsewhere", "lead", order=100, resource="x")
    with pytest.raises(ValueError, match="share place"):
        RECORD_ACTIONS.register(clash)
