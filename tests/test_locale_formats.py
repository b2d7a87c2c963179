"""Numbers, percentages and dates follow the reader's language."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from metrics.templatetags.metrics_tags import kpi_value

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "1,234.5\u00a0%"), ("de", "1.234,5\u00a0%"), ("tr", "%1.234,5"), ("ko", "1,234.5%")],
)
def test_a_percentage_puts_its_sign_where_the_language_does(language, shown):
    with translation.override(language):
        assert kpi_value("1234.5", "percent") == shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("de", "Montag, 30. November 2026"),
        ("ko", "2026년 11월 30일 월요일"),
        ("ro", "Luni, 30 Noiembrie 2026"),
        ("en", "Monday, Nov. 30, 2026"),
    ],
)
def test_my_day_dates_itself_in_the_readers_format(client, rep, language, shown):
    client.force_login(rep)
    with time_machine.travel(datetime(2026, 11, 30, 12, 0), tick=False):
        html = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert shown in html
