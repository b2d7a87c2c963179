"""Junk sent to the marketing editors and to the public email endpoints: never a 500."""

import pytest
from django.urls import reverse

from automation.marketing.models import ScoringRule, Segment
from automation.marketing.services.campaigns import variant_create, variant_language_create
from automation.marketing.services.emails import email_send_record
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.offers import nps_survey_send
from automation.marketing.tokens import email_token, unsubscribe_token
from automation.tests.fuzzing import JUNK, ROLES, assert_no_5xx, get_with_junk, post_with_junk
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def world(db):
    campaign = CampaignFactory(name="Nurture fuzz")
    steps = email_wait_email(campaign)
    variant = variant_create(step=steps[0], actor=None, subject="B", body="Hi https://x.io")
    version = variant_language_create(
        variant=variant, actor=None, language="de", subject="Hallo", body="Hallo https://x.io"
    )
    contact = ContactFactory(email="ada@example.com")
    enrollment = campaign_enroll_contact(campaign=campaign, contact=contact)
    segment = Segment.objects.create(
        name="Leads", conditions=[{"field": "lifecycle", "operator": "is", "value": "lead"}]
    )
    rule = ScoringRule.objects.create(kind="attribute", field="source", value="web", points=5)
    return {
        "campaign": campaign,
        "email": steps[0],
        "wait": steps[1],
        "variant": variant,
        "version": version,
        "contact": contact,
        "enrollment": enrollment,
        "segment": segment,
        "scoring_rule": rule,
    }


def _urls(w):
    c = w["campaign"].pk
    return {
        "campaign_list": reverse("marketing:campaigns"),
        "editor": reverse("marketing:campaign", args=[c]),
        "report": reverse("marketing:campaign_report", args=[c]),
        "step_add": reverse("marketing:step_add", args=[c]),
        "step_wait": reverse("marketing:step_wait", args=[c, w["wait"].pk]),
        "step_move": reverse("marketing:step_move", args=[c, w["wait"].pk]),
        "variant_add": reverse("marketing:variant_add", args=[c, w["email"].pk]),
        "variant_edit": reverse("marketing:variant_edit", args=[c, w["variant"].pk]),
        "language_add": reverse("marketing:language_add", args=[c, w["variant"].pk]),
        "language_edit": reverse("marketing:language_edit", args=[c, w["version"].pk]),
        "plan": reverse("marketing:plan", args=[c]),
        "enroll": reverse("marketing:enroll_segment", args=[c]),
        "segments": reverse("marketing:segments"),
        "segment_new": reverse("marketing:segment_new"),
        "segment": reverse("marketing:segment", args=[w["segment"].pk]),
        "segment_count": reverse("marketing:segment_count"),
        "scoring": reverse("marketing:scoring"),
    }


# The forms that read a `name` or a `kind` (campaign, step, segment) get every junk value in
# them; to the others, which read neither, one POST shows the door and an empty form hold.
READS_NAME_OR_KIND = {"campaign_list", "editor", "step_add", "segment_new", "segment",
                      "segment_count"}  # fmt: skip


def segment_body(**overrides):
    return {
        "name": "Big spenders",
        "description": "",
        "match": "all",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-0-field": "purchase_count",
        "c-0-operator": "gte",
        "c-0-value": "2",
    } | overrides


@pytest.mark.parametrize("role", ROLES)
def test_junk_query_strings_and_bodies_never_500_for_any_role(client, request, role, world):
    client.force_login(request.getfixturevalue(role))
    urls = _urls(world)
    for name in ("campaign_list", "editor", "report", "segments", "segment", "scoring"):
        get_with_junk(client, urls[name], ["page", "format", "q"], each_alone=False)
    for name, url in urls.items():
        for junk in JUNK if name in READS_NAME_OR_KIND else ["x"]:
            assert_no_5xx(client.post(url, {"name": junk, "kind": junk}), f"POST {url}")


def test_junk_editor_posts_never_500(client, marketer, world):
    client.force_login(marketer)
    urls = _urls(world)
    v = world["variant"].pk
    post_with_junk(
        client,
        urls["step_add"],
        {"kind": "email", "subject": "Hi", "body": "Hello", "wait_amount": "", "position": "1"},
    )
    post_with_junk(
        client, urls["step_add"], {"kind": "wait", "wait_amount": "2", "wait_unit": "days"}
    )
    post_with_junk(client, urls["step_wait"], {"wait_amount": "3", "wait_unit": "hours"})
    post_with_junk(client, urls["step_move"], {"direction": "up"})
    post_with_junk(client, urls["variant_add"], {f"new-{world['email'].pk}-subject": "C",
                                                  f"new-{world['email'].pk}-body": "Body"})  # fmt: skip
    post_with_junk(
        client, urls["variant_edit"], {f"variant-{v}-subject": "S", f"variant-{v}-body": "B"}
    )
    new = f"lang-new-{v}"
    post_with_junk(
        client,
        urls["language_add"],
        {f"{new}-language": "tr", f"{new}-subject": "Merhaba", f"{new}-body": "Selam"},
    )
    lang = f"lang-{world['version'].pk}"
    post_with_junk(
        client, urls["language_edit"], {f"{lang}-subject": "Hallo", f"{lang}-body": "Hallo"}
    )
    post_with_junk(client, urls["plan"], {"welcome_series": "on", "audience": world["segment"].pk})
    post_with_junk(client, urls["enroll"], {"segment": world["segment"].pk})
    post_with_junk(
        client, urls["campaign_list"], {"name": "New", "channel": "email", "description": ""}
    )
    post_with_junk(
        client,
        urls["scoring"],
        {
            "save_model": "1",
            "model-threshold": "50",
            "model-half_life_days": "30",
            "model-lookback_days": "90",
            "model-max_score": "100",
            "model-handoff_team": "",
            "model-followup_due_hours": "24",
        },
    )
    post_with_junk(
        client,
        urls["scoring"],
        {"rule-field": "source", "rule-value": "web", "rule-points": "5", "rule-cap": ""},
    )


