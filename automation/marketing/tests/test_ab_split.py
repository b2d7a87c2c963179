"""A/B variants: an even split over 1,000 enrollments, exact per-variant counts, the winner."""

import pytest
from django.core import mail

from automation.marketing.abtest import two_proportion_test, winner
from automation.marketing.models import EmailSend, StepKind
from automation.marketing.selectors import campaign_report, variant_results
from automation.marketing.services.campaigns import step_create, variant_create
from automation.marketing.services.progress import due_steps_run
from automation.models import Enrollment
from crm.models import Contact
from crm.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

N = 1000


@pytest.mark.slow
def test_a_b_split_of_1000_enrollments_is_even_and_counted_exactly(run_on_commit):
    campaign = CampaignFactory(name="AB")
    step = step_create(
        campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="A: hi", body="a"
    )
    variant_b = variant_create(step=step, actor=None, subject="B: hello", body="b")
    contacts = Contact.objects.bulk_create(
        [Contact(first_name=f"C{i}", email=f"c{i}@example.com") for i in range(N)]
    )
    Enrollment.objects.bulk_create([Enrollment(campaign=campaign, contact=c) for c in contacts])

    assert run_on_commit(due_steps_run) == N

    sent_b = EmailSend.objects.filter(variant=variant_b).count()
    sent_a = N - sent_b
    # Binomial(1000, 0.5): sd = 15.8; 3.5 sd either side fails a fair split 1 in 2,000 runs.
    assert abs(sent_a - N / 2) <= 55
    assert len(mail.outbox) == N
    assert sum(1 for m in mail.outbox if m.subject == "B: hello") == sent_b

    # Mark exactly 37 of A's and 12 of B's recipients as clickers; the report must agree.
    a_ids = list(EmailSend.objects.filter(variant_label="A").values_list("pk", flat=True)[:37])
    b_ids = list(EmailSend.objects.filter(variant_label="B").values_list("pk", flat=True)[:12])
    EmailSend.objects.filter(pk__in=a_ids + b_ids).update(
        clicked_at="2025-01-01T00:00Z", opened_at="2025-01-01T00:00Z"
    )

    [row] = variant_results(campaign)
    by_label = {v["label"]: v for v in row["variants"]}
    assert {k: by_label["A"][k] for k in ("sent", "opened", "clicked", "replied", "converted")} == {
        "sent": sent_a,
        "opened": 37,
        "clicked": 37,
        "replied": 0,
        "converted": 0,
    }
    assert (by_label["B"]["sent"], by_label["B"]["clicked"]) == (sent_b, 12)
    # 7.4 % vs 2.4 %: a significant difference, so A is called the winner on clicks.
    assert row["winners"]["clicked"]["label"] == "A"
    assert row["winners"]["clicked"]["p_value"] < 0.05
    assert row["winners"]["replied"] is None

    report = campaign_report(campaign)
    assert (report["enrolled"], report["sent"], report["clicked"]) == (N, N, 49)


def test_each_enrollment_keeps_its_variant():
    from automation.marketing.services.progress import variant_pick

    assert all(
        variant_pick(enrollment_id=i, step_id=7, variants=["A", "B"])
        == variant_pick(enrollment_id=i, step_id=7, variants=["A", "B"])
        for i in range(50)
    )


def test_z_test_matches_a_hand_computed_value():
    # 60/500 vs 40/500: pooled 0.1, se = sqrt(0.1*0.9*(2/500)) = 0.018974, z = 0.04/0.018974
    result = two_proportion_test(60, 500, 40, 500)
    assert round(result.z, 3) == 2.108
    assert round(result.p_value, 4) == 0.035
    assert result.significant


def test_no_winner_without_a_significant_difference():
    rows = [
        {"label": "A", "sent": 100, "clicked": 11},
        {"label": "B", "sent": 100, "clicked": 9},
    ]
    assert winner(rows, "clicked") is None
    assert two_proportion_test(0, 10, 0, 10) is None
