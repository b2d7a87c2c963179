"""At a common laptop width (1366 px) the board's last stage and the pipeline report's
funnel table are not cut off: everything is on screen, or scrolls into view whole."""

import pytest

from crm.models import SuppressionReason
from crm.services.consent import address_suppress
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


def _right_edge_reachable(page, selector: str) -> dict:
    """Scroll the element into view; report its box against the viewport and its scroller."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            el.scrollIntoView({block: "nearest", inline: "end"});
            const box = el.getBoundingClientRect();
            return {
                right: box.right,
                left: box.left,
                viewport: document.documentElement.clientWidth,
                pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            };
        }""",
        selector,
    )


def test_the_boards_last_stage_is_on_screen_at_1366_px(browser_login, live_server, manager):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", owner=manager)
    for stage in stages:
        deal_create(actor=manager, title=f"Deal in {stage.name}", stage=stage, contact=contact)
    page = browser_login(manager)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/pipeline/")
    page.locator(f'[data-stage-id="{stages[-1].pk}"]').wait_for()
    edge = _right_edge_reachable(page, f'[data-stage-id="{stages[-1].pk}"]')
    # The page itself never scrolls sideways (the board scrolls inside its own box), and
    # the last column, once scrolled to, lies wholly inside the window.
    assert edge["pageOverflow"] <= 0
    assert edge["left"] >= 0 and edge["right"] <= edge["viewport"]


def test_the_funnel_tables_last_column_is_on_screen_at_1366_px(browser_login, live_server, manager):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", owner=manager)
    for stage in stages:
        deal_create(actor=manager, title=f"Deal in {stage.name}", stage=stage, contact=contact)
    page = browser_login(manager)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/reports/pipeline/")
    last_header = "table thead tr th:last-child"
    page.locator(last_header).first.wait_for()
    edge = _right_edge_reachable(page, last_header)
    assert edge["pageOverflow"] <= 0
    assert edge["left"] >= 0 and edge["right"] <= edge["viewport"]


def test_a_suppressed_contacts_page_fits_1366_px(browser_login, live_server, manager):
    address = "mihai.fischer.procurement-department2006@atlas-dental-clinics.example"
    contact = ContactFactory(first_name="Mihai", last_name="Fischer", email=address)
    address_suppress(email=address, reason=SuppressionReason.UNSUBSCRIBE, actor=manager)
    page = browser_login(manager)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    pill = page.get_by_text("suppressed: unsubscribed on")
    pill.wait_for()
    # The sentence wraps inside the About panel instead of widening the page.
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    panel_right = page.evaluate("document.querySelector('.facts').getBoundingClientRect().right")
    assert pill.bounding_box()["x"] + pill.bounding_box()["width"] <= panel_right + 1
