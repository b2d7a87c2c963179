"""Two quick clicks on "Send NPS survey", really at the same time (issue 14)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from automation.marketing.models import EmailSend, NpsSurvey
from automation.marketing.services.offers import nps_survey_send
from crm.tests.factories import ContactFactory


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sends_record_one_survey_and_one_email():
    contact = ContactFactory(email="both@example.com")
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            barrier.wait()
            nps_survey_send(contact=contact)
            outcomes.append("sent")
        except ValidationError as error:
            outcomes.append(error.messages[0].split(" on ")[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["Already sent", "sent"]
    assert NpsSurvey.objects.filter(contact=contact).count() == 1
    assert EmailSend.objects.filter(contact=contact, kind="nps").count() == 1
