"""Reports and KPI reads through the replica alias, writes and everything else on default.

"replica" is a test mirror of default (crm/settings/test.py): a second connection to the
same database. Transactional tests, so the rows a test writes through default are
committed and the replica connection sees them, as a streaming replica would.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.db_router import REPLICA_DB_ALIAS, reading_from_replica
from crm.models import Deal, DealStatus
from crm.tests.factories import ContactFactory, DealFactory, pipeline_with_stages
from metrics.models import KpiSnapshot
from metrics.services import snapshot_day

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_router(settings):
    settings.DATABASE_ROUTERS = ["crm.db_router.ReplicaRouter"]


@pytest.fixture
def won_deal(rep):
    _, stages = pipeline_with_stages(is_default=True)
    return DealFactory(
        stage=stages[0],
        owner=rep,
        value=Decimal("900.00"),
        status=DealStatus.WON,
        created_at=timezone.now() - timedelta(minutes=1),
        closed_at=timezone.now(),
    )


class Queries:
    """The SQL each alias ran inside the block: `.replica` and `.default`, lists of str."""

    def __enter__(self):
        self._on = {
            alias: CaptureQueriesContext(connections[alias])
            for alias in ("default", REPLICA_DB_ALIAS)
        }
        for captured in self._on.values():
            captured.__enter__()
        return self

    def __exit__(self, *exc):
        for captured in self._on.values():
            captured.__exit__(*exc)
        self.default = [q["sql"] for q in self._on["default"].captured_queries]
        self.replica = [q["sql"] for q in self._on[REPLICA_DB_ALIAS].captured_queries]


def _touching(queries: list[str], table: str) -> list[str]:
    return [sql for sql in queries if f'"{table}"' in sql]


def test_sales_report_reads_its_deals_through_the_replica(
    replica_router, client, manager, rep, won_deal
):
    client.force_login(manager)

    with Queries() as queries:
        response = client.get(reverse("metrics:report_sales"))

    assert response.status_code == 200
    rows = {row["owner"]: row for row in response.context["rows"]}
    assert (rows[rep.pk]["won_count"], rows[rep.pk]["won_value"]) == (1, Decimal("900.00"))
    assert _touching(queries.replica, "crm_deal")
    assert not _touching(queries.default, "crm_deal")
    # The session and the signed-in user are read before the view, on the primary.
    assert _touching(queries.default, "django_session")
    assert not _touching(queries.replica, "django_session")


def test_dashboard_computes_kpis_and_reads_snapshots_through_the_replica(
    replica_router, client, manager, won_deal
):
    snapshot_day(timezone.localdate() - timedelta(days=1))
    client.force_login(manager)

    with Queries() as queries:
        response = client.get(reverse("metrics:dashboard"))

    assert response.status_code == 200
    cards = {card.kpi.key: card for card in response.context["cards"]}
    assert cards["win_rate"].value == Decimal("100")
    assert _touching(queries.replica, "crm_deal")
    assert _touching(queries.replica, "metrics_kpisnapshot")
    assert not _touching(queries.default, "crm_deal")
    assert not _touching(queries.default, "metrics_kpisnapshot")


def test_kpi_api_computes_through_the_replica(replica_router, api_as, manager, won_deal):
    today = timezone.localdate()
    query = {"start": today.isoformat(), "end": (today + timedelta(days=1)).isoformat()}

    with Queries() as queries:
        response = api_as(manager).get("/api/kpis/win_rate/", query)

    assert response.status_code == 200, response.content
    assert (response.json()["numerator"], response.json()["denominator"]) == (1, 1)
    assert _touching(queries.replica, "crm_deal")
    assert not _touching(queries.default, "crm_deal")


def test_a_write_view_writes_only_to_default(replica_router, api_as, rep):
    pipeline_with_stages(is_default=True)
    contact = ContactFactory(owner=rep)

    with Queries() as queries:
        response = api_as(rep).post(
            "/api/deals/", {"title": "Big one", "value": "600.00", "contact": contact.pk}
        )

    assert response.status_code == 201, response.content
    assert Deal.objects.get(pk=response.json()["id"]).title == "Big one"
    assert any(sql.startswith('INSERT INTO "crm_deal"') for sql in queries.default)
    assert queries.replica == []


def test_reads_in_a_transaction_stay_on_default(replica_router, won_deal):
    with reading_from_replica():
        assert router.db_for_read(Deal) == REPLICA_DB_ALIAS
        with Queries() as queries, transaction.atomic():
            Deal.objects.filter(pk=won_deal.pk).update(title="Renamed")
            assert router.db_for_read(Deal) == "default"
            assert Deal.objects.get(pk=won_deal.pk).title == "Renamed"
        assert router.db_for_write(Deal) == "default"

    assert router.db_for_read(Deal) == "default"
    assert queries.replica == []
    assert len(_touching(queries.default, "crm_deal")) == 2


def test_nightly_snapshot_reads_kpis_on_the_replica_and_writes_on_default(replica_router, won_deal):
    day = timezone.localdate()

    with Queries() as queries:
        written = snapshot_day(day)

    assert written == KpiSnapshot.objects.filter(date=day).count() > 0
    assert _touching(queries.replica, "crm_deal")
    assert not _touching(queries.default, "crm_deal")
    assert not [sql for sql in queries.replica if not sql.startswith("SELECT")]
    assert any(sql.startswith('INSERT INTO "metrics_kpisnapshot"') for sql in queries.default)


def test_without_the_router_the_block_changes_nothing(won_deal):
    with reading_from_replica(), Queries() as queries:
        assert Deal.objects.get(pk=won_deal.pk).value == Decimal("900.00")

    assert queries.replica == []
    assert len(_touching(queries.default, "crm_deal")) == 1
