"""Every KPI for one quarter on 100,000 contacts, 50,000 deals and 200,000 purchases.

Times the ORM computation (metrics.registry) next to a hand-written SQL statement for
the same number (the floor), prints both and their ratio per KPI and in total, and
asserts that the two agree. The data is reused when a previous run left it in place.

    make bench                      # with the other benchmarks
    python -m bench.kpis            # alone (DATABASE_URL defaults to goalpost_bench)
"""

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench._setup import setup

setup(flush=False)

from dateutil.relativedelta import relativedelta  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from crm import models as m  # noqa: E402
from metrics import registry  # noqa: E402
from metrics.scopes import Period  # noqa: E402

CONTACTS, DEALS, PURCHASES = 100_000, 50_000, 200_000
MARK = "@kpi.bench"
BATCH = 5_000
PERIOD = Period(date(2025, 4, 1), date(2025, 7, 1))
FIRST, LAST = datetime(2023, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC)
SPAN = int((LAST - FIRST).total_seconds())
rng = random.Random(42)


def moment(after=FIRST):
    room = max(int((LAST - after).total_seconds()), 1)
    return after + timedelta(seconds=rng.randrange(room))


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)


def load() -> None:
    started = time.perf_counter()
    call_command("flush", verbosity=0, interactive=False)
    reps = [m.User(username=f"bench-rep{i}", role=m.Role.REP, is_active=True) for i in range(20)]
    teams = [m.Team.objects.create(name=f"Bench team {i}") for i in range(4)]
    for i, rep in enumerate(reps):
        rep.team = teams[i % 4]
    _bulk(m.User, reps)
    reps = list(m.User.objects.filter(role=m.Role.REP))
    agents = [
        m.User.objects.create(username=f"bench-agent{i}", role=m.Role.SUPPORT) for i in range(5)
    ]
    pipeline = m.Pipeline.objects.create(name="Bench", is_default=True)
    stages = [
        m.Stage.objects.create(pipeline=pipeline, name=name, position=i, rotting_days=14)
        for i, name in enumerate(["Qualified", "Needs analysis", "Proposal", "Negotiation"])
    ]
    campaigns = [m.Campaign.objects.create(name=f"Bench campaign {i}") for i in range(10)]

    contacts = []
    for i in range(CONTACTS):
        since = churned = None
        if rng.random() < 0.6:
            since = moment(FIRST - timedelta(days=700))
            if rng.random() < 0.15:
                churned = since + timedelta(days=rng.randrange(30, 1400))
                churned = churned if churned < LAST else None
        contacts.append(
            m.Contact(
                first_name=f"C{i}",
                email=f"c{i}{MARK}",
                owner=rng.choice(reps),
                customer_since=since,
                churned_at=churned,
                lifecycle="customer" if since else "lead",
            )
        )
    _bulk(m.Contact, contacts)
    contacts = list(m.Contact.objects.only("id", "customer_since"))
    customers = [c for c in contacts if c.customer_since]

    deals, changes = [], []
    for i in range(DEALS):
        created = moment()
        roll = rng.random()
        status = "open" if roll < 0.4 else "won" if roll < 0.75 else "lost"
        closed = (
            None
            if status == "open"
            else min(created + timedelta(days=rng.randrange(1, 120)), LAST + timedelta(days=200))
        )
        deals.append(
            m.Deal(
                title=f"D{i}",
                value=Decimal(rng.randrange(100, 20_000)),
                pipeline=pipeline,
                stage=rng.choice(stages),
                owner=rng.choice(reps),
                contact=rng.choice(contacts),
                status=status,
                kind=rng.choice(["new", "new", "upsell", "cross_sell", "renewal"]),
                created_at=created,
                closed_at=closed,
            )
        )
    _bulk(m.Deal, deals)
    for deal in m.Deal.objects.only("id", "created_at", "stage_id", "status"):
        left = deal.created_at + timedelta(days=rng.randrange(1, 60), hours=rng.randrange(24))
        changes.append(
            m.StageChange(
                deal_id=deal.pk, stage=stages[0], entered_at=deal.created_at, left_at=left
            )
        )
        if deal.status == "open":
            changes.append(m.StageChange(deal_id=deal.pk, stage_id=deal.stage_id, entered_at=left))
    _bulk(m.StageChange, changes)

    _bulk(
        m.Purchase,
        (
            m.Purchase(
                contact=(buyer := rng.choice(customers)),
                amount=Decimal(rng.randrange(1_000, 200_000)) / 100,
                purchased_at=moment(max(buyer.customer_since, FIRST)),
                category=rng.choice(["Software", "Training", "Support", "Hardware", ""]),
                campaign=rng.choice(campaigns) if rng.random() < 0.3 else None,
            )
            for _ in range(PURCHASES)
        ),
    )
    leads = []
    for _ in range(50_000):
        created = moment()
        converted = created + timedelta(days=rng.randrange(1, 90)) if rng.random() < 0.3 else None
        leads.append(
            m.Lead(
                contact=rng.choice(contacts),
                owner=rng.choice(reps),
                campaign=rng.choice(campaigns) if rng.random() < 0.5 else None,
                created_at=created,
                status="converted" if converted else "working",
                converted_at=converted,
            )
        )
    _bulk(m.Lead, leads)
    lead_ids = list(m.Lead.objects.values_list("id", flat=True))
    _bulk(
        m.Activity,
        (
            m.Activity(
                kind=rng.choice(["call", "call", "email", "meeting"]),
                subject="Bench",
                lead_id=rng.choice(lead_ids),
                assignee=rng.choice(reps),
                done_at=moment() if rng.random() < 0.8 else None,
            )
            for _ in range(60_000)
        ),
    )
    subscriptions = []
    for _ in range(20_000):
        status = rng.choice(["renewed", "renewed", "renewed", "cancelled", "active"])
        subscriptions.append(
            m.Subscription(
                contact=rng.choice(customers),
                plan="Pro",
                amount=Decimal(50),
                started_at=FIRST,
                renewal_due=(moment()).date(),
                status=status,
                renewed_at=LAST if status == "renewed" else None,
            )
        )
    _bulk(m.Subscription, subscriptions)
    tickets = []
    for _ in range(20_000):
        opened = moment()
        resolved = opened + timedelta(hours=rng.randrange(1, 200)) if rng.random() < 0.8 else None
        tickets.append(
            m.Ticket(
                subject="Bench",
                assignee=rng.choice(agents),
                opened_at=opened,
                resolved_at=resolved,
                sla_due_at=opened + timedelta(hours=24),
                status="resolved" if resolved else "open",
            )
        )
    _bulk(m.Ticket, tickets)
    _bulk(
        m.NpsResponse,
        (
            m.NpsResponse(
                contact=rng.choice(contacts),
                score=rng.randrange(0, 11),
                scale=10,
                responded_at=moment(),
            )
            if rng.random() < 0.7
            else m.NpsResponse(
                contact=rng.choice(contacts),
                score=rng.randrange(1, 6),
                scale=5,
                responded_at=moment(),
            )
            for _ in range(20_000)
        ),
    )
    _bulk(
        m.Referral,
        (
            m.Referral(referrer=contacts[i], referred=contacts[i + 1], referred_on=moment().date())
            for i in range(0, 10_000, 2)
        ),
    )
    month = FIRST.date()
    spend = []
    while month <= LAST.date():
        spend.append(m.Spend(month=month, category="sales", amount=Decimal(20_000)))
        spend.extend(
            m.Spend(
                month=month,
                category="marketing",
                campaign=c,
                amount=Decimal(rng.randrange(500, 5_000)),
            )
            for c in campaigns
        )
        month += relativedelta(months=1)
    _bulk(m.Spend, spend)
    try:
        from goals.models import Quota

        month, quotas = FIRST.date(), []
        while month <= LAST.date():
            quotas.extend(
                Quota(
                    owner=rep,
                    period="month",
                    start=month,
                    end=month + relativedelta(months=1),
                    amount=Decimal(150_000),
                )
                for rep in reps
            )
            month += relativedelta(months=1)
        _bulk(Quota, quotas)
    except ImportError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"load: {(time.perf_counter() - started) * 1000:.1f} ms", flush=True)


