"""Messages and labels made by our scripts come from the JavaScript catalog, in real Chromium."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from crm.services.deals import deal_create
from crm.tests.factories import DealFactory, pipeline_with_stages
from goals.tests.factories import GoalFactory, snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _speak(context, live_server, language):
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def test_the_board_says_in_german_that_the_server_is_unreachable(
    browser_login, context, live_server, rep
):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    deal = deal_create(actor=rep, title="Analytical engine", value=1200, stage=stages[0])
    _speak(context, live_server, "de")
    page = browser_login(rep)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/pipeline/")
    card = page.locator(f'[data-deal-id="{deal.pk}"]')
    expect(card).to_be_visible(timeout=15_000)
    first = page.locator(f'[data-stage-id="{stages[0].pk}"]')
    second = page.locator(f'[data-stage-id="{stages[1].pk}"]')

    # The network drops the move (Alt+arrow, the board's keyboard move, takes the same path
    # as a drag): the message is the script's own, from the catalog.
    page.route(f"**/deals/{deal.pk}/move/", lambda route: route.abort())
    card.locator(".card__title").focus()
    page.keyboard.press("Alt+ArrowRight")

    status = page.locator("#board-status")
    expect(status.get_by_role("alert").locator("span")).to_have_text(
        "Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung.", timeout=15_000
    )
    expect(status.get_by_role("button", name="Ausblenden")).to_be_visible()
    expect(first.locator(f'[data-deal-id="{deal.pk}"]')).to_be_visible()

    # Back online: the counts' labels follow the move in German plural forms.
    page.unroute(f"**/deals/{deal.pk}/move/")
    card.locator(".card__title").focus()
    page.keyboard.press("Alt+ArrowRight")

    expect(second.locator('[data-role="count"]')).to_have_attribute(
        "aria-label", "1 Deal", timeout=15_000
    )
    expect(first.locator('[data-role="count"]')).to_have_attribute("aria-label", "0 Deals")
    assert errors == []


@pytest.mark.parametrize(
    ("language", "title", "label"),
    [
        # CAC is money: the tooltip says it in the KPI's unit, as Intl writes the currency.
        ("de", "30. Nov. 26", "Ist: 12.345,50\u00a0$"),
        # Persian pages print Latin digits and Gregorian dates; the chart must match them.
        ("fa", "30 نوامبر 26", "مقدار: \u200e$\u00a012,345.50"),
    ],
)
def test_goal_chart_tooltips_use_the_page_locale(
    browser_login, context, live_server, manager, language, title, label
):
    goal = GoalFactory(owner=manager, kpi="cac")
    snapshot("cac", goal.start_date, "118")
    _speak(context, live_server, language)
    page = browser_login(manager)

    page.goto(f"{live_server.url}/goals/{goal.pk}/")
    page.wait_for_selector('canvas#goal-chart[data-rendered="true"]', timeout=15_000)

    shown = page.evaluate(
        """() => {
          const chart = document.getElementById("goal-chart").chart;
          const tips = chart.options.plugins.tooltip.callbacks;
          return {
            locale: Chart.defaults.locale,
            title: tips.title([{ parsed: { x: new Date(2026, 10, 30).getTime() } }]),
            label: tips.label({ dataset: { label: LABEL }, parsed: { y: 12345.5 } }),
          };
        }""".replace("LABEL", '"' + label.split(":")[0] + '"')
    )
    assert shown == {
        "locale": f"{language}-u-ca-gregory-nu-latn",
        "title": title,
        "label": label,
    }


@pytest.mark.parametrize(
    ("language", "ticks", "label"),
    [
        ("de", ["0\u00a0%", "50\u00a0%", "100\u00a0%"], "Anteil offener Deals: 50\u00a0%"),
        ("tr", ["%0", "%50", "%100"], "Açık fırsatların payı: %50"),
        # Right to left: the axis runs from 100 % at its start to 0 %.
        ("fa", ["100%", "50%", "0%"], "سهم از معاملات باز: 50%"),
    ],
)
def test_pipeline_report_chart_speaks_the_page_language(
    browser_login, context, live_server, manager, rep, language, ticks, label
):
    _, stages = pipeline_with_stages()
    for stage in (stages[1], stages[1], stages[0], stages[2]):
        DealFactory(stage=stage, owner=rep, created_at=timezone.now() - timedelta(hours=1))
    _speak(context, live_server, language)
    page = browser_login(manager)

    page.goto(f"{live_server.url}/reports/pipeline/")
    page.wait_for_selector('canvas[data-chart="pipeline"][data-rendered="true"]', timeout=15_000)

    shown = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById("pipeline-chart"));
          const share = chart.data.datasets[0].data.indexOf(50);
          return {
            ticks: chart.scales.x.ticks.map(t => t.label).filter((_, i, all) =>
              i === 0 || i === all.length - 1 || all[i] === all[Math.floor(all.length / 2)]),
            label: chart.options.plugins.tooltip.callbacks.label({
              chart: chart, dataset: chart.data.datasets[0], parsed: { x: 50, y: share },
            }),
          };
        }"""
    )
    assert shown == {"ticks": ticks, "label": label}
