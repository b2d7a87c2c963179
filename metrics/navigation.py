"""metrics' links in crm's menu, My day and settings index (MetricsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import (
    MENU,
    SETTINGS_SECTIONS,
    SHORTCUTS,
    NavItem,
    SettingsSection,
    Shortcut,
)


def register_metrics_links() -> None:
    MENU.register(
        NavItem("metrics:dashboard", _("Dashboard"), "chart", order=900, resource="kpis"),
        NavItem(
            "metrics:reports",
            _("Reports"),
            "report",
            order=1000,
            # Reps open their own row of the sales report; the report pages scope it.
            roles=frozenset({Role.REP, Role.MANAGER, Role.MARKETING, Role.SUPPORT, Role.ADMIN}),
        ),
        NavItem("metrics:forecast", _("Forecast"), "chart", order=1100, resource="forecast"),
        NavItem(
            "metrics:exchange_rates",
            _("Exchange rates"),
            "chart",
            order=1900,
            resource="exchange_rates",
        ),
    )
    dashboard = (_("KPI dashboard"), _("Where the numbers stand today."), "chart")
    SHORTCUTS.register(
        Shortcut(
            "metrics:reports",
            _("Support report"),
            _("Resolution time and NPS trend."),
            "report",
            role=Role.SUPPORT,
            order=200,
        ),
        Shortcut(
            "metrics:reports",
            _("Marketing report"),
            _("Revenue, new customers and CAC per campaign."),
            "report",
            role=Role.MARKETING,
            order=400,
        ),
        Shortcut("metrics:dashboard", *dashboard, role=Role.MANAGER, order=200),
        Shortcut(
            "metrics:reports",
            _("Reports"),
            _("Sales performance and bottlenecks."),
            "report",
            role=Role.MANAGER,
            order=400,
        ),
        Shortcut("metrics:dashboard", *dashboard, role=Role.ADMIN, order=300),
    )
    SETTINGS_SECTIONS.register(
        SettingsSection(
            "metrics:exchange_rates",
            _("Exchange rates"),
            _("Rates that convert amounts to the reporting currency."),
            "exchange_rates",
            order=600,
        )
    )
