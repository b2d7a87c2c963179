"""Demo data for `manage.py seed_demo`: a year of a small sales team's life.

Deterministic (one seeded random source, dates relative to today) and idempotent: the
configuration rows are looked up by name, and the history is written only into a
database without contacts. History goes through the crm services with historical
timestamps and `automate=False`, so automation never acts on the past.

Other apps add their own demo rows with a `<app>.demo` module that defines
`seed_demo(*, users, anchor, stdout, **kwargs)`; it is called on every run, after the
core data, and must be idempotent itself.
"""

import importlib
import importlib.util
import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from crm.models import Contact, DomainEvent

from . import aftersales, people, sales, setup
from .context import DemoContext
from .setup import DEMO_PASSWORD, DEMO_USERS

logger = logging.getLogger(__name__)

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedResult", "seed_demo"]


@dataclass
class SeedResult:
    created: bool
    contacts: int
    deals: int


def _history(ctx: DemoContext) -> int:
    people.make_companies(ctx)
    legacy = people.make_legacy_customers(ctx)
    planned_leads = people.make_leads(ctx, referrers=legacy)
    direct = people.make_direct_contacts(ctx, referrers=legacy)
    new_deals = sales.make_lead_deals(ctx, planned_leads)
    new_deals += sales.make_direct_deals(ctx, direct)
    renewals = aftersales.make_legacy_subscriptions(ctx, legacy)
    aftersales.make_new_subscriptions(ctx, new_deals)
    customers = sales.customers_of(legacy + [d.contact for d in new_deals if d.contact])
    expansions = sales.make_expansion_deals(ctx, customers)
    aftersales.make_repeat_purchases(ctx, sales.customers_of(customers))
    aftersales.apply_churn(ctx)
    sales.log_lead_calls(ctx, planned_leads)
    sales.make_my_day(ctx)
    everyone = list(Contact.objects.filter(customer_since__isnull=False).order_by("pk"))
    aftersales.make_tickets(ctx, everyone)
    aftersales.make_nps(ctx, everyone)
    aftersales.make_spend(ctx)
    return len(new_deals) + len(renewals) + len(expansions)


def _app_hooks():
    for config in apps.get_app_configs():
        # The project's own apps only (nested ones such as automation.marketing too).
        if config.name == "crm" or "site-packages" in config.path:
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        hook = getattr(importlib.import_module(module_name), "seed_demo", None)
        if callable(hook):
            yield module_name, hook


def seed_demo(*, stdout=None) -> SeedResult:
    ctx = DemoContext.create()
    with transaction.atomic():
        setup.ensure_users(ctx)
        setup.ensure_pipelines(ctx)
        setup.ensure_campaigns_and_tags(ctx)

    created, deals = False, 0
    if not Contact.objects.exists():
        before = DomainEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        # No handler receives the history's events, not even after commit; they are then
        # marked as history so the outbox sweep never hands them over either. DEBUG off
        # spares logging some 60,000 queries.
        quiet = override_settings(DEBUG=False, GOALPOST_DOMAIN_EVENT_HANDLERS=[])
        with quiet, transaction.atomic():
            deals = _history(ctx)
            DomainEvent.objects.filter(pk__gt=before).update(
                automate=False, processed_at=timezone.now()
            )
        created = True

    for module_name, hook in _app_hooks():
        logger.info("seed_demo: %s", module_name)
        hook(users=dict(ctx.users), anchor=ctx.anchor, stdout=stdout)
    return SeedResult(created=created, contacts=Contact.objects.count(), deals=deals)
