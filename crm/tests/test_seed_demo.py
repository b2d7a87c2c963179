"""`manage.py seed_demo`: deterministic, idempotent, and history the product could have made.

A full seed takes about two minutes, so the suite seeds once, in Turkish: the labels are
checked against the committed catalog, and the row counts against those an English
seeding made on the same (frozen) day, which shows the language changes words only.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import polib
import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from automation.defaults import default_rules_seed
from automation.dry_run import rule_dry_run
from automation.marketing.models import CampaignStep
from automation.models import Rule
from crm.demo import DEMO_PASSWORD, DEMO_USERS
from crm.demo.vocabulary import LOST_REASONS
from crm.models import (
    Campaign,
    Contact,
    Deal,
    DealKind,
    DealStatus,
    DomainEvent,
    Lead,
    LeadStatus,
    NpsResponse,
    Pipeline,
    Purchase,
    Referral,
    Role,
    Spend,
    StageChange,
    Subscription,
    Team,
    Ticket,
    User,
)
from crm.tests.factories import ContactFactory
from goals.models import Goal, Quota
from metrics.models import KpiSnapshot
from metrics.tests.test_history import assert_history_equals_the_per_day_formula

PROJECT_APPS = ("crm", "metrics", "goals", "automation")
# The seeding's "today", so that counts do not move with the calendar (month lengths,
# renewal dates). Noon: the two minutes of seeding never cross midnight.
SEEDED_ON = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
# What `seed_demo --language en` made on SEEDED_ON (tables left empty omitted). Recorded
# with the English seeding; a change to the demo's volume updates it.
ENGLISH_ROW_COUNTS = {
    "crm.SuppressedAddress": 24,
    "crm.Tag": 10,
    "crm.Company": 120,
    "crm.Contact": 500,
    "crm.CustomerSpell": 174,
    "crm.Interaction": 579,
    "crm.Referral": 47,
    "crm.Campaign": 6,
    "crm.DomainEvent": 4053,
    "crm.Lead": 330,
    "crm.Pipeline": 2,
    "crm.Stage": 7,
    "crm.Deal": 393,
    "crm.StageChange": 1095,
    "crm.Activity": 1375,
    "crm.Purchase": 486,
    "crm.Subscription": 190,
    "crm.Spend": 62,
    "crm.Ticket": 240,
    "crm.TicketReply": 232,
    "crm.NpsResponse": 320,
    "crm.Team": 1,
    "crm.User": 7,
    "crm.LostReason": 6,
    "crm.SlaTarget": 4,
    "crm.EmailTemplate": 3,
    "metrics.KpiSnapshot": 14508,
    "goals.Goal": 5,
    # A monthly quota per rep (3) from the month of the KPI history's first window to the
    # seeding's month: 16 May 2025 (15 June 2026 minus 365 + 30 days) → May 2025 … June 2026.
    "goals.Quota": 42,
    "automation.Rule": 2,
    "automation.RoundRobinCursor": 1,
}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_refuses_without_debug_unless_forced(db):
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert Contact.objects.count() == 0


def test_seed_demo_language_defaults_to_the_setting(db, settings, monkeypatch):
    seeded_in = []

    def fake_seed_demo(*, stdout, language, in_worker):
        seeded_in.append((language, in_worker))
        return SimpleNamespace(created=False, contacts=0, deals=0)

    monkeypatch.setattr("crm.management.commands.seed_demo.seed_demo", fake_seed_demo)
    settings.GOALPOST_DEMO_LANGUAGE = "ko"
    call_command("seed_demo", force=True, stdout=StringIO())
    call_command("seed_demo", "--language", "de", "--in-worker", force=True, stdout=StringIO())
    assert seeded_in == [("ko", False), ("de", True)]

    settings.GOALPOST_DEMO_LANGUAGE = "xx"
    with pytest.raises(CommandError, match="GOALPOST_DEMO_LANGUAGE='xx'"):
        call_command("seed_demo", force=True, stdout=StringIO())
    assert len(seeded_in) == 2


def _catalog(language: str) -> dict[str, str]:
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    return {e.msgid: e.msgstr for e in polib.pofile(str(path)).translated_entries()}


def _turkish() -> dict[str, str]:
    return _catalog("tr")


def test_a_run_in_another_language_adds_configuration_beside_the_first(db, monkeypatch):
    # Given a database with a contact and a KPI snapshot: no history, only configuration
    # (the goals hook is left out: its goals need the KPI history of a full seed).
    default_rules_seed()
    ContactFactory()
    KpiSnapshot.objects.create(kpi="win_rate", scope_type="company", date=date(2026, 1, 1))
    monkeypatch.setattr("goals.demo.seed_demo", lambda **kwargs: None)
    tr, de = _catalog("tr"), _catalog("de")
    call_command("seed_demo", "--language", "tr", force=True, stdout=StringIO())
    turkish = _row_counts()

    # When it runs again in Turkish, then nothing is added.
    call_command("seed_demo", "--language", "tr", force=True, stdout=StringIO())
    assert _row_counts() == turkish

    # When it runs in German, then German configuration stands beside the Turkish one.
    call_command("seed_demo", "--language", "de", force=True, stdout=StringIO())
    assert set(Pipeline.objects.values_list("name", flat=True)) == {
        tr["Sales"],
        tr["Renewals"],
        de["Sales"],
        de["Renewals"],
    }
    assert Pipeline.objects.get(is_default=True).name == tr["Sales"]
    assert Campaign.objects.filter(name__in=[tr["Nurture"], de["Nurture"]]).count() == 2
    assert not Campaign.objects.filter(name="Nurture").exists()
    # The default rules were taken over once, in Turkish.
    assert set(Rule.objects.values_list("name", flat=True)) == {
        tr["Deal over $500 → call the owner"],
        tr["Deal $500 or less → Nurture"],
    }
    assert Contact.objects.count() == 1


@pytest.mark.slow
def test_seed_demo(db):
    """One test: loading the demo is the expensive part, so every check shares one load."""
    # Given what migrations create (gone if an earlier transactional test flushed them).
    default_rules_seed()
    out = StringIO()
    with time_machine.travel(SEEDED_ON, tick=True):
        call_command("seed_demo", "--language", "tr", force=True, stdout=out)
        assert {label: n for label, n in _row_counts().items() if n} == ENGLISH_ROW_COUNTS
        _check_idempotent_and_complete(out.getvalue())
        _check_events_carry_their_history_time()
        assert_history_equals_the_per_day_formula()
    _check_labels_are_turkish()
    _check_quota_attainment_is_measured()
    _check_stage_histories()
    _check_won_deals_have_purchases()


def _check_quota_attainment_is_measured():
    # The quotas are seeded before the KPI history (goals' `seed_demo_first`), so every
    # quota_attainment snapshot of the company, the team and each rep with a quota has a
    # value: none was backfilled before its quota existed.
    carriers = set(Quota.objects.values_list("owner_id", flat=True))
    rows = KpiSnapshot.objects.filter(kpi="quota_attainment")
    measured = rows.filter(
        Q(scope_type__in=["company", "team"]) | Q(scope_type="owner", scope_id__in=carriers)
    )
    assert measured.filter(scope_type="company").count() == 78
    assert not measured.filter(value__isnull=True).exists()
    assert not measured.filter(denominator=0).exists()


def _check_idempotent_and_complete(seeded: str):
    # Given one run; when it runs again, then nothing is added or changed.
    first = _row_counts()
    out = StringIO()
    call_command("seed_demo", "--language", "tr", force=True, stdout=out)
    assert _row_counts() == first
    assert "demo history not loaded" in out.getvalue()

    # The logins are printed and every demo user signs in with the published password.
    for username, role, _first, _last in DEMO_USERS:
        assert username in seeded
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.role == role
    tr = _turkish()
    sales = Team.objects.get(name=tr["Sales"])
    assert sales.manager.username == "manager"
    assert set(sales.members.values_list("username", flat=True)) == {"rep1", "rep2", "rep3"}
    assert User.objects.get(username="admin").is_superuser

    # Volume of the spec: ~500 contacts at 120 companies, ~400 deals in two pipelines.
    assert Contact.objects.count() == 500
    assert Contact.objects.values("company").distinct().count() == 121  # 120 + no company
    assert 380 <= Deal.objects.count() <= 430
    assert set(Pipeline.objects.values_list("name", flat=True)) >= {tr["Sales"], tr["Renewals"]}
    assert Pipeline.objects.get(is_default=True).name == tr["Sales"]
    assert {k for (k,) in Deal.objects.values_list("kind").distinct()} == set(DealKind.values)
    assert {s for (s,) in Deal.objects.values_list("status").distinct()} == set(DealStatus.values)
    assert not Deal.objects.filter(status=DealStatus.LOST, lost_reason="").exists()
    assert {s for (s,) in Lead.objects.values_list("status").distinct()} == set(LeadStatus.values)
    # The migration's English Nurture campaign is taken over, not doubled.
    assert not Campaign.objects.filter(name="Nurture").exists()
    assert CampaignStep.objects.filter(campaign__name=tr["Nurture"]).count() == 3

    # Every KPI has something to measure.
    assert Contact.objects.filter(opted_out=True).exists()
    assert Contact.objects.filter(referred_by__isnull=False).exists()
    assert Referral.objects.count() >= 20
    assert Contact.objects.filter(churned_at__isnull=False).count() >= 10
    # Customer history is kept as spells; the contacts' dates are derived from them.
    customers = Contact.objects.filter(customer_since__isnull=False)
    for contact in customers.prefetch_related("customer_spells"):
        spells = sorted(contact.customer_spells.all(), key=lambda s: s.started_at)
        assert (spells[0].started_at, spells[-1].ended_at, spells[0].first) == (
            contact.customer_since,
            contact.churned_at,
            True,
        )
    assert Purchase.objects.values("category").distinct().count() >= 5
    assert Subscription.objects.filter(status="renewed").exists()
    assert Subscription.objects.filter(status="cancelled").exists()
    assert Ticket.objects.filter(resolved_at__isnull=False).count() >= 100
    assert (
        NpsResponse.objects.filter(scale=10).count()
        > NpsResponse.objects.filter(scale=5).count()
        > 0
    )
    assert Spend.objects.values("month").distinct().count() == 12
    assert Spend.objects.filter(campaign__isnull=False).exists()
    # History never runs automation.
    assert not DomainEvent.objects.filter(automate=True).exists()

    # Reps have a day: calls due today or overdue.
    for rep in User.objects.filter(role=Role.REP):
        assert rep.activities.filter(done_at__isnull=True).count() >= 3


def _check_events_carry_their_history_time():
    """Each event of the history happened when its record says, not when it was seeded,
    so a rule's dry run over the last day counts that day only (it counted every deal)."""
    deals = {d.pk: d for d in Deal.objects.all()}
    events = DomainEvent.objects.filter(subject_type="deal")
    for event in events.filter(kind__in=["deal.created", "deal.won", "deal.lost"]):
        deal = deals[event.subject_id]
        happened = deal.created_at if event.kind == "deal.created" else deal.closed_at
        assert event.occurred_at == happened, event
    moves = StageChange.objects.exclude(entered_at=F("deal__created_at"))
    assert set(events.filter(kind="deal.stage_changed").values_list("occurred_at", flat=True)) == (
        set(moves.values_list("entered_at", flat=True))
    )
    purchased = dict(Purchase.objects.values_list("pk", "purchased_at"))
    for event in DomainEvent.objects.filter(kind="purchase.recorded"):
        assert event.occurred_at == purchased[event.subject_id]
    # Nothing happened after the seeding's "now".
    assert not DomainEvent.objects.filter(occurred_at__gt=timezone.now()).exists()

    call_rule = Rule.objects.get(name=_turkish()["Deal over $500 → call the owner"])
    last_day = rule_dry_run(rule=call_rule, days=1).as_dict()
    last_month = rule_dry_run(rule=call_rule, days=30).as_dict()
    created = DomainEvent.objects.filter(kind="deal.created")
    assert created.count() == Deal.objects.count() == 393
    # Before, every one of the 393 events fell in the last day; now a day and a month
    # hold what the deals' own dates say (the call rule: deals over $500).
    day_ago, month_ago = timezone.now() - timedelta(days=1), timezone.now() - timedelta(days=30)
    in_last_day = Deal.objects.filter(created_at__gte=day_ago)
    in_last_month = Deal.objects.filter(created_at__gte=month_ago)
    assert (last_day["events"], last_day["matched"]) == (
        in_last_day.count(),
        in_last_day.filter(value__gt=500).count(),
    )
    assert (last_month["events"], last_month["matched"]) == (
        in_last_month.count(),
        in_last_month.filter(value__gt=500).count(),
    )
    assert (last_month["events"], last_month["matched"]) == (39, 31)
    assert last_month["actions"] == [
        {"key": "create_task:call", "count": 31, "description": "created 31 call tasks"}
    ]


