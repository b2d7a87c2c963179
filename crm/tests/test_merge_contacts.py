from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.importing.merges import (
    SPECS,
    default_choices,
    record_merge,
    related_counts,
    undo_merge,
)
from crm.models import (
    Activity,
    Company,
    Contact,
    CustomerSpell,
    Deal,
    Interaction,
    Lead,
    Lifecycle,
    MergeLog,
    NpsResponse,
    Purchase,
    Referral,
    Subscription,
    Tag,
    Ticket,
)
from crm.services.contacts import contact_create, contact_update
from crm.services.revenue import purchase_record
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SubscriptionFactory,
    TicketFactory,
)
from metrics import registry
from metrics.scopes import Period, Scope

RELATED = {
    Deal: "contact",
    Activity: "contact",
    Purchase: "contact",
    Lead: "contact",
    Interaction: "contact",
    Ticket: "contact",
    NpsResponse: "contact",
    Subscription: "contact",
}


def _with_history(contact, n):
    """n of every related record for `contact`; returns {model: [ids]}."""
    rows = {
        Deal: [DealFactory(contact=contact).pk for _ in range(n)],
        Activity: [ActivityFactory(contact=contact).pk for _ in range(n)],
        Purchase: [PurchaseFactory(contact=contact).pk for _ in range(n)],
        Lead: [LeadFactory(contact=contact).pk for _ in range(n)],
        Interaction: [
            Interaction.objects.create(
                contact=contact, kind="website_visit", occurred_at=timezone.now()
            ).pk
            for _ in range(n)
        ],
        Ticket: [TicketFactory(contact=contact).pk for _ in range(n)],
        NpsResponse: [NpsResponseFactory(contact=contact).pk for _ in range(n)],
        Subscription: [SubscriptionFactory(contact=contact).pk for _ in range(n)],
    }
    return rows


def _owned_ids(contact):
    return {
        model: sorted(model.objects.filter(**{field: contact}).values_list("pk", flat=True))
        for model, field in RELATED.items()
    }


@pytest.fixture
def pair(manager):
    acme = CompanyFactory(name="Acme")
    winner = ContactFactory(
        first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="", company=acme
    )
    loser = ContactFactory(
        first_name="Ada", last_name="Lovelace", email="ada.l@example.com", phone="+44 1"
    )
    shared, own = Tag.objects.create(name="vip"), Tag.objects.create(name="london")
    winner.tags.add(shared)
    loser.tags.add(shared, own)
    winner_rows, loser_rows = _with_history(winner, 2), _with_history(loser, 3)
    third = ContactFactory(first_name="Charles", referred_by=loser)
    Referral.objects.create(referrer=loser, referred=third, referred_on=timezone.localdate())
    # The loser referred the winner: after the merge that would be a self-referral.
    Referral.objects.create(referrer=loser, referred=winner, referred_on=timezone.localdate())
    return winner, loser, third, winner_rows, loser_rows


def test_merging_two_contacts_keeps_every_related_record_of_both(manager, pair):
    winner, loser, third, winner_rows, loser_rows = pair

    log = record_merge(kind="contact", actor=manager, winner=winner, loser=loser)

    assert not Contact.objects.filter(pk=loser.pk).exists()
    owned = _owned_ids(winner)
    for model in RELATED:
        assert owned[model] == sorted(winner_rows[model] + loser_rows[model]), model
    winner.refresh_from_db()
    assert winner.phone == "+44 1"  # empty on the winner, so the loser's value fills it
    assert winner.email == "ada@example.com"
    assert sorted(winner.tags.values_list("name", flat=True)) == ["london", "vip"]
    third.refresh_from_db()
    assert third.referred_by == winner
    assert list(Referral.objects.values_list("referrer", "referred")) == [(winner.pk, third.pk)]
    assert log.loser_id == loser.pk
    assert log.winner_before["changed"] == ["phone"]
    assert len(log.removed) == 2  # the shared tag link and the loser→winner referral


def test_undo_restores_the_merged_contact_and_everything_it_owned(manager, pair):
    winner, loser, third, winner_rows, loser_rows = pair
    log = record_merge(kind="contact", actor=manager, winner=winner, loser=loser)

    undo_merge(log=log, actor=manager)

    restored = Contact.objects.get(pk=loser.pk)
    assert (restored.email, restored.phone) == ("ada.l@example.com", "+44 1")
    for model in RELATED:
        assert _owned_ids(winner)[model] == sorted(winner_rows[model]), model
        assert _owned_ids(restored)[model] == sorted(loser_rows[model]), model
    winner.refresh_from_db()
    assert winner.phone == ""
    assert sorted(winner.tags.values_list("name", flat=True)) == ["vip"]
    assert sorted(restored.tags.values_list("name", flat=True)) == ["london", "vip"]
    third.refresh_from_db()
    assert third.referred_by_id == loser.pk
    assert sorted(Referral.objects.values_list("referrer", "referred")) == sorted(
        [(loser.pk, third.pk), (loser.pk, winner.pk)]
    )
    log.refresh_from_db()
    assert log.undone_by == manager
    with pytest.raises(ValidationError):
        undo_merge(log=log, actor=manager)


def test_field_choices_decide_which_values_win(manager, pair):
    winner, loser, *_ = pair

    record_merge(
        kind="contact",
        actor=manager,
        winner=winner,
        loser=loser,
        choices={"email": "loser", "company": "loser"},
    )

    winner.refresh_from_db()
    assert (winner.email, winner.company) == ("ada.l@example.com", None)