def loaded() -> bool:
    return (
        m.Contact.objects.filter(email__endswith=MARK).count() == CONTACTS
        and m.Deal.objects.count() == DEALS
        and m.Purchase.objects.count() == PURCHASES
    )


# --- The floor: one hand-written statement per KPI, returning (numerator, denominator) ---

P = {"s": PERIOD.start_at, "e": PERIOD.end_at, "sd": PERIOD.start, "ed": PERIOD.end}
AT = "customer_since < {m} AND (churned_at IS NULL OR churned_at >= {m})"
SQL = {
    "leads": "SELECT count(*), NULL FROM crm_lead WHERE created_at >= %(s)s AND created_at < %(e)s",
    "conversion_rate": """SELECT count(*) FILTER (WHERE converted_at < %(e)s), count(*) FROM crm_lead
        WHERE created_at >= %(s)s AND created_at < %(e)s""",
    "close_rate": """SELECT count(*) FILTER (WHERE status = 'won' AND closed_at < %(e)s), count(*)
        FROM crm_deal WHERE created_at >= %(s)s AND created_at < %(e)s""",
    "win_rate": """SELECT count(*) FILTER (WHERE status = 'won'), count(*) FROM crm_deal
        WHERE closed_at >= %(s)s AND closed_at < %(e)s AND status IN ('won', 'lost')""",
    "open_deals": """SELECT count(*), NULL FROM crm_deal
        WHERE created_at < %(e)s AND (closed_at IS NULL OR closed_at >= %(e)s)""",
    "sales_cycle_days": """SELECT sum(extract(epoch FROM closed_at - created_at)) / 86400, count(*)
        FROM crm_deal WHERE status = 'won' AND closed_at >= %(s)s AND closed_at < %(e)s""",
    "stage_duration_days": """SELECT sum(extract(epoch FROM left_at - entered_at)) / 86400, count(*)
        FROM crm_stagechange WHERE left_at >= %(s)s AND left_at < %(e)s""",
    "calls_per_lead": """SELECT count(*) FILTER (WHERE kind = 'call'), count(DISTINCT lead_id)
        FROM crm_activity WHERE lead_id IS NOT NULL AND done_at >= %(s)s AND done_at < %(e)s""",
    "new_revenue": """SELECT sum(p.amount), NULL FROM crm_purchase p JOIN crm_contact c ON c.id = p.contact_id
        WHERE p.purchased_at >= %(s)s AND p.purchased_at < %(e)s AND p.purchased_at >= c.customer_since
        AND p.purchased_at < c.customer_since + make_interval(months => 6)""",
    "net_new_revenue": """SELECT sum(p.amount), NULL FROM crm_purchase p JOIN crm_contact c ON c.id = p.contact_id
        WHERE p.purchased_at >= %(s)s AND p.purchased_at < %(e)s
        AND c.customer_since >= %(s)s AND c.customer_since < %(e)s""",
    "repeat_customers": """SELECT count(*), NULL FROM (SELECT contact_id FROM crm_purchase
        WHERE purchased_at < %(e)s GROUP BY contact_id HAVING count(*) >= 2) t""",
    "churn_rate": f"""SELECT count(*) FILTER (WHERE {AT.format(m="%(s)s")} AND churned_at < %(e)s),
        count(*) FILTER (WHERE {AT.format(m="%(s)s")}) FROM crm_contact""",
    "retention_rate": f"""SELECT count(*) FILTER (WHERE {AT.format(m="%(e)s")} AND customer_since < %(s)s),
        count(*) FILTER (WHERE {AT.format(m="%(s)s")}) FROM crm_contact""",
    "renewal_rate": """SELECT count(*) FILTER (WHERE status = 'renewed' OR renewed_at IS NOT NULL), count(*)
        FROM crm_subscription WHERE renewal_due >= %(sd)s AND renewal_due < %(ed)s""",
    "cac": """SELECT round((SELECT sum(amount * (least(month + interval '1 month', %(ed)s::date)::date
                    - greatest(month, %(sd)s::date)) / ((month + interval '1 month')::date - month))
                FROM crm_spend WHERE month >= date_trunc('month', %(sd)s::date) AND month < %(ed)s), 2),
            (SELECT count(*) FROM crm_contact WHERE customer_since >= %(s)s AND customer_since < %(e)s)""",
    "clv": """SELECT round(sum(amount) / count(DISTINCT contact_id) * (SELECT round((extract(epoch FROM
            avg(churned_at - customer_since)) / 86400 / 365.25)::numeric, 4) FROM crm_contact
            WHERE churned_at IS NOT NULL AND customer_since IS NOT NULL AND churned_at < %(e)s), 2),
            count(DISTINCT contact_id)
        FROM crm_purchase WHERE purchased_at >= %(e)s - interval '1 year' AND purchased_at < %(e)s""",
    "upsell_rate": """SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM crm_deal d WHERE d.contact_id = c.id
            AND d.kind = 'upsell' AND d.status = 'won' AND d.closed_at >= %(s)s AND d.closed_at < %(e)s)
            OR EXISTS (SELECT 1 FROM crm_purchase p JOIN crm_deal d ON d.id = p.deal_id WHERE p.contact_id = c.id
            AND d.kind = 'upsell' AND p.purchased_at >= %(s)s AND p.purchased_at < %(e)s)), count(*)
        FROM crm_contact c WHERE customer_since < %(e)s AND (churned_at IS NULL OR churned_at >= %(s)s)""",
    "cross_sell_rate": """SELECT count(*) FILTER (WHERE cats >= 2), count(*) FROM (SELECT contact_id,
        count(DISTINCT nullif(category, '')) AS cats FROM crm_purchase
        WHERE purchased_at >= %(s)s AND purchased_at < %(e)s GROUP BY contact_id) t""",
    "campaign_revenue": """SELECT sum(amount), NULL FROM crm_purchase WHERE campaign_id IS NOT NULL
        AND purchased_at >= %(s)s AND purchased_at < %(e)s""",
    "campaign_new_customers": """SELECT count(*), NULL FROM crm_contact c
        WHERE customer_since >= %(s)s AND customer_since < %(e)s
        AND (EXISTS (SELECT 1 FROM crm_purchase p WHERE p.contact_id = c.id AND p.campaign_id IS NOT NULL)
        OR EXISTS (SELECT 1 FROM crm_lead l WHERE l.contact_id = c.id AND l.campaign_id IS NOT NULL))""",
    "referrals": "SELECT count(*), NULL FROM crm_referral WHERE referred_on >= %(sd)s AND referred_on < %(ed)s",
    "quota_attainment": """SELECT (SELECT coalesce(sum(value), 0) FROM crm_deal WHERE status = 'won'
            AND closed_at >= %(s)s AND closed_at < %(e)s),
            (SELECT round(sum(amount * (least("end", %(ed)s::date) - greatest(start, %(sd)s::date))
                / ("end" - start)), 2) FROM goals_quota
             WHERE owner_id IS NOT NULL AND start < %(ed)s AND "end" > %(sd)s)""",
    "avg_resolution_hours": """SELECT sum(extract(epoch FROM resolved_at - opened_at)) / 3600, count(*)
        FROM crm_ticket WHERE resolved_at >= %(s)s AND resolved_at < %(e)s""",
    "nps": """SELECT count(*) FILTER (WHERE (scale = 10 AND score >= 9) OR (scale = 5 AND score >= 4))
            - count(*) FILTER (WHERE (scale = 10 AND score <= 6) OR (scale = 5 AND score <= 2)), count(*)
        FROM crm_npsresponse WHERE responded_at >= %(s)s AND responded_at < %(e)s""",
}
# For these the SQL returns the value itself in the first column, not a numerator.
SQL_VALUE_FIRST = {"clv"}


