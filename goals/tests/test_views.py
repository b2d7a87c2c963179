import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, GoalChange, Quota
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    today = timezone.localdate()
    return {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "scope": "company",
        "baseline": "8",
        "target": "6",
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": today.isoformat(),
        "deadline": (today + timedelta(days=90)).isoformat(),
    } | overrides


def test_list_shows_progress_bars_and_status_text(client, manager, django_assert_max_num_queries):
    for _ in range(5):
        GoalFactory(owner=manager, status="off_track")  # as the last recompute found
    snapshot("churn_rate", timezone.localdate(), "7.9")
    client.force_login(manager)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("goals:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="progressbar"') == 5
    assert html.count('data-status="off_track">Off track</span>') == 5
    assert "?template=reduce_churn" in html


def _letter_errors(html: str) -> dict[str, list[str]]:
    """The error sentences in each SMART fieldset's error list, by letter."""
    found = {}
    for letter in ("specific", "measurable", "achievable", "relevant", "time_bound"):
        match = re.search(rf'<ul class="errorlist" id="letter-{letter}-errors">(.*?)</ul>', html)
        if match:
            found[letter] = [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1))]
    return found


def _letter_warnings(html: str, letter: str) -> list[str]:
    fieldset = re.search(rf'<fieldset[^>]*id="letter-{letter}".*?</fieldset>', html, re.S).group(0)
    return [
        unescape(m)
        for m in re.findall(
            r'class="flash flash--warning" role="status"><span>(.*?)</span>', fieldset
        )
    ]


def test_title_alone_fails_only_measurable_and_time_bound_and_warns_under_achievable(
    client, manager
):
    client.force_login(manager)

    response = client.post(reverse("goals:create"), {"title": "Prevent churn"})

    assert response.status_code == 400
    html = response.content.decode()
    assert _letter_errors(html) == {
        "measurable": [
            "Choose the KPI that measures the goal.",
            "Set the target value of the KPI.",
        ],
        "time_bound": ["Set the start date.", "Set the deadline."],
    }
    assert _letter_warnings(html, "achievable") == [
        "Note the resources (people, budget, tools, time) that make the goal reachable.",
        "Write the action plan: what you will do to get there.",
    ]
    # Not SMART yet: nothing to save anyway.
    assert 'name="acknowledge_warnings"' not in html
    assert not Goal.objects.exists()


def test_save_anyway_without_the_box_says_to_tick_it(client, manager):
    snapshot("churn_rate", timezone.localdate() - timedelta(days=2), "8.2")
    client.force_login(manager)
    data = form_data(resources="")

    first = client.post(reverse("goals:create"), data)
    anyway = client.post(reverse("goals:create"), data | {"save_anyway": "1"})

    assert first.status_code == 200  # the warnings, shown once, are not an error
    assert "Tick the box" not in first.content.decode()
    assert 'name="save_anyway"' in first.content.decode()
    assert anyway.status_code == 400
    html = anyway.content.decode()
    assert _letter_errors(html) == {}
    assert re.search(
        r'id="id_acknowledge_warnings_error"><li>Tick the box to confirm you have read the '
        r"warnings, then save again.</li>",
        html,
    )
    assert not Goal.objects.exists()

    ticked = client.post(
        reverse("goals:create"), data | {"save_anyway": "1", "acknowledge_warnings": "on"}
    )

    assert ticked.status_code == 302
    assert Goal.objects.get().resources == ""


def test_a_goal_without_objective_serves_its_kpis_headline_goal_or_its_title(client, manager):
    snapshot("churn_rate", timezone.localdate() - timedelta(days=2), "8.2")
    client.force_login(manager)

    client.post(reverse("goals:create"), form_data(objective="", acknowledge_warnings="on"))
    client.post(
        reverse("goals:create"),
        form_data(
            title="More leads", kpi="leads", target="10", objective="", acknowledge_warnings="on"
        ),
    )

    assert list(Goal.objects.order_by("pk").values_list("objective", "custom_objective")) == [
        ("retention", ""),
        ("custom", "More leads"),
    ]


