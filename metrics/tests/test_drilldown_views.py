"""The records page and GET /api/kpis/<key>/records/: counts equal the number, per role."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from automation.tests.fuzzing import get_with_junk
from crm.models import Deal, DealStatus
from goals.tests.factories import GoalFactory
from metrics import registry
from metrics.drilldown import PAGE_SIZE, records_url
from metrics.scopes import Period, Scope
from metrics.tests import drilldown_world
from metrics.tests.conftest import at
from metrics.tests.drilldown_world import JUNE

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

QUERY = {"period": "custom", "start": "2025-06-01", "end": "2025-07-01"}


@pytest.fixture
def world(db):
    return drilldown_world.build()


def page_of(client, key, **params):
    return client.get(reverse("metrics:kpi_records", args=[key]), {**QUERY, **params})


def counts(response) -> dict[str, int]:
    """{part key: the count in its heading}, read from the page as a person would."""
    html = response.content.decode()
    found = re.findall(r'data-part="(\w+)".*?<span data-count>(\d+)</span>', html, re.S)
    return {key: int(n) for key, n in found}


def test_close_rate_page_lists_won_and_created_deals_of_the_cohort(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "close_rate", scope="company")

    assert response.status_code == 200
    result = registry.compute("close_rate", JUNE)
    assert counts(response) == {"won": result.numerator, "created": result.denominator}
    html = response.content.decode()
    assert "Counted in the numerator" in html and "Counted in the denominator" in html
    won = Deal.objects.filter(created_at__gte=JUNE.start_at, status=DealStatus.WON).first()
    assert reverse("web:deal_detail", args=[won.pk]) in html


def test_spend_rows_show_their_share_of_the_period(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "cac", start="2025-06-01", end="2025-06-16")

    html = response.content.decode()
    assert counts(response) == {"spend": 2, "acquired": 1}
    assert "Counted in this period" in html
    assert "$900.00" in html and "$450.00" in html and "None" not in html


def test_money_kpi_lists_the_summed_rows_with_amount_and_currency(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "new_revenue", scope="company")

    html = response.content.decode()
    assert counts(response) == {"purchases": 2}
    assert "Summed into the number" in html
    assert "$100.00" in html and "$50.00" in html and "$150.00" in html


def test_an_average_lists_the_rows_averaged_with_their_durations(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "avg_resolution_hours", scope="company")

    assert counts(response) == {"resolved": 2}
    assert "Averaged over" in response.content.decode()


def test_nps_lists_promoters_and_detractors_apart(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "nps", scope="company")

    assert counts(response) == {"promoters": 2, "detractors": 1, "responses": 4}
    assert "Subtracted from the numerator" in response.content.decode()


def test_an_empty_period_says_so(client, manager, world):
    client.force_login(manager)

    response = page_of(client, "leads", start="2030-01-01", end="2030-02-01")

    assert counts(response) == {"leads": 0}
    assert "Nothing is counted here for this period and scope" in response.content.decode()


def test_a_rep_sees_only_their_own_records(client, world):
    client.force_login(world.rep)

    own = page_of(client, "close_rate")
    other = page_of(client, "close_rate", scope=f"owner:{world.rep2.pk}")
    company = page_of(client, "close_rate", scope="company")
    no_rep_figure = page_of(client, "cac")

    result = registry.compute("close_rate", JUNE, Scope.owner(world.rep))
    assert counts(own) == {"won": result.numerator, "created": result.denominator}
    assert (other.status_code, company.status_code, no_rep_figure.status_code) == (403, 403, 404)


@pytest.mark.parametrize("role", ["manager", "marketer", "support_agent", "admin_user"])
def test_every_other_role_may_open_any_scope(client, request, role, world):
    client.force_login(request.getfixturevalue(role))

    response = page_of(client, "leads", scope=f"team:{world.team.pk}")

    # Managers and admins open any scope; marketing and support not another person's
    # or a team's (metrics.selectors.scope_for_user), but the company's.
    if role in ("marketer", "support_agent"):
        assert response.status_code == 403
        response = page_of(client, "leads", scope="company")
    assert response.status_code == 200
    assert counts(response)["leads"] >= 2


def test_anonymous_is_sent_to_log_in(client, world):
    response = page_of(client, "leads")

    assert response.status_code == 302


def test_bad_keys_scopes_and_periods_are_not_a_500(client, manager, world):
    client.force_login(manager)

    assert page_of(client, "no_such_kpi").status_code == 404
    unsupported = page_of(client, "cac", scope=f"owner:{world.rep.pk}")
    assert unsupported.status_code == 400
    assert "This KPI cannot be measured for that scope." in unsupported.content.decode()
    assert page_of(client, "leads", scope="owner:99999999999999").status_code == 400
    assert page_of(client, "leads", scope="owner:²").status_code == 400
    assert page_of(client, "leads", start="2025-07-01", end="2025-06-01").status_code == 400
    assert page_of(client, "leads", leads_page="abc").status_code == 200


@pytest.mark.parametrize("role", ["rep", "manager", "admin_user"])
def test_junk_query_strings_never_500(client, request, role, world):
    client.force_login(request.getfixturevalue(role))
    for key in ("close_rate", "cac", "nps"):
        get_with_junk(
            client,
            reverse("metrics:kpi_records", args=[key]),
            ["period", "start", "end", "scope", "won_page", "created_page", "spend_page"],
        )


def _deals(world, n):
    Deal.objects.bulk_create(
        Deal(
            title=f"Extra {i}",
            pipeline=world.pipeline,
            stage=world.stages[0],
            owner=world.rep,
            created_at=at("2025-06-15"),
        )
        for i in range(n)
    )


def test_queries_do_not_grow_with_rows_and_pages_are_paginated(
    client, manager, world, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(20) as few:
        page_of(client, "close_rate", scope="company")
    _deals(world, PAGE_SIZE * 2)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = page_of(client, "close_rate", scope="company")
    second = page_of(client, "close_rate", scope="company", created_page=2)

    assert counts(response)["created"] == 4 + PAGE_SIZE * 2
    assert response.content.decode().count("Extra ") == PAGE_SIZE
    assert 'rel="next"' in response.content.decode()
    assert "created_page=3" in second.content.decode()


def test_dashboard_cards_open_their_records(client, manager, world):
    client.force_login(manager)
    scope = Scope.team(world.team)

    response = client.get(
        reverse("metrics:dashboard"),
        {**QUERY, "scope": f"team:{world.team.pk}"},
    )

    html = response.content.decode()
    for kpi in registry.KPIS.values():
        if kpi.supports("team"):
            assert records_url(kpi.key, JUNE, scope).replace("&", "&amp;") in html, kpi.key


def test_a_reps_dashboard_cards_open_their_own_records(client, world):
    client.force_login(world.rep)

    html = client.get(reverse("metrics:dashboard"), QUERY).content.decode()
    link = records_url("leads", JUNE, Scope.owner(world.rep))
    response = client.get(link)

    assert link.replace("&", "&amp;") in html
    assert records_url("cac", JUNE, Scope.owner(world.rep)).replace("&", "&amp;") not in html
    assert counts(response) == {"leads": 2}


def test_report_cells_open_their_records(client, manager, world):
    client.force_login(manager)

    sales = client.get(reverse("metrics:report_sales"), QUERY).content.decode()
    marketing = client.get(reverse("metrics:report_marketing"), QUERY).content.decode()
    support = client.get(reverse("metrics:report_support"), QUERY).content.decode()

    rep = Scope.owner(world.rep)
    for key in ("close_rate", "win_rate", "sales_cycle_days", "calls_per_lead"):
        assert records_url(key, JUNE, rep).replace("&", "&amp;") in sales, key
    campaign = Scope.campaign(world.campaign)
    for key in ("campaign_revenue", "campaign_new_customers", "cac", "leads"):
        assert records_url(key, JUNE, campaign).replace("&", "&amp;") in marketing, key
    url = records_url("avg_resolution_hours", JUNE, rep).replace("&", "&amp;")
    assert url in support


def _goal_link(client, goal) -> str | None:
    html = client.get(reverse("goals:detail", args=[goal.pk])).content.decode()
    found = re.search(r'href="([^"]+)" data-open-records', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_goal_opens_the_records_behind_its_current_value(client, manager, rep):
    company = GoalFactory(owner=manager, kpi="close_rate", scope_type="company", scope_id=None)
    own = GoalFactory(owner=rep, kpi="leads", scope_type="rep", scope_id=rep.pk)

    client.force_login(manager)
    link = _goal_link(client, company)
    assert "scope=company" in link and client.get(link).status_code == 200

    client.force_login(rep)
    own_link = _goal_link(client, own)
    assert f"scope=owner%3A{rep.pk}" in own_link and client.get(own_link).status_code == 200


# --- API ---------------------------------------------------------------------------------


def api_records(api, key, **params):
    return api.get(
        f"/api/kpis/{key}/records/", {"start": "2025-06-01", "end": "2025-07-01", **params}
    )


def test_api_lists_numerator_and_denominator_ids_with_counts(api_as, manager, world):
    response = api_records(api_as(manager), "close_rate")

    assert response.status_code == 200
    data = response.json()
    parts = {part["key"]: part for part in data["parts"]}
    assert (data["numerator"], data["denominator"]) == (2, 4)
    assert (parts["won"]["count"], parts["created"]["count"]) == (2, 4)
    assert parts["won"]["role"] == "numerator" and parts["won"]["model"] == "crm.deal"
    assert set(parts["won"]["ids"]) <= set(parts["created"]["ids"])
    assert len(parts["created"]["ids"]) == 4


def test_api_pages_the_ids(api_as, manager, world, django_assert_max_num_queries):
    _deals(world, 120)
    api = api_as(manager)

    with django_assert_max_num_queries(20):
        first = api_records(api, "leads").json()
    deals_first = api_records(api, "close_rate").json()
    deals_second = api_records(api, "close_rate", page=2).json()

    assert first["parts"][0]["count"] == 3
    created = next(p for p in deals_first["parts"] if p["key"] == "created")
    created_2 = next(p for p in deals_second["parts"] if p["key"] == "created")
    assert created["count"] == 124 and len(created["ids"]) == 100 and created["has_next"]
    assert len(created_2["ids"]) == 24 and not created_2["has_next"]


def test_api_rep_gets_own_figures_only(api_as, world):
    api = api_as(world.rep)

    own = api_records(api, "leads")
    team = api_records(api, "leads", team=world.team.pk)
    cac = api_records(api, "cac")

    assert own.status_code == 200 and own.json()["scope"] == {"type": "owner", "id": world.rep.pk}
    assert own.json()["parts"][0]["count"] == 2
    assert (team.status_code, cac.status_code) == (403, 403)


@pytest.mark.parametrize("role", ["manager", "marketer", "support_agent", "admin_user"])
def test_api_other_roles_read_any_scope(api_as, request, role, world):
    api = api_as(request.getfixturevalue(role))
    response = api_records(api, "nps", owner=world.rep.pk)

    if role in ("marketer", "support_agent"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response.json()["numerator"] == 2


def test_api_bad_input_is_400_or_404(api_as, manager, api_client, world):
    api = api_as(manager)

    assert api_records(api, "nope").status_code == 404
    assert api_records(api, "leads", page="abc").status_code == 400
    assert api_records(api, "leads", page="0").status_code == 400
    assert api_records(api, "leads", start="2025-13-01").status_code == 400
    assert api_records(api, "leads", end="2025-05-01").status_code == 400
    assert api_records(api, "cac", owner=world.rep.pk).status_code == 400
    assert api_records(api, "leads", owner=99999999).status_code == 400
    assert api_records(api_client, "leads").status_code in (401, 403)


def test_period_of_a_cohort_reads_as_of_now():
    """The link carries the card's exact dates, not "this month", so it does not move."""
    url = records_url("close_rate", Period(JUNE.start, JUNE.end + timedelta(days=1)), Scope())
    assert "start=2025-06-01" in url and "end=2025-07-02" in url and "scope=company" in url


def test_back_returns_to_the_report_it_was_opened_from_else_the_dashboard(client, manager, world):
    client.force_login(manager)
    report = "http://testserver" + reverse("metrics:report_sales") + "?period=quarter"

    url, query = reverse("metrics:kpi_records", args=["win_rate"]), {**QUERY, "scope": "company"}

    from_report = client.get(url, query, HTTP_REFERER=report).content
    direct = client.get(url, query).content.decode()
    foreign = client.get(url, query, HTTP_REFERER="https://evil.example/x").content

    assert f'href="{report.replace("&", "&amp;")}">Back</a>' in from_report.decode()
    assert "Back to the dashboard" in direct
    assert b"evil.example" not in foreign and b"Back to the dashboard" in foreign