def best_of(fn, runs=3):
    best, result = None, None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - start) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def sql_floor(key):
    with connection.cursor() as cursor:
        cursor.execute(SQL[key], P)
        return cursor.fetchone()


def close(a, b, tolerance=Decimal("0.01")) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(str(a)) - Decimal(str(b))) <= tolerance


def check(key, result, row) -> None:
    first, second = row
    if key in SQL_VALUE_FIRST:
        ok = close(result.value, first) and close(result.denominator, second)
    elif second is None:  # counts and sums
        ok = close(result.numerator, first or 0)
    else:
        ok = close(result.numerator, first or 0) and close(result.denominator, second)
    assert ok, f"{key}: ORM {result.numerator}/{result.denominator} vs SQL {first}/{second}"


def main() -> None:
    if loaded():
        print("load: reused", flush=True)
    else:
        load()
    from django.conf import settings

    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = None
    assert set(SQL) == set(registry.KPIS), set(registry.KPIS) ^ set(SQL)
    total_orm = total_sql = 0.0
    for key in registry.KPIS:
        orm_ms, result = best_of(lambda key=key: registry.compute(key, PERIOD))
        sql_ms, row = best_of(lambda key=key: sql_floor(key))
        check(key, result, row)
        total_orm += orm_ms
        total_sql += sql_ms
        print(
            f"kpi {key}: orm {orm_ms:.1f} ms, sql {sql_ms:.1f} ms, "
            f"ratio {orm_ms / sql_ms:.2f}x (value {result.value})",
            flush=True,
        )
    print(f"all KPIs, orm: {total_orm:.1f} ms", flush=True)
    print(f"all KPIs, sql floor: {total_sql:.1f} ms", flush=True)
    print(f"all KPIs, ratio: {total_orm / total_sql:.2f}x", flush=True)


main()
