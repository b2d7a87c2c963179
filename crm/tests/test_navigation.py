"""The main menu is what the apps registered (crm.navigation), in the same order as ever."""

import pytest
from django.urls import reverse

from crm import navigation
from crm.context_processors import nav_items
from crm.models import Role
from crm.navigation import CRM_ITEMS, NavItem, nav_register, nav_registered

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


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry that the test may change; the real one is left as it was."""
    monkeypatch.setattr(navigation, "_registered", dict(navigation._registered))
    return navigation._registered


def test_the_apps_registrations_give_the_menu_in_its_order(make_user):
    admin = make_user(Role.ADMIN)

    shown = [item["name"] for item in nav_items(admin, "/")]

    assert shown == ADMIN_MENU
    assert [item.url_name for item in nav_registered()] == ADMIN_MENU


def test_crm_lists_only_its_own_pages():
    own = {item.url_name.split(":")[0] for item in CRM_ITEMS}

    assert own == {"web", "importing"}


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
    with pytest.raises(ValueError, match="share order 1200"):
        nav_register(NavItem("goals:quotas", "Quotas", "goal", order=1200))
