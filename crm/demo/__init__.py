"""Demo data for `manage.py seed_demo`: a year of a small sales team's life.

Deterministic (one seeded random source, dates relative to today) and idempotent: the
configuration rows are looked up by name, and the history is written only into a
database without contacts. History goes through the crm services with historical
timestamps and `automate=False`, so automation never acts on the past.

Labels are written in one language (`language`, by default `GOALPOST_DEMO_LANGUAGE`):
everything runs inside `translation.override`, and the phases translate what they drew
from the English word lists, so the rows are the same in every language but for their
words. The language is chosen at the first seeding; a later run in another language adds
configuration rows in that language beside the first ones and no history.

Other apps add their own demo rows with a `<app>.demo` module that defines
`seed_demo(*, users, campaigns, anchor, stdout, in_worker, **kwargs)`; it is called on
every run, after the core data, inside the same language override, and must be idempotent
itself. `in_worker` is True when a Celery worker is about to start (`make run`): a hook may
then hand slow derived rows (metrics' year of KPI snapshots) to it instead of making them.
A module may also define `seed_demo_first` (same arguments) for rows that another app's
hook reads: every `seed_demo_first` runs before any `seed_demo` (goals' quotas, so the
metrics hook's KPI history measures quota attainment).
"""

import importlib
import importlib.util
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone, translation
from tqdm import tqdm

from crm.models import Contact, DomainEvent
from crm.services.workspace import workspace_defaults_seed

from . import aftersales, people, sales, setup
from .context import DemoContext
from .setup import DEMO_PASSWORD, DEMO_USERS

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedResult", "seed_demo"]


@dataclass
class SeedResult:
    created: bool
    contacts: int
    deals: int


def _history(ctx: DemoContext, progress: tqdm) -> int:
    def step(label: str, make, *args, **kwargs):
        progress.set_postfix_str(label)
        result = make(ctx, *args, **kwargs)
        progress.update()
        return result

    step("companies", people.make_companies)
    legacy = step("long-standing customers", people.make_legacy_customers)
    planned_leads = step("leads", people.make_leads, referrers=legacy)
    direct = step("contacts", people.make_direct_contacts, referrers=legacy)
    new_deals = step("deals from leads", sales.make_lead_deals, planned_leads)
    new_deals += step("direct deals", sales.make_direct_deals, direct)
    renewals = step("subscriptions", aftersales.make_legacy_subscriptions, legacy)
    step("new subscriptions", aftersales.make_new_subscriptions, new_deals)
    customers = sales.customers_of(legacy + [d.contact for d in new_deals if d.contact])
    expansions = step("upsell and cross-sell deals", sales.make_expansion_deals, customers)
    step("repeat purchases", aftersales.make_repeat_purchases, sales.customers_of(customers))
    step("churn", aftersales.apply_churn)
    step("calls on leads", sales.log_lead_calls, planned_leads)
    step("today's tasks", sales.make_my_day)
    everyone = list(Contact.objects.filter(customer_since__isnull=False).order_by("pk"))
    step("tickets", aftersales.make_tickets, everyone)
    step("NPS answers", aftersales.make_nps, everyone)
    step("marketing spend", aftersales.make_spend)
    sales.mark_forecast_categories()
    return len(new_deals) + len(renewals) + len(expansions)


HISTORY_STEPS = 16


def _app_hooks(name: str = "seed_demo"):
    for config in apps.get_app_configs():
        # The project's own apps only (nested ones such as automation.marketing too).
        if config.name == "crm" or "site-packages" in config.path:
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        hook = getattr(importlib.import_module(module_name), name, None)
        if callable(hook):
            yield module_name, hook


def seed_demo(*, stdout=None, language: str | None = None, in_worker: bool = False) -> SeedResult:
    with translation.override(language or settings.GOALPOST_DEMO_LANGUAGE):
        return _seed(stdout, in_worker=in_worker)


def _seed(stdout, *, in_worker: bool) -> SeedResult:
    ctx = DemoContext.create()
    with transaction.atomic():
        setup.ensure_users(ctx)
        setup.ensure_pipelines(ctx)
        setup.ensure_campaigns_and_tags(ctx)
        setup.ensure_email_templates()
        workspace_defaults_seed()

    created, deals = False, 0
    if not Contact.objects.exists():
        before = DomainEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        # No handler receives the history's events, not even after commit; they are then
        # marked as history so the outbox sweep never hands them over either. DEBUG off
        # spares logging some 60,000 queries.
        quiet = override_settings(DEBUG=False, GOALPOST_DOMAIN_EVENT_HANDLERS=[])
        bar = tqdm(total=HISTORY_STEPS, desc="Demo history", unit="step", disable=stdout is None)
        with quiet, transaction.atomic(), bar:
            deals = _history(ctx, bar)
            DomainEvent.objects.filter(pk__gt=before).update(
                automate=False, processed_at=timezone.now()
            )
        created = True

    hooks = [*_app_hooks("seed_demo_first"), *_app_hooks("seed_demo")]
    for module_name, hook in hooks:
        if stdout is not None and hook.__name__ == "seed_demo":
            stdout.write(f"Demo data of {module_name.removesuffix('.demo')}")
        hook(
            users=dict(ctx.users),
            campaigns=dict(ctx.campaigns),
            anchor=ctx.anchor,
            stdout=stdout,
            in_worker=in_worker,
        )
    return SeedResult(created=created, contacts=Contact.objects.count(), deals=deals)
