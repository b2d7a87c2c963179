"""A suppression-list entry's address is its identity: the consent service refuses to change
it, so the API and any other caller of suppression_update get the same refusal and nothing
is stored (issue 18, item 4). The browser's edit form has no address field."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import SuppressedAddress
from crm.services.consent import address_suppress, suppression_update

pytestmark = pytest.mark.django_db

CANNOT_CHANGE = "An entry's address cannot change; remove it and add the new one."


def _stored():
    return list(
        SuppressedAddress.objects.order_by("pk").values_list("pk", "email", "reason", "note")
    )


def test_an_entrys_address_cannot_change_through_api_and_service(api_as, marketer):
    entry = address_suppress(email="pat@example.com", reason="bounce", actor=marketer)
    before = _stored()
    api = api_as(marketer)
    url = f"/api/suppressions/{entry.pk}/"

    patched = api.patch(url, {"email": "other@example.com", "note": "moved"}, format="json")
    put = api.put(
        url, {"email": "other@example.com", "reason": "complaint", "note": "x"}, format="json"
    )
    for response in (patched, put):
        assert response.status_code == 400
        assert response.json() == {"email": [CANNOT_CHANGE]}

    with pytest.raises(ValidationError) as refused:
        suppression_update(
            suppression=entry, actor=marketer, data={"email": "other@example.com", "note": "x"}
        )
    assert refused.value.message_dict == {"email": [CANNOT_CHANGE]}

    assert _stored() == before


def test_the_same_address_sent_back_is_no_change(api_as, marketer):
    entry = address_suppress(email="pat@example.com", reason="bounce", actor=marketer)

    response = api_as(marketer).put(
        f"/api/suppressions/{entry.pk}/",
        {"email": "PAT@Example.com", "reason": "complaint", "note": "ESP"},
        format="json",
    )

    assert response.status_code == 200
    assert _stored() == [(entry.pk, "pat@example.com", "complaint", "ESP")]
