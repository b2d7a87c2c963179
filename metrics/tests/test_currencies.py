"""Money of many currencies: each amount converts at the rate valid on its own date."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import DealStatus
from crm.tests.factories import ContactFactory, DealFactory, PurchaseFactory, UserFactory
from metrics import registry
from metrics.models import ExchangeRate
from metrics.scopes import Period
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db

APRIL_2018 = Period(date(2018, 4, 1), date(2018, 5, 1))


@pytest.fixture(autouse=True)
def _usd(settings):
    settings.GOALPOST_REPORTING_CURRENCY = "USD"


@pytest.fixture
def eur_rate():
    # 0.9 EUR buy 1 USD from 2018-01-01: EUR 900 = USD 1000.
    return ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("0.9"), valid_from=date(2018, 1, 1)
    )


def _won_with_purchase(currency, value, day="2018-04-03", owner=None):
    customer = ContactFactory(customer_since=at("2018-04-02"))
    deal = DealFactory(
        contact=customer,
        owner=owner,
        value=Decimal(value),
        currency=currency,
        status=DealStatus.WON,
        created_at=at("2018-03-01"),
        closed_at=at(day),
    )
    PurchaseFactory(
        contact=customer, deal=deal, amount=Decimal(value), currency=currency, purchased_at=at(day)
    )
    return deal


def test_new_revenue_converts_eur_at_the_rate_of_the_purchase_day(eur_rate):
    _won_with_purchase("EUR", "900.00")
    _won_with_purchase("USD", "1000.00")

    for key in ("new_revenue", "net_new_revenue", "campaign_revenue"):
        result = registry.compute(key, APRIL_2018)
        if key == "campaign_revenue":
            assert result.value == Decimal("0.00")  # no campaign attributed
            continue
        assert result.value == Decimal("2000.00"), key
        assert result.currency == "USD"
        assert "missing_rates" not in result.extra


def test_a_currency_without_a_rate_is_left_out_and_named(eur_rate):
    _won_with_purchase("EUR", "900.00")
    _won_with_purchase("USD", "1000.00")
    _won_with_purchase("JPY", "1000.00")

    result = registry.compute("new_revenue", APRIL_2018)

    assert result.value == Decimal("2000.00")
    assert result.extra["missing_rates"] == [{"currency": "JPY", "date": date(2018, 4, 3)}]


def test_a_rate_applies_only_from_its_valid_from_day(eur_rate):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.8"), valid_from=date(2018, 4, 10))
    _won_with_purchase("EUR", "900.00", day="2018-04-03")  # 0.9 → 1000.00
    _won_with_purchase("EUR", "800.00", day="2018-04-12")  # 0.8 → 1000.00
    ExchangeRate.objects.create(currency="GBP", rate=Decimal("0.5"), valid_from=date(2018, 5, 1))
    _won_with_purchase("GBP", "50.00", day="2018-04-20")  # its rate starts later: missing

    result = registry.compute("new_revenue", APRIL_2018)

    assert result.value == Decimal("2000.00")
    assert result.extra["missing_rates"] == [{"currency": "GBP", "date": date(2018, 4, 20)}]


def test_open_deals_amount_converts_at_the_creation_day_rate(eur_rate):
    for currency in ("USD", "EUR", "JPY"):
        DealFactory(
            value=Decimal("900.00") if currency == "EUR" else Decimal("1000.00"),
            currency=currency,
            created_at=at("2018-04-03"),
        )

    result = registry.compute("open_deals", APRIL_2018)

    assert result.value == 3
    assert result.extra["amount"] == Decimal("2000.00")
    assert result.extra["missing_rates"] == [{"currency": "JPY", "date": date(2018, 4, 3)}]
    assert result.currency == "USD"


def test_clv_revenue_converts_and_leaves_unrated_purchases_out(eur_rate, settings):
    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = 2
    _won_with_purchase("EUR", "900.00")
    _won_with_purchase("USD", "1000.00")
    _won_with_purchase("JPY", "1000.00")

    result = registry.compute("clv", Period(date(2018, 1, 1), date(2019, 1, 1)))

    # 2000 USD from 2 rated customers: 1000 per customer x 2 years.
    assert (result.numerator, result.denominator) == (Decimal("2000.00"), 2)
    assert result.value == Decimal("2000.00")
    assert result.currency == "USD"
    assert result.extra["missing_rates"] == [{"currency": "JPY", "date": date(2018, 4, 3)}]


def test_the_api_says_the_currency_and_the_missing_rates(eur_rate, client):
    _won_with_purchase("EUR", "900.00")
    _won_with_purchase("USD", "1000.00")
    _won_with_purchase("JPY", "1000.00")
    client.force_login(UserFactory(role="manager"))

    body = client.get("/api/kpis/new_revenue/", {"start": "2018-04-01", "end": "2018-05-01"}).json()

    assert body["value"] == "2000.00"
    assert body["currency"] == "USD"
    assert body["extra"]["missing_rates"] == [{"currency": "JPY", "date": "2018-04-03"}]


def test_history_converts_the_same_way(eur_rate):
    from metrics.history import kpi_history
    from metrics.scopes import Scope

    _won_with_purchase("EUR", "900.00")
    _won_with_purchase("USD", "1000.00")
    history = kpi_history(
        registry.get("new_revenue").function, Scope.company(), {date(2018, 4, 30): APRIL_2018}
    )

    assert history.set_based
    assert history.results[date(2018, 4, 30)].value == Decimal("2000.00")


def test_board_column_converts_shows_the_parts_and_warns_of_jpy(eur_rate, client):
    from crm.tests.factories import pipeline_with_stages

    manager = UserFactory(role="manager")
    stage = pipeline_with_stages(is_default=True)[1][0]
    for currency, value in (("USD", "1000.00"), ("EUR", "900.00"), ("JPY", "1000.00")):
        DealFactory(
            stage=stage,
            owner=manager,
            currency=currency,
            value=Decimal(value),
            created_at=at("2018-04-03"),
        )
    client.force_login(manager)

    response = client.get(reverse("web:board"))

    column = response.context["columns"][0]
    assert (column.count, column.total) == (3, Decimal("2000.00"))
    assert column.parts == "€900.00 · ¥1,000 · $1,000.00"
    html = response.content.decode()
    assert "$2,000.00" in html
    assert 'title="€900.00 · ¥1,000 · $1,000.00"' in html
    assert "Left out, no exchange rate: JPY 04/03/2018" in html


def test_dashboard_card_and_sales_report_warn_of_the_missing_rate(eur_rate, client):
    rep = UserFactory(role="rep")
    for currency, value in (("USD", "1000.00"), ("EUR", "900.00"), ("JPY", "1000.00")):
        _won_with_purchase(currency, value, owner=rep)
    client.force_login(UserFactory(role="manager"))
    period = {"period": "custom", "start": "2018-04-01", "end": "2018-05-01"}

    dashboard = client.get(reverse("metrics:dashboard"), period)
    card = next(c for c in dashboard.context["cards"] if c.kpi.key == "new_revenue")
    assert (card.value, card.missing_rates) == (
        Decimal("2000.00"),
        [{"currency": "JPY", "date": date(2018, 4, 3)}],
    )
    assert "Left out of these totals, no exchange rate:" in dashboard.content.decode()

    report = client.get(reverse("metrics:report_sales"), period)
    row = next(r for r in report.context["rows"] if r["owner"] == rep.pk)
    assert (row["won_count"], row["won_value"]) == (3, Decimal("2000.00"))
    assert report.context["missing_rates"] == [{"currency": "JPY", "date": date(2018, 4, 3)}]
    assert '<span dir="ltr">JPY 04/03/2018</span>' in report.content.decode()


def test_sales_report_names_only_its_own_missing_rates_on_the_page_and_in_the_csv(eur_rate, client):
    rep = UserFactory(role="rep")
    for currency, value in (("USD", "1000.00"), ("EUR", "900.00"), ("JPY", "1000.00")):
        _won_with_purchase(currency, value, owner=rep)
    # An open GBP deal and a JPY deal won in May are not part of April's sales figures.
    DealFactory(owner=rep, currency="GBP", value=Decimal("5.00"), created_at=at("2018-04-20"))
    _won_with_purchase("JPY", "7.00", day="2018-05-02", owner=rep)
    client.force_login(UserFactory(role="manager"))
    period = {"period": "custom", "start": "2018-04-01", "end": "2018-05-01"}

    report = client.get(reverse("metrics:report_sales"), period)
    assert report.context["missing_rates"] == [{"currency": "JPY", "date": date(2018, 4, 3)}]

    csv_text = client.get(reverse("metrics:report_sales"), {**period, "format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_text.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Currency"
    rep_row = next(row for row in rows if row and row[0] == rep.get_full_name())
    assert (rep_row[1:3], rep_row[-1]) == (["3", "2000.00"], "USD")
    assert rows[-2:] == [[], ["Left out of these totals, no exchange rate:", "JPY 2018-04-03"]]


def test_deal_list_footer_totals_every_matching_deal_in_the_reporting_currency(eur_rate, client):
    manager = UserFactory(role="manager")
    DealFactory(currency="USD", value=Decimal("1000.00"), created_at=at("2018-04-03"))
    DealFactory(currency="JPY", value=Decimal("5000.00"), created_at=at("2018-04-05"))
    # Won: converts at its close day's rate (EUR 900 = USD 1000), not its creation day's,
    # when there was no rate yet.
    DealFactory(
        currency="EUR",
        value=Decimal("900.00"),
        status=DealStatus.WON,
        created_at=at("2017-06-01"),
        closed_at=at("2018-04-10"),
    )
    client.force_login(manager)

    page = client.get(reverse("web:deal_list"))
    totals = page.context["totals"]
    assert (totals["count"], totals["total"]) == (3, Decimal("2000.00"))
    assert totals["missing"] == [{"currency": "JPY", "date": date(2018, 4, 5)}]
    html = page.content.decode()
    assert "3 matching deals" in html
    assert (
        '<td class="num nowrap" data-role="total" title="€900.00 · ¥5,000 · $1,000.00">$2,000.00</td>'
        in html
    )
    assert "Left out, no exchange rate: JPY 04/05/2018" in html

    won = client.get(reverse("web:deal_list"), {"status": "won"}).context["totals"]
    assert (won["count"], won["total"], won["missing"]) == (1, Decimal("1000.00"), [])


def test_exchange_rates_api_admins_write_managers_read(client):
    admin = UserFactory(role="admin")
    client.force_login(admin)
    created = client.post(
        "/api/exchange-rates/",
        {"currency": "eur", "rate": "0.9", "valid_from": "2018-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["currency"] == "EUR"
    rate_id = created.json()["id"]

    duplicate = client.post(
        "/api/exchange-rates/",
        {"currency": "EUR", "rate": "0.8", "valid_from": "2018-01-01"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400
    assert "valid_from" in duplicate.json()
    bad = client.post(
        "/api/exchange-rates/",
        {"currency": "E1", "rate": "-1", "valid_from": "2018-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {"currency", "rate"} <= set(bad.json())

    patched = client.patch(
        f"/api/exchange-rates/{rate_id}/", {"rate": "0.95"}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert ExchangeRate.objects.get().rate == Decimal("0.95")

    client.force_login(UserFactory(role="manager"))
    assert client.get("/api/exchange-rates/").status_code == 200
    assert (
        client.post(
            "/api/exchange-rates/",
            {"currency": "GBP", "rate": "0.8", "valid_from": "2018-01-01"},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(UserFactory(role="rep"))
    assert client.get("/api/exchange-rates/").status_code == 403

    client.force_login(admin)
    assert client.delete(f"/api/exchange-rates/{rate_id}/").status_code == 204
    assert not ExchangeRate.objects.exists()


def test_csv_import_writes_all_rows_or_none():
    from django.core.exceptions import ValidationError

    from metrics.exchange_rates import exchange_rates_import

    with pytest.raises(ValidationError) as error:
        exchange_rates_import(
            text="currency,rate,valid_from\nEUR,0.9,2018-01-01\nJPY,abc,2018-01-01\n"
        )
    assert error.value.message_dict["file"] == ["Row 3: Enter a positive number such as 0.9."]
    assert not ExchangeRate.objects.exists()

    written = exchange_rates_import(
        text="currency,rate,valid_from\nEUR,0.9,2018-01-01\njpy,110.5,2018-01-01\n"
    )
    assert written == 2
    assert sorted(ExchangeRate.objects.values_list("currency", "rate")) == [
        ("EUR", Decimal("0.90000000")),
        ("JPY", Decimal("110.50000000")),
    ]


def test_exchange_rate_pages_for_admins(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    manager = UserFactory(role="manager")
    client.force_login(manager)
    page = client.get(reverse("metrics:exchange_rates"))
    assert page.status_code == 200
    assert "No exchange rates yet" in page.content.decode()
    assert client.get(reverse("metrics:exchange_rate_add")).status_code == 403

    client.force_login(UserFactory(role="admin"))
    added = client.post(
        reverse("metrics:exchange_rate_add"),
        {"currency": "EUR", "rate": "0.9", "valid_from": "2018-01-01"},
    )
    assert added.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate, rate.valid_from) == ("EUR", Decimal("0.9"), date(2018, 1, 1))
    refused = client.post(
        reverse("metrics:exchange_rate_add"),
        {"currency": "USD", "rate": "1", "valid_from": "2018-01-01"},
    )
    assert "Amounts in the reporting currency need no exchange rate." in refused.content.decode()

    client.post(
        reverse("metrics:exchange_rate_edit", args=[rate.pk]),
        {"currency": "EUR", "rate": "0.95", "valid_from": "2018-01-01"},
    )
    rate.refresh_from_db()
    assert rate.rate == Decimal("0.95")

    upload = SimpleUploadedFile(
        "rates.csv", b"currency,rate,valid_from\nJPY,110,2018-01-01\nGBP,x,2018-01-01\n"
    )
    failed = client.post(reverse("metrics:exchange_rate_import"), {"file": upload})
    assert "Row 3: Enter a positive number such as 0.9." in failed.content.decode()
    assert ExchangeRate.objects.count() == 1
    upload = SimpleUploadedFile("rates.csv", b"currency,rate,valid_from\nJPY,110,2018-01-01\n")
    assert client.post(reverse("metrics:exchange_rate_import"), {"file": upload}).status_code == 302
    listing = client.get(reverse("metrics:exchange_rates")).content.decode()
    assert '<td dir="ltr">JPY</td>' in listing

    client.post(reverse("metrics:exchange_rate_delete", args=[rate.pk]))
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["JPY"]


def test_pipeline_report_open_value_converts_at_the_creation_day_rate(eur_rate):
    from crm.tests.factories import pipeline_with_stages
    from metrics import reports

    pipeline, stages = pipeline_with_stages()
    for currency, value in (("USD", "1000.00"), ("EUR", "900.00"), ("JPY", "1000.00")):
        DealFactory(
            stage=stages[0], currency=currency, value=Decimal(value), created_at=at("2018-04-03")
        )

    data = reports.pipeline_bottlenecks(APRIL_2018, pipeline)

    first = data["stages"][0]
    assert (first.open_count, first.open_value) == (3, Decimal("2000.00"))
    assert reports.pipeline_missing_rates(pipeline) == [
        {"currency": "JPY", "date": date(2018, 4, 3)}
    ]