def test_manager_creates_goal_from_form_and_sees_chart(client, manager):
    snapshot("churn_rate", timezone.localdate() - timedelta(days=2), "8.2")
    client.force_login(manager)

    response = client.post(reverse("goals:create"), form_data())

    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("goals:detail", args=[goal.pk])
    page = client.get(response.url)
    html = page.content.decode()
    assert '<canvas id="goal-chart"' in html
    chart = json.loads(
        html.split('id="goal-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["snapshots"] == [
        {"x": (timezone.localdate() - timedelta(days=2)).isoformat(), "y": 8.2}
    ]
    assert chart["target"][0]["y"] == 6.0
    assert chart["expected"][0]["y"] == 8.0


def test_warnings_are_shown_in_the_form_before_saving(client, manager):
    today = timezone.localdate()
    for days_ago in range(0, 120, 10):
        snapshot("churn_rate", today - timedelta(days=days_ago), 8 + days_ago / 1000)
    client.force_login(manager)

    first = client.post(reverse("goals:create"), form_data(target="1"))
    assert first.status_code == 200
    assert "beyond anything in the history" in first.content.decode()
    assert not Goal.objects.exists()

    second = client.post(reverse("goals:create"), form_data(target="1", acknowledge_warnings="on"))
    assert second.status_code == 302
    assert Goal.objects.count() == 1


def test_template_prefills_the_form(client, manager):
    client.force_login(manager)

    response = client.get(reverse("goals:create") + "?template=lower_cac")

    html = response.content.decode()
    assert 'value="Lower CAC from $115 to $80 by year end"' in html
    assert 'name="baseline" value="115"' in html
    assert 'name="target" value="80"' in html


def test_rep_form_offers_only_themselves_and_refuses_company(client, rep):
    snapshot("churn_rate", timezone.localdate(), "8", scope_type="rep", scope_id=rep.pk)
    client.force_login(rep)

    page = client.get(reverse("goals:create")).content.decode()
    assert f'value="rep:{rep.pk}"' in page
    assert 'value="company"' not in page
    assert client.post(reverse("goals:create"), form_data()).status_code == 400
    response = client.post(reverse("goals:create"), form_data(scope=f"rep:{rep.pk}"))
    assert response.status_code == 302
    assert Goal.objects.get().owner == rep


@pytest.mark.parametrize("role", ["marketer", "support_agent"])
def test_roles_without_goal_rights_cannot_open_the_form(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("goals:create")).status_code == 403
    assert client.get(reverse("goals:list")).status_code == 200


def test_edit_records_history_shown_on_the_goal_page(client, manager, rep):
    goal = GoalFactory(owner=manager)
    client.force_login(manager)
    data = form_data(
        title=goal.title,
        baseline="8",
        target="5",
        start_date=goal.start_date.isoformat(),
        deadline=goal.deadline.isoformat(),
        reason="More ambitious",
    )

    response = client.post(reverse("goals:edit", args=[goal.pk]), data)

    assert response.status_code == 302
    change = GoalChange.objects.get(field="target")
    assert (change.old_value, change.new_value, change.reason) == ("6", "5", "More ambitious")
    assert "More ambitious" in client.get(reverse("goals:detail", args=[goal.pk])).content.decode()
    client.force_login(rep)
    assert client.get(reverse("goals:edit", args=[goal.pk])).status_code == 403
    assert client.post(reverse("goals:delete", args=[goal.pk])).status_code == 403


def test_other_reps_goal_is_404(client, rep, other_rep):
    goal = GoalFactory(owner=other_rep, scope_type="rep", scope_id=other_rep.pk)
    client.force_login(rep)
    assert client.get(reverse("goals:detail", args=[goal.pk])).status_code == 404


def test_parent_page_rolls_up_children(client, manager):
    parent = GoalFactory(owner=manager, kpi="leads", baseline=0, target=100)
    GoalFactory(owner=manager, parent=parent)  # churn 8 → 6
    GoalFactory(owner=manager, parent=parent, kpi="referrals", baseline=0, target=10)
    snapshot("churn_rate", timezone.localdate(), "7")  # 50 %
    snapshot("referrals", timezone.localdate(), "10")  # 100 %
    client.force_login(manager)

    html = client.get(reverse("goals:detail", args=[parent.pk])).content.decode()

    assert "Children's progress, rolled up: 75 %" in html


def test_manager_sets_quota_in_the_browser_and_rep_sees_attainment(client, manager, rep):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        reverse("goals:quotas"),
        {"owner": rep.pk, "period": "month", "start": today.isoformat(), "amount": "5000"},
    )
    assert response.status_code == 302
    assert Quota.objects.get().start == today.replace(day=1)
    bad = client.post(
        reverse("goals:quotas"), {"period": "month", "start": today.isoformat(), "amount": "5"}
    )
    assert bad.status_code == 400
    assert "Choose either one rep or one team." in bad.content.decode()

    client.force_login(rep)
    assert "Quota attainment this period" in client.get(reverse("goals:list")).content.decode()
    page = client.get(reverse("goals:quotas")).content.decode()
    assert "5,000.00" in page
    assert 'name="amount"' not in page
    assert client.post(reverse("goals:quotas"), {"amount": "1"}).status_code == 403
    quota = QuotaFactory(owner=manager, start=today.replace(day=1, year=2020))
    assert client.post(reverse("goals:quota_delete", args=[quota.pk])).status_code == 404
