"""A campaign step's rules are the campaigns service's: the API, the editor page and any
other caller of the service get the same refusal, and nothing is stored (issue 18, item 4)."""

import pytest
from django.core.exceptions import ValidationError

from automation.marketing.models import CampaignStep, StepVariant, VariantLanguage
from automation.marketing.services.campaigns import (
    step_create,
    step_update,
    variant_create,
    variant_languages_replace,
    variant_update,
)
from crm.tests.factories import CampaignFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db

EMAIL_NEEDS = "An email step needs this."
WAIT_NEEDS = "Say how long to wait."
ONLY_EMAIL = "Only email steps have language versions."
ONE_PER_LANGUAGE = "One version per language."


def _stored():
    return (
        list(CampaignStep.objects.order_by("pk").values_list("pk", "position", "wait_amount")),
        list(StepVariant.objects.order_by("pk").values_list("pk", "subject", "body")),
        list(VariantLanguage.objects.order_by("pk").values_list("pk", "language", "subject")),
    )


def _page_post(client, campaign, data):
    return client.post(f"/marketing/campaigns/{campaign.pk}/steps/", data)


def test_an_email_step_needs_subject_and_body_through_api_and_page(api_as, client, marketer):
    campaign = CampaignFactory()
    api = api_as(marketer)

    response = api.post(
        "/api/campaign-steps/",
        {"campaign": campaign.pk, "kind": "email", "subject": "Hello"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"body": [EMAIL_NEEDS]}

    client.force_login(marketer)
    page = _page_post(client, campaign, {"kind": "email", "subject": "Hello"})
    assert page.status_code == 422
    assert page.context["step_form"].errors == {"body": [EMAIL_NEEDS]}
    assert EMAIL_NEEDS in page.content.decode()

    assert _stored() == ([], [], [])


def test_a_wait_step_needs_amount_and_unit_through_api_and_page(api_as, client, marketer):
    campaign = CampaignFactory()
    api = api_as(marketer)

    response = api.post(
        "/api/campaign-steps/", {"campaign": campaign.pk, "kind": "wait"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"wait_amount": [WAIT_NEEDS]}

    client.force_login(marketer)
    page = _page_post(client, campaign, {"kind": "wait", "wait_amount": "3", "wait_unit": ""})
    assert page.status_code == 422
    assert page.context["step_form"].errors == {"wait_amount": [WAIT_NEEDS]}

    assert _stored() == ([], [], [])


def test_only_email_steps_have_language_versions_through_api_and_service(api_as, marketer):
    campaign = CampaignFactory()
    wait = email_wait_email(campaign)[1]
    before = _stored()
    versions = [{"language": "de", "subject": "Hallo", "body": "Hallo!"}]
    api = api_as(marketer)

    created = api.post(
        "/api/campaign-steps/",
        {
            "campaign": campaign.pk,
            "kind": "wait",
            "wait_amount": 1,
            "wait_unit": "days",
            "languages": versions,
        },
        format="json",
    )
    patched = api.patch(
        f"/api/campaign-steps/{wait.pk}/",
        {"wait_amount": 9, "languages": versions},
        format="json",
    )
    for response in (created, patched):
        assert response.status_code == 400
        assert response.json() == {"languages": [ONLY_EMAIL]}

    with pytest.raises(ValidationError) as refused:
        step_update(step=wait, actor=marketer, data={"wait_amount": 9, "languages": versions})
    assert refused.value.message_dict == {"languages": [ONLY_EMAIL]}
    with pytest.raises(ValidationError) as refused:
        step_create(
            campaign=campaign,
            actor=marketer,
            kind="wait",
            wait_amount=1,
            wait_unit="days",
            languages=versions,
        )
    assert refused.value.message_dict == {"languages": [ONLY_EMAIL]}

    assert _stored() == before


def test_one_version_per_language_through_api_and_service(api_as, marketer):
    campaign = CampaignFactory()
    first = email_wait_email(campaign)[0]
    variant = first.variants.get()
    variant_languages_replace(
        variant=variant,
        actor=marketer,
        versions=[{"language": "tr", "subject": "Merhaba", "body": "Merhaba!"}],
    )
    before = _stored()
    twice = [
        {"language": "de", "subject": "Hallo", "body": "Hallo!"},
        {"language": "de", "subject": "Servus", "body": "Servus!"},
    ]
    api = api_as(marketer)

    responses = [
        api.post(
            "/api/campaign-steps/",
            {
                "campaign": campaign.pk,
                "kind": "email",
                "subject": "S",
                "body": "B",
                "languages": twice,
            },
            format="json",
        ),
        api.patch(f"/api/campaign-steps/{first.pk}/", {"languages": twice}, format="json"),
        api.patch(f"/api/campaign-variants/{variant.pk}/", {"languages": twice}, format="json"),
    ]
    for response in responses:
        assert response.status_code == 400
        assert response.json() == {"languages": [ONE_PER_LANGUAGE]}

    with pytest.raises(ValidationError) as refused:
        variant_languages_replace(variant=variant, actor=marketer, versions=twice)
    assert refused.value.message_dict == {"languages": [ONE_PER_LANGUAGE]}
    with pytest.raises(ValidationError) as refused:
        step_update(step=first, actor=marketer, data={"languages": twice})
    assert refused.value.message_dict == {"languages": [ONE_PER_LANGUAGE]}
    with pytest.raises(ValidationError) as refused:
        variant_update(variant=variant, actor=marketer, data={"subject": "X", "languages": twice})
    assert refused.value.message_dict == {"languages": [ONE_PER_LANGUAGE]}
    with pytest.raises(ValidationError) as refused:
        variant_create(step=first, actor=marketer, subject="S", body="B", languages=twice)
    assert refused.value.message_dict == {"languages": [ONE_PER_LANGUAGE]}

    assert _stored() == before
