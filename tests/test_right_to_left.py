"""Persian pages read right to left, with every piece of user text isolated.

Without isolation the bidirectional algorithm reorders a Latin deal title or name with
the Persian words and numbers around it ("Acme · 3 روز"); `<bdi>` or `dir="auto"`
gives each such text its own direction.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.tests.factories import ContactFactory, DealFactory, pipeline_with_stages
from goals.tests.factories import GoalFactory, snapshot

pytestmark = pytest.mark.django_db

ISOLATING = {"bdi", "input", "textarea"}


class _Occurrences(HTMLParser):
    """For each text node containing `needle`: is it inside an isolating element?"""

    def __init__(self, needle: str):
        super().__init__(convert_charrefs=True)
        self.needle = needle
        self.stack: list[bool] = []
        self.found: list[bool] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "title"}:
            self.skip += 1
        if tag in {"input", "br", "img", "meta", "link", "hr"}:
            return
        attrs = dict(attrs)
        self.stack.append(tag in ISOLATING or attrs.get("dir") in {"auto", "ltr", "rtl"})

    def handle_endtag(self, tag):
        if tag in {"script", "style", "title"}:
            self.skip -= 1
        if self.stack and tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self.stack.pop()

    def handle_data(self, data):
        if self.needle in data and not self.skip:
            self.found.append(any(self.stack))


def _isolated(html: str, needle: str) -> list[bool]:
    parser = _Occurrences(needle)
    parser.feed(html)
    return parser.found


@pytest.fixture
def persian_world(rep, manager):
    _pipeline, stages = pipeline_with_stages(is_default=True, name="فروش")
    contact = ContactFactory(owner=rep, first_name="Acme", last_name="GmbH")
    DealFactory(stage=stages[0], owner=rep, contact=contact, title="Renewal 2027")
    goal = GoalFactory(
        title="Churn below 5%",
        owner=manager,
        plan="Hand qualified leads to sales faster.",
        resources="Marketing nurture campaigns, the sales team.",
    )
    for days_ago, value in [(30, 8), (20, 7.5), (10, 7), (0, 6.8)]:
        snapshot("churn_rate", timezone.localdate() - timedelta(days=days_ago), value)
    return goal


@pytest.mark.parametrize(
    ("page", "texts"),
    [
        ("board", ["Renewal 2027", "Acme GmbH"]),
        # The SMART panel's plan and resources are the goal author's own sentences.
        ("goal", ["Churn below 5%", "Hand qualified leads", "Marketing nurture campaigns"]),
        ("dashboard", []),
        ("forecast", []),
    ],
)
def test_persian_pages_are_rtl_and_isolate_user_text(client, manager, persian_world, page, texts):
    client.force_login(manager)
    url = {
        "board": reverse("web:board"),
        "goal": reverse("goals:detail", args=[persian_world.pk]),
        "dashboard": reverse("metrics:dashboard"),
        "forecast": reverse("metrics:forecast"),
    }[page]

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    # The signed-in user's name in the top bar is user text too.
    assert _isolated(html, str(manager)) and all(_isolated(html, str(manager)))
    for text in texts:
        occurrences = _isolated(html, text)
        assert occurrences, text
        assert all(occurrences), text


def test_numbers_keep_their_order_in_persian(client, manager, persian_world):
    client.force_login(manager)

    dashboard = client.get(reverse("metrics:dashboard"), HTTP_ACCEPT_LANGUAGE="fa")
    goal = client.get(reverse("goals:detail", args=[persian_world.pk]), HTTP_ACCEPT_LANGUAGE="fa")

    assert 'class="kpi-card__value kpi-card__open"' in dashboard.content.decode()
    assert 'data-open-records title="' in dashboard.content.decode()
    assert '"><bdi dir="ltr">' in dashboard.content.decode().split("kpi-card__open", 1)[1]
    # Baseline → target reads from the right: each number isolated, the arrow mirrored.
    assert (
        '<bdi dir="ltr">8.0\u00a0%</bdi> <span class="arrow" aria-hidden="true">→</span>'
        in goal.content.decode()
    )


def test_typed_text_takes_its_own_direction(client, rep):
    client.force_login(rep)

    html = client.get(reverse("web:contact_create"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<input type="text" name="first_name" dir="auto"' in html
    assert '<input type="email" name="email" dir="auto"' in html


def test_typed_paragraphs_take_their_own_direction(client, manager):
    client.force_login(manager)

    html = client.get(reverse("goals:create"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<textarea name="plan" dir="auto"' in html