def _check_labels_are_turkish():
    tr = _turkish()
    lost_reasons = set(Deal.objects.exclude(lost_reason="").values_list("lost_reason", flat=True))
    assert tr["Price too high"] in lost_reasons
    assert lost_reasons == {tr[reason] for reason in LOST_REASONS}
    assert Goal.objects.filter(title=tr["Cut churn by 25 %"]).exists()
    assert Goal.objects.filter(title=tr["Win more of the deals I close"]).exists()
    assert set(Rule.objects.values_list("name", flat=True)) == {
        tr["Deal over $500 → call the owner"],
        tr["Deal $500 or less → Nurture"],
    }
    assert Deal.objects.filter(title__endswith=": " + tr["Analytics suite"]).exists()
    assert Purchase.objects.filter(category=tr["Software"]).exists()


def _check_stage_histories():
    deals = Deal.objects.annotate(
        open_rows=Count("stage_changes", filter=Q(stage_changes__left_at__isnull=True)),
        rows=Count("stage_changes"),
    )
    for deal in deals:
        assert deal.rows >= 1
        if deal.status == DealStatus.OPEN:
            assert deal.open_rows == 1, deal
        else:
            assert deal.open_rows == 0, deal
    # Rows of one deal follow each other: each stay starts where the previous ended, in
    # the pipeline's order, and the open one is the deal's current stage.
    for deal in Deal.objects.prefetch_related("stage_changes__stage")[:150]:
        rows = list(deal.stage_changes.all())
        assert rows[0].entered_at == deal.created_at
        for before, after in itertools.pairwise(rows):
            assert before.left_at == after.entered_at
            assert before.stage.position < after.stage.position
        assert rows[-1].stage_id == deal.stage_id
        if deal.status != DealStatus.OPEN:
            assert rows[-1].left_at == deal.closed_at
    assert not StageChange.objects.exclude(stage__pipeline=F("deal__pipeline")).exists()


def _check_won_deals_have_purchases():
    won = Deal.objects.filter(status=DealStatus.WON)
    assert won.count() >= 100
    assert not won.filter(purchases__isnull=True).exists()
    assert set(won.values_list("purchases__amount", flat=True)) <= set(
        won.values_list("value", flat=True)
    )
    for deal in won.select_related("contact")[:100]:
        assert deal.contact.customer_since <= deal.closed_at
    # Repeat customers exist (two or more purchases).
    repeat = Purchase.objects.values("contact").annotate(n=Count("id")).filter(n__gte=2)
    assert repeat.count() >= 30