@pytest.mark.parametrize(
    ("field", "operator", "value"),
    [
        ("age", "gte", "30"),
        ("age", "lte", "30"),
        ("score", "gte", "10"),
        ("website_visit", "within_days", "7"),
        ("purchased", "not_within_days", "7"),
        ("created", "within_days", "7"),
        ("tag", "has", "vip"),
        ("lifecycle", "is", "lead"),
        ("occupation", "contains", "dev"),
        ("opted_out", "is", "yes"),
    ],
)
def test_junk_segment_conditions_never_500(client, marketer, world, field, operator, value):
    """Every field with junk values and the wrong operators, in the editor and the count."""
    client.force_login(marketer)
    urls = _urls(world)
    valid = segment_body(**{"c-0-field": field, "c-0-operator": operator, "c-0-value": value})
    for url in (urls["segment"], urls["segment_count"]):
        for junk in ("100000", "99999", "3000", "151", "1.5", "-0", "٣", "x", "", "\x00"):
            body = {**valid, "c-0-value": junk}
            assert_no_5xx(client.post(url, body), f"{url} value={junk!r}")
        for other in ("is", "gte", "has", "within_days", "contains", "junk"):
            assert_no_5xx(client.post(url, {**valid, "c-0-operator": other}), f"{url} {other}")
    # Saved then reopened: the editor counts the audience on GET.
    for number in ("100000", "3000", "150"):
        client.post(urls["segment"], {**valid, "c-0-value": number})
        assert_no_5xx(client.get(urls["segment"]), f"GET segment after {field}={number}")


def test_junk_segment_form_never_500(client, marketer, world):
    client.force_login(marketer)
    urls = _urls(world)
    post_with_junk(client, urls["segment_new"], segment_body())
    post_with_junk(client, urls["segment_count"], segment_body())


def test_segment_condition_errors_are_shown_in_the_editor(client, marketer, world):
    client.force_login(marketer)
    body = segment_body(**{"c-0-field": "age", "c-0-operator": "has", "c-0-value": "x"})

    response = client.post(_urls(world)["segment_new"], body)

    assert response.status_code == 422
    html = response.content.decode()
    assert "1. operator: For this field choose: at least, at most." in html
    assert "1. value: Enter a whole number." in html
    assert not Segment.objects.filter(name="Big spenders").exists()


@pytest.mark.parametrize("operator", ["gte", "lte"])
def test_segment_age_over_150_is_refused_not_a_500(client, marketer, world, operator):
    client.force_login(marketer)
    body = {
        "match": "all",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-0-field": "age",
        "c-0-operator": operator,
        "c-0-value": "3000",
    }

    response = client.post(_urls(world)["segment_count"], body)

    assert response.status_code == 200
    assert "1. value: Enter an age between 0 and 150." in response.content.decode()


def test_nps_survey_with_nul_token_is_unknown_and_nul_comment_is_kept_clean(client, world):
    survey = nps_survey_send(contact=ContactFactory(email="c@example.com"))

    assert client.get("/m/nps/%00/").status_code == 404
    response = client.post(f"/m/nps/{survey.token}/", {"score": "9", "comment": "fi\x00ne"})

    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.response.comment == "fine"


def test_public_endpoints_with_forged_tokens_and_indexes_never_500(client, world):
    contact = world["contact"]
    send = email_send_record(contact=contact, subject="Hi", body="See https://example.com/a")
    survey = nps_survey_send(contact=ContactFactory(email="b@example.com"))
    good_email, good_unsub = email_token(send.pk), unsubscribe_token(contact.pk)
    forged = [
        "x",
        "1",
        "1:abc",
        good_email + "x",
        good_email.replace(":", ":x"),
        email_token(99999999999999999999),
        "%00",
        "a" * 3000,
        "..",
    ]
    for token in forged:
        for path in (f"/m/o/{token}/", f"/m/c/{token}/0/", f"/m/unsubscribe/{token}/",
                     f"/m/nps/{token}/"):  # fmt: skip
            assert_no_5xx(client.get(path), path)
            assert_no_5xx(client.post(path, {"score": "5"}), path)
    for index in ("1", "7", "99999999999999999999", "2147483648"):
        assert_no_5xx(client.get(f"/m/c/{good_email}/{index}/"), index)
    assert client.get(f"/m/c/{good_email}/0/").status_code == 302
    assert client.get(f"/m/c/{good_email}/1/").status_code == 404
    assert_no_5xx(client.get(f"/m/unsubscribe/{good_unsub}/"), "unsubscribe")
    nps = f"/m/nps/{survey.token}/"
    for junk in [*JUNK, "11", "-1", "5.5"]:
        assert_no_5xx(client.post(nps, {"score": junk, "comment": junk}), f"nps {junk[:30]!r}")
    assert_no_5xx(client.post(nps, {"score": "9", "comment": "fine\x00"}), "nps NUL comment")


def test_segment_text_condition_with_a_nul_is_refused():
    from django.core.exceptions import ValidationError

    from automation.marketing.segmenting import check_segment_conditions

    with pytest.raises(ValidationError) as error:
        check_segment_conditions(
            [{"field": "occupation", "operator": "contains", "value": "a\x00"}]
        )
    assert error.value.messages == ["1. value: Null characters are not allowed."]
