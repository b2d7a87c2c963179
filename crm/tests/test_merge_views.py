import html
import re
from datetime import timedelta

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Deal, MergeLog
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    PurchaseFactory,
    StageFactory,
)


def test_duplicate_finder_by_email_finds_none_now_addresses_are_unique(
    client, manager, django_assert_max_num_queries
):
    # One contact per address, in any letter case (issue 14): a second "DUP0@…" is refused
    # by the database, so the email rule of the finder has nothing left to group.
    for n in range(5):
        ContactFactory(email=f"dup{n}@example.com")
    ContactFactory(email="single@example.com")
    client.force_login(manager)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("importing:duplicates"), {"kind": "contact", "rule": "email"})

    assert len(response.context["groups"]) == 0


def test_duplicate_finder_groups_by_name_and_company_and_companies_by_domain(client, manager):
    acme = CompanyFactory(name="Acme", domain="acme.com")
    CompanyFactory(name="ACME GmbH", domain="ACME.com")
    ContactFactory(first_name="Ada", last_name="King", company=acme)
    ContactFactory(first_name="ada", last_name="king", company=acme)
    ContactFactory(first_name="Ada", last_name="King", company=None)
    client.force_login(manager)

    by_name = client.get(reverse("importing:duplicates"), {"kind": "contact", "rule": "name"})
    by_domain = client.get(reverse("importing:duplicates"), {"kind": "company", "rule": "domain"})

    assert [len(g) for g in by_name.context["groups"]] == [2]
    assert [[c.name for c in g] for g in by_domain.context["groups"]] == [["Acme", "ACME GmbH"]]


def test_merge_page_previews_fields_and_moves_then_merges_and_undoes(client, manager):
    winner = ContactFactory(first_name="Ada", phone="")
    loser = ContactFactory(first_name="Ada", phone="+1 555")
    deal = DealFactory(contact=loser)
    purchase = PurchaseFactory(contact=loser)
    client.force_login(manager)
    url = reverse("importing:merge", args=["contact", winner.pk, loser.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["phone"].initial == "loser"
    assert dict(page.context["moves"]) == {"deals": 1, "purchases": 1}

    data = {name: page.context["form"][name].initial for name in page.context["form"].fields}
    response = client.post(url, data)
    log = MergeLog.objects.get()
    assert response["Location"] == reverse("importing:merge_log", args=[log.pk])
    deal.refresh_from_db()
    purchase.refresh_from_db()
    assert (deal.contact_id, purchase.contact_id) == (winner.pk, winner.pk)
    assert not Contact.objects.filter(pk=loser.pk).exists()

    response = client.post(reverse("importing:merge_undo", args=[log.pk]))
    deal.refresh_from_db()
    assert deal.contact_id == loser.pk
    assert Contact.objects.get(pk=loser.pk).phone == "+1 555"


def test_merge_of_invisible_or_foreign_records(client, rep, other_rep):
    mine, theirs = ContactFactory(owner=rep), ContactFactory(owner=other_rep)
    client.force_login(rep)

    response = client.get(reverse("importing:merge", args=["contact", mine.pk, theirs.pk]))

    assert response.status_code == 403
    assert client.get(reverse("importing:merge", args=["contact", mine.pk, 999])).status_code == 404
    assert client.get(reverse("importing:merge", args=["nope", 1, 2])).status_code == 404


@pytest.mark.parametrize("role_fixture", ["marketer", "support_agent"])
def test_roles_without_contact_writes_see_no_duplicate_finder(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(reverse("importing:duplicates")).status_code == 403


def _stale_deal(owner, days_idle, rotting_days=7):
    stage = StageFactory(rotting_days=rotting_days)
    return DealFactory(
        owner=owner, stage=stage, stage_entered_at=timezone.now() - timedelta(days=days_idle)
    )


def test_data_quality_counts_with_links(client, manager, django_assert_max_num_queries):
    ContactFactory(email="", owner=manager)
    ContactFactory(email="x@example.com", owner=None)
    ContactFactory(email="y@example.com", owner=manager)
    _stale_deal(manager, days_idle=10)
    _stale_deal(manager, days_idle=3)
    client.force_login(manager)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("importing:quality"))

    counts = response.context["counts"]
    assert counts == {
        "contacts_without_email": 1,
        "contacts_without_owner": 1,
        "duplicate_contact_emails": 0,
        "duplicate_contact_names": 0,
        "duplicate_company_domains": 0,
        "duplicate_company_names": 0,
        "stale_deals": 1,
    }
    body = response.content.decode()
    assert reverse("importing:quality_list", args=["stale-deals"]) in body


def test_a_rep_sees_only_their_own_stale_deals(client, rep, other_rep):
    mine = _stale_deal(rep, days_idle=30)
    _stale_deal(other_rep, days_idle=30)
    client.force_login(rep)

    response = client.get(reverse("importing:quality_list", args=["stale-deals"]))

    assert [obj.pk for obj, _url in response.context["rows"]] == [mine.pk]


def test_each_data_quality_list_exports_exactly_its_rows(client, rep, other_rep):
    stale = _stale_deal(rep, days_idle=30)
    _stale_deal(rep, days_idle=2)
    _stale_deal(other_rep, days_idle=30)
    without_email = ContactFactory(email="", owner=rep)
    ContactFactory(email="z@example.com", owner=rep)
    client.force_login(rep)

    for slug, expected in (("stale-deals", stale), ("contacts-without-email", without_email)):
        page = client.get(reverse("importing:quality_list", args=[slug]))
        links = re.findall(r'href="(/export/[^"]+)" download', page.content.decode())
        formats = [link.split("?")[0].rsplit(".", 1)[-1] for link in links]
        assert formats == ["csv", "xlsx"]
        for link, fmt in zip(links, formats, strict=True):
            exported = client.get(html.unescape(link))
            assert exported.status_code == 200
            content = b"".join(exported.streaming_content)  # both formats stream
            content = content if fmt == "xlsx" else content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(content, format=fmt)
            assert [int(row) for row in dataset["id"]] == [expected.pk], (slug, link)


def test_support_sees_no_stale_deals_but_the_contact_counts(client, support_agent):
    client.force_login(support_agent)

    counts = client.get(reverse("importing:quality")).context["counts"]

    assert counts["stale_deals"] is None
    assert counts["contacts_without_email"] == 0
    assert client.get(reverse("importing:quality_list", args=["stale-deals"])).status_code == 403


def test_managers_assign_owners_to_ownerless_contacts(client, manager, rep):
    first, second = ContactFactory(owner=None), ContactFactory(owner=None)
    client.force_login(manager)
    url = reverse("importing:quality_list", args=["contacts-without-owner"])

    response = client.post(url, {"owner": rep.pk, "contacts": [first.pk, second.pk]})

    assert response.status_code == 302
    assert set(Contact.objects.values_list("owner", flat=True)) == {rep.pk}
    assert Deal.objects.count() == 0
