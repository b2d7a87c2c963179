"""The migration to one contact per address keeps consent and loses no contact (issue 14)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crm", "0006_purchase_reversal")]
AFTER = [("crm", "0007_suppression_list_and_unique_email")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_duplicates_by_letter_case_and_opt_outs_are_carried_over():
    old = _migrate(BEFORE)
    Contact = old.get_model("crm", "Contact")
    first = Contact.objects.create(first_name="Ada", email="ada@example.com", opted_out=True)
    second = Contact.objects.create(first_name="Ada again", email="ADA@Example.com ")
    other = Contact.objects.create(first_name="Bob", email="bob@example.com")
    blank = [Contact.objects.create(first_name=f"No mail {n}", email="") for n in range(2)]

    new = _migrate(AFTER)
    try:
        Contact = new.get_model("crm", "Contact")
        Suppressed = new.get_model("crm", "SuppressedAddress")
        assert Contact.objects.count() == 5
        assert Contact.objects.get(pk=first.pk).email == "ada@example.com"
        moved = Contact.objects.get(pk=second.pk)
        assert moved.email == ""
        assert list(moved.tags.values_list("name", flat=True)) == ["duplicate email"]
        assert Contact.objects.get(pk=other.pk).email == "bob@example.com"
        assert all(Contact.objects.get(pk=c.pk).email == "" for c in blank)
        entry = Suppressed.objects.get()
        assert (entry.email, entry.reason, entry.contact_id) == (
            "ada@example.com",
            "unsubscribe",
            first.pk,
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
