"""NPS surveys (one response per token, expiring) and unique discount codes."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from automation.marketing.models import DiscountCode, DiscountReason, EmailSend
from automation.marketing.services.emails import email_send_deliver
from automation.marketing.services.offers import discount_code_issue, nps_survey_send
from crm.models import NpsResponse
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _deliver_all():
    """What the worker's email task does for each recorded email."""
    for send_id in EmailSend.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        email_send_deliver(send_id=send_id)


def _survey_path():
    _deliver_all()
    return re.search(r"http://127.0.0.1:8000(/m/nps/\S+/)", mail.outbox[-1].body).group(1)


def test_nps_link_records_one_response_and_refuses_a_second(client, run_on_commit):
    contact = ContactFactory(first_name="Nia")
    survey = run_on_commit(nps_survey_send, contact=contact, actor=None)
    path = _survey_path()

    page = client.get(path)
    assert page.status_code == 200
    assert b'name="score"' in page.content

    response = client.post(path, {"score": "9", "comment": "Great support"})
    assert response.status_code == 200
    [nps] = NpsResponse.objects.filter(contact=contact)
    assert (nps.score, nps.scale, nps.comment, nps.channel) == (9, 10, "Great support", "email")
    survey.refresh_from_db()
    assert survey.response == nps

    again = client.post(path, {"score": "0"})
    assert again.status_code == 410
    assert b'data-reason="answered"' in again.content
    assert client.get(path).status_code == 410
    assert NpsResponse.objects.filter(contact=contact).count() == 1


def test_expired_nps_link_is_refused(client, run_on_commit):
    contact = ContactFactory()
    run_on_commit(nps_survey_send, contact=contact, actor=None, valid_days=14)
    path = _survey_path()
    with time_machine.travel(timezone.now() + timedelta(days=14, seconds=1)):
        response = client.post(path, {"score": "10"})
    assert response.status_code == 410
    assert b'data-reason="expired"' in response.content
    assert NpsResponse.objects.count() == 0


def test_nps_bad_score_and_unknown_token(client, run_on_commit):
    run_on_commit(nps_survey_send, contact=ContactFactory(), actor=None)
    path = _survey_path()
    assert client.post(path, {"score": "11"}).status_code == 422
    assert client.post(path, {"score": "ten"}).status_code == 422
    assert client.get("/m/nps/not-a-token/").status_code == 404
    assert NpsResponse.objects.count() == 0


def test_discount_codes_are_unique_and_once_per_occasion(run_on_commit):
    contact = ContactFactory(first_name="Lu")
    first = run_on_commit(
        discount_code_issue,
        contact=contact,
        reason=DiscountReason.ANNIVERSARY,
        key="anniversary:2025",
        percent_off=15,
    )
    again = discount_code_issue(
        contact=contact, reason=DiscountReason.ANNIVERSARY, key="anniversary:2025", percent_off=15
    )
    assert again.pk == first.pk
    others = [
        discount_code_issue(
            contact=ContactFactory(), reason="repeat_purchase", key="k", percent_off=10
        )
        for _ in range(20)
    ]
    _deliver_all()
    codes = {first.code, *(o.code for o in others)}
    assert len(codes) == 21
    assert len(mail.outbox) == 21
    [lu_mail] = [m for m in mail.outbox if m.to == [contact.email]]
    assert first.code in lu_mail.body
    assert lu_mail.subject == "Lu, 15% off your next order"
    assert EmailSend.objects.get(contact=contact).kind == "discount"
    assert DiscountCode.objects.filter(contact=contact).count() == 1


def test_no_offer_email_to_an_opted_out_contact():
    contact = ContactFactory(opted_out=True)
    with pytest.raises(ValidationError):
        nps_survey_send(contact=contact, actor=None)
    with pytest.raises(ValidationError):
        discount_code_issue(contact=contact, reason="manual", key="x", percent_off=5)


def test_nps_email_and_page_are_in_the_contacts_language(client, run_on_commit):
    contact = ContactFactory(first_name="Nia", language="de")
    run_on_commit(nps_survey_send, contact=contact, actor=None)
    path = _survey_path()
    message = mail.outbox[-1]

    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert message.subject == "Nia, wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?"
    assert message.body.startswith(
        "Hallo Nia,\n\neine Frage, ein Klick: Wie wahrscheinlich ist es, dass Sie uns "
        "einem Freund weiterempfehlen?\n"
    )
    assert "Der Link gilt bis zum " in message.body
    assert "\n-- \nAbbestellen: " in message.body
    assert page["Content-Language"] == "de"
    assert "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?" in page.text
    client.post(path, {"score": "9"}, HTTP_ACCEPT_LANGUAGE="en")
    closed = client.post(path, {"score": "3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert closed.status_code == 410
    assert closed["Content-Language"] == "de"
    assert "Diese Umfrage wurde bereits beantwortet. Vielen Dank!" in closed.text
    assert "Diese Umfrage wurde bereits beantwortet. Vielen Dank!" in client.get(path).text


def test_discount_email_is_in_the_contacts_language(run_on_commit):
    turkish = ContactFactory(first_name="Elif", language="tr")
    english = ContactFactory(first_name="Lu")

    for contact in (turkish, english):
        run_on_commit(
            discount_code_issue,
            contact=contact,
            reason=DiscountReason.ANNIVERSARY,
            key="anniversary:2025",
            percent_off=15,
            valid_days=None,
        )
    _deliver_all()

    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Elif, bir sonraki siparişinizde %15 indirim",
        "Lu, 15% off your next order",
    ]
    (elif_mail,) = [m for m in mail.outbox if m.to == [turkish.email]]
    code = DiscountCode.objects.get(contact=turkish).code
    assert elif_mail.body.startswith(
        f"Merhaba Elif,\n\nmüşterimiz olduğunuz için teşekkür ederiz. Size özel {code} kodu "
        "%15 indirim sağlar."
    )