def test_defaults_keep_an_opt_out_and_the_further_lifecycle():
    winner = Contact(pk=1, first_name="A", lifecycle="lead", opted_out=False)
    loser = Contact(pk=2, first_name="A", lifecycle="customer", opted_out=True, phone="1")

    choices = default_choices(SPECS["contact"], winner, loser)

    assert choices["opted_out"] == "loser"
    assert (choices["lifecycle"], choices["customer_since"]) == ("loser", "loser")
    assert (choices["first_name"], choices["phone"]) == ("winner", "loser")


def test_a_winner_referred_by_the_loser_ends_up_referred_by_nobody(manager):
    loser = ContactFactory()
    winner = ContactFactory(referred_by=loser)

    record_merge(kind="contact", actor=manager, winner=winner, loser=loser)

    winner.refresh_from_db()
    assert winner.referred_by is None


def test_merging_companies_moves_their_contacts_and_deals(manager):
    winner, loser = CompanyFactory(name="Acme"), CompanyFactory(name="ACME Inc", industry="Tools")
    contact = ContactFactory(company=loser)
    deal = DealFactory(company=loser)

    log = record_merge(kind="company", actor=manager, winner=winner, loser=loser)

    contact.refresh_from_db()
    deal.refresh_from_db()
    winner.refresh_from_db()
    assert (contact.company, deal.company, winner.industry) == (winner, winner, "Tools")
    undo_merge(log=log, actor=manager)
    contact.refresh_from_db()
    assert contact.company_id == loser.pk
    assert Company.objects.get(pk=loser.pk).industry == "Tools"
    assert MergeLog.objects.get().undone_at is not None


def test_reps_merge_only_contacts_they_may_edit(rep, other_rep):
    mine, theirs = ContactFactory(owner=rep), ContactFactory(owner=other_rep)

    with pytest.raises(PermissionDenied):
        record_merge(kind="contact", actor=rep, winner=mine, loser=theirs)
    record_merge(kind="contact", actor=rep, winner=mine, loser=ContactFactory(owner=None))


@pytest.mark.parametrize("role_fixture", ["marketer", "support_agent"])
def test_roles_without_contact_writes_cannot_merge(request, role_fixture):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(PermissionDenied):
        record_merge(kind="contact", actor=user, winner=ContactFactory(), loser=ContactFactory())


def test_related_counts_preview_what_moves(pair):
    _winner, loser, *_ = pair

    counts = dict(related_counts(Contact, loser))

    assert counts["deals"] == 3
    assert counts["purchases"] == 3
    assert counts["activities"] == 3
    assert counts["referrals"] == 2


def at(day):
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def spells(contact_id):
    return list(
        CustomerSpell.objects.filter(contact_id=contact_id)
        .order_by("started_at")
        .values_list("started_at", "ended_at", "first")
    )


def may_2018_churn():
    kpi = registry.compute(
        "churn_rate", Period(date(2018, 5, 1), date(2018, 6, 1)), Scope.company()
    )
    return kpi.numerator, kpi.denominator


def test_merging_two_customer_histories_joins_their_spells(manager, rep):

    # One person on two records: a customer since 2017 who "churned" on the old record in
    # May 2018, and bought again on a duplicate record from January 2018 on.
    old = contact_create(actor=manager, first_name="Ada", email="ada@old.example")
    purchase_record(actor=manager, contact=old, amount=100, purchased_at=at("2017-03-01"))
    contact_update(
        contact=old,
        actor=manager,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-05-15")},
    )
    duplicate = contact_create(actor=manager, first_name="Ada", email="ada@new.example")
    purchase_record(actor=manager, contact=duplicate, amount=80, purchased_at=at("2018-01-10"))
    assert may_2018_churn() == (1, 2)  # counted as two customers, one lost

    log = record_merge(kind="contact", actor=manager, winner=old, loser=duplicate)

    assert spells(old.pk) == [(at("2017-03-01"), None, True)]
    old.refresh_from_db()
    assert (old.lifecycle, old.customer_since, old.churned_at) == (
        Lifecycle.CUSTOMER,
        at("2017-03-01"),
        None,
    )
    assert may_2018_churn() == (0, 1)  # one customer, never lost

    undo_merge(log=log, actor=manager)

    assert spells(old.pk) == [(at("2017-03-01"), at("2018-05-15"), True)]
    assert spells(duplicate.pk) == [(at("2018-01-10"), None, True)]
    old.refresh_from_db()
    assert (old.lifecycle, old.churned_at) == (Lifecycle.CHURNED, at("2018-05-15"))
    assert may_2018_churn() == (1, 2)


def test_merging_into_a_record_still_a_customer_keeps_its_spell_open(manager):
    staying = contact_create(actor=manager, first_name="Ada", email="ada@one.example")
    purchase_record(actor=manager, contact=staying, amount=100, purchased_at=at("2018-02-01"))
    churned = contact_create(actor=manager, first_name="Ada", email="ada@two.example")
    purchase_record(actor=manager, contact=churned, amount=80, purchased_at=at("2018-03-01"))
    contact_update(
        contact=churned,
        actor=manager,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-06-20")},
    )

    record_merge(kind="contact", actor=manager, winner=staying, loser=churned)

    assert spells(staying.pk) == [(at("2018-02-01"), None, True)]
    staying.refresh_from_db()
    assert (staying.lifecycle, staying.churned_at) == (Lifecycle.CUSTOMER, None)
